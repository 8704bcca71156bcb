/**
 * @module errors
 * One error class and one table. Every failure the library reports is an `UrchainError` with an
 * upper-snake `code`; the table below says, once for each code, what the CLI exits with, what the
 * HTTP API answers, whether a client may retry the same request later, and how many points a peer
 * that caused it loses (src/net scores peers with it). Anything that is not an UrchainError is a
 * bug and becomes `INTERNAL` through `asUrchainError`.
 *
 * Raise errors with the named factories: `throw UrchainError.BAD_INPUT('height: expected a number')`.
 */

export interface ErrorSpec {
  /** Exit status of a command that fails with this code (2: the caller's input was wrong). */
  exit: 1 | 2;
  /** HTTP status the API answers with. */
  http: number;
  /** May a client send the same request again later and expect it to work? */
  retry: boolean;
  /** Points a peer loses when one of its messages fails with this code (100 bans at once). */
  penalty: number;
  /** What the code means, for urchain-api(7) and the man pages. */
  about: string;
}

/** The table. Order is the order the man pages list the codes in. */
export const ERRORS = {
  BAD_INPUT: { exit: 2, http: 400, retry: false, penalty: 100, about: 'the request or a command line argument is malformed or out of range' },
  BAD_ENCODING: { exit: 1, http: 400, retry: false, penalty: 100, about: 'bytes are not the canonical encoding they must be' },
  BAD_SIGNATURE: { exit: 1, http: 401, retry: false, penalty: 100, about: 'a signature does not verify, or a key is not a valid public key' },
  BAD_PROOF: { exit: 1, http: 400, retry: false, penalty: 5, about: 'a proof or a piece of one does not check' },
  BAD_BLOCK: { exit: 1, http: 400, retry: false, penalty: 100, about: 'a block breaks a rule of the chain' },
  BAD_CHAIN: { exit: 1, http: 400, retry: false, penalty: 5, about: 'data of another chain, or a chain that cannot be used here' },
  BAD_REPLY: { exit: 1, http: 502, retry: true, penalty: 5, about: 'a server (a broker, say) answered something that is not its protocol' },
  UNAUTHORIZED: { exit: 1, http: 401, retry: false, penalty: 5, about: 'the request lacks the credentials it needs (the API token)' },
  FORBIDDEN: { exit: 1, http: 403, retry: false, penalty: 5, about: 'the sender is known but may not do this (not a member, not the owner)' },
  NOT_FOUND: { exit: 1, http: 404, retry: false, penalty: 5, about: 'no such block, transaction, payload, message or file' },
  NOT_ALLOWED: { exit: 1, http: 405, retry: false, penalty: 5, about: 'the method is not allowed on this path' },
  EXISTS: { exit: 1, http: 409, retry: false, penalty: 5, about: 'the thing to be created is already there' },
  CONFLICT: { exit: 1, http: 409, retry: false, penalty: 5, about: 'the same idempotency key was used for a different request' },
  REPLAY: { exit: 1, http: 409, retry: false, penalty: 5, about: 'a signed request or message was already seen, or is too old' },
  TOO_LARGE: { exit: 1, http: 413, retry: false, penalty: 100, about: 'the input is over a size limit' },
  RATE_LIMITED: { exit: 1, http: 429, retry: true, penalty: 50, about: 'too many requests: slow down and try again' },
  TIMEOUT: { exit: 1, http: 504, retry: true, penalty: 5, about: 'a peer or server did not answer in time' },
  UNAVAILABLE: { exit: 1, http: 503, retry: true, penalty: 5, about: 'the node or server cannot do this now (starting, stopping, unreachable)' },
  STORE: { exit: 1, http: 507, retry: true, penalty: 0, about: "this node's storage failed (a full disk, an I/O error): not the sender's doing" },
  INTERNAL: { exit: 1, http: 500, retry: false, penalty: 5, about: 'a bug in urchain: the message and stack go to the log' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

type Factory = (message: string, meta?: Record<string, unknown>) => UrchainError;
const factory =
  (code: ErrorCode): Factory =>
  (message, meta) =>
    new UrchainError(code, message, meta);

export class UrchainError extends Error {
  readonly code: ErrorCode;
  readonly meta: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(message);
    this.name = 'UrchainError';
    this.code = code;
    this.meta = meta;
  }
  /** This error's row of the table. */
  get spec(): ErrorSpec {
    return ERRORS[this.code];
  }
  toJSON(): { code: ErrorCode; message: string } & Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.meta };
  }

  static readonly BAD_INPUT = factory('BAD_INPUT');
  static readonly BAD_ENCODING = factory('BAD_ENCODING');
  static readonly BAD_SIGNATURE = factory('BAD_SIGNATURE');
  static readonly BAD_PROOF = factory('BAD_PROOF');
  static readonly BAD_BLOCK = factory('BAD_BLOCK');
  static readonly BAD_CHAIN = factory('BAD_CHAIN');
  static readonly BAD_REPLY = factory('BAD_REPLY');
  static readonly UNAUTHORIZED = factory('UNAUTHORIZED');
  static readonly FORBIDDEN = factory('FORBIDDEN');
  static readonly NOT_FOUND = factory('NOT_FOUND');
  static readonly NOT_ALLOWED = factory('NOT_ALLOWED');
  static readonly EXISTS = factory('EXISTS');
  static readonly CONFLICT = factory('CONFLICT');
  static readonly REPLAY = factory('REPLAY');
  static readonly TOO_LARGE = factory('TOO_LARGE');
  static readonly RATE_LIMITED = factory('RATE_LIMITED');
  static readonly TIMEOUT = factory('TIMEOUT');
  static readonly UNAVAILABLE = factory('UNAVAILABLE');
  static readonly STORE = factory('STORE');
  static readonly INTERNAL = factory('INTERNAL');
}

/** True for an UrchainError (of one of `codes`, when given). */
export function isUrchainError(e: unknown, ...codes: ErrorCode[]): e is UrchainError {
  return e instanceof UrchainError && (codes.length === 0 || codes.includes(e.code));
}

/**
 * An UrchainError as it is; anything else is a bug and becomes INTERNAL (the original stays as
 * `cause`, so a log can print its stack).
 */
export function asUrchainError(e: unknown): UrchainError {
  if (e instanceof UrchainError) return e;
  const x = e instanceof Error ? e : new Error(String(e));
  const err = new UrchainError('INTERNAL', `internal error: ${x.message}`);
  (err as { cause?: unknown }).cause = x;
  return err;
}

/** Short forms of the three most used factories (older call sites use these). */
export const badInput = UrchainError.BAD_INPUT;
export const notFound = UrchainError.NOT_FOUND;
export const badBlock = UrchainError.BAD_BLOCK;
