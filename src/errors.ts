/**
 * @module errors
 * One error class for the whole library: an upper-snake `code` plus metadata. Commands map
 * `BAD_INPUT`-like codes to usage errors (exit 2) and everything else to exit 1.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'BAD_ENCODING'
  | 'BAD_SIGNATURE'
  | 'BAD_PROOF'
  | 'BAD_BLOCK'
  | 'BAD_CHAIN'
  | 'NOT_FOUND'
  | 'EXISTS'
  | 'TOO_LARGE'
  | 'STORE'
  | 'UNAVAILABLE'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'REPLAY'
  | 'RATE_LIMITED'
  | 'UNAUTHORIZED'
  | 'NOT_ALLOWED'
  | 'INTERNAL'
  | 'TIMEOUT'
  /** A server (a broker, say) answered something that is not its protocol. */
  | 'BAD_REPLY';

export class UrchainError extends Error {
  readonly code: ErrorCode;
  readonly meta: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(message);
    this.name = 'UrchainError';
    this.code = code;
    this.meta = meta;
  }
  toJSON(): { code: ErrorCode; message: string } & Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.meta };
  }
}

export const badInput = (message: string, meta?: Record<string, unknown>) =>
  new UrchainError('BAD_INPUT', message, meta);
export const notFound = (message: string, meta?: Record<string, unknown>) =>
  new UrchainError('NOT_FOUND', message, meta);
export const badBlock = (message: string, meta?: Record<string, unknown>) =>
  new UrchainError('BAD_BLOCK', message, meta);
