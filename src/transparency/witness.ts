/**
 * @module transparency/witness
 * A C2SP witness (c2sp.org/tlog-witness): it keeps, per log origin, the last checkpoint it
 * cosigned, and cosigns a new checkpoint only with an RFC 9162 consistency proof from that one.
 * Used by the broker's `POST /add-checkpoint` (global/witnessRoute) and by a partner's
 * `entangle pull`, so both answer a request the same way, status codes included:
 *
 *   body = "old " decimal(old size) "\n" (base64(hash) "\n"){0,63} "\n" checkpoint note
 *
 *   400  malformed body, more than 63 proof lines, or old size > checkpoint size
 *   404  origin not configured
 *   403  no signature of a configured log key, or one of them does not verify
 *   409  old size is not the size last cosigned (body: that size "\n", text/x.tlog.size)
 *   422  size 0 with a root other than SHA-256(""), a proof with old size 0, different roots
 *        at equal sizes, or a consistency proof that does not verify
 *   200  the cosignature line(s), after the new state is durable
 *
 * Check-and-update is atomic: add() is synchronous from reading the state to writing it, and one
 * process owns a state file (a node's data folder is locked; a broker's folder is its own), so
 * two requests cannot both pass the old-size check (the spec's rollback race).
 */
import { fromBase64, toBase64, equal } from '../codec/bytes.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { EMPTY_ROOT, verifyConsistency } from '../merkle/tree.js';
import { isUrchainError } from '../errors.js';
import { canonicalBase64, openNote, parseNote, type NoteKey } from './note.js';
import { parseCheckpointText } from './checkpoint.js';
import { cosignatureLine, cosignerKey } from './cosignature.js';
import { readJsonState, writeFileAtomic } from './stateFile.js';

/** A log this witness cosigns: its origin and the keys that sign its checkpoints. */
export interface WitnessedLog {
  origin: string;
  keys: NoteKey[];
}

export interface WitnessAnswer {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  body: string;
  contentType: string;
}

/** What a witness keeps per origin: the last cosigned size and root, and that cosigned note. */
export interface Witnessed {
  size: number;
  root: string;
  note: string;
}

export const MAX_PROOF_LINES = 63;
const TEXT = 'text/plain; charset=utf-8';
const fail = (status: WitnessAnswer['status'], why: string): WitnessAnswer => ({ status, body: `${why}\n`, contentType: TEXT });

/** Splits an add-checkpoint body; undefined when it is malformed (400). */
export function parseAddCheckpoint(body: string): { oldSize: number; proof: Uint8Array[]; note: string } | undefined {
  const m = /^old (0|[1-9][0-9]{0,15})\n/.exec(body);
  if (!m || !Number.isSafeInteger(Number(m[1]))) return undefined;
  const proof: Uint8Array[] = [];
  let at = m[0].length;
  for (;;) {
    const nl = body.indexOf('\n', at);
    if (nl < 0) return undefined;
    const line = body.slice(at, nl);
    at = nl + 1;
    if (line === '') break;
    const h = canonicalBase64(line);
    if (!h || h.length !== 32 || proof.length >= MAX_PROOF_LINES) return undefined;
    proof.push(h);
  }
  return { oldSize: Number(m[1]), proof, note: body.slice(at) };
}

/** The add-checkpoint request body a log sends. */
export const addCheckpointBody = (oldSize: number, proof: readonly Uint8Array[], note: string): string => `old ${oldSize}\n${proof.map((h) => `${toBase64(h)}\n`).join('')}\n${note}`;

export class Witness {
  /** The cosigner key (type 0x04) clients configure for this witness. */
  readonly cosigner: NoteKey;

  constructor(
    readonly name: string,
    private readonly key: KeyPair,
    private readonly stateFile: string,
    private readonly logs: (origin: string) => NoteKey[] | undefined,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.cosigner = cosignerKey(name, key.publicKey);
  }

  private read(): Record<string, Witnessed> {
    return readJsonState<{ logs: Record<string, Witnessed> }>(this.stateFile)?.logs ?? {};
  }

  /** The last checkpoint cosigned for `origin`, if any. */
  latest(origin: string): Witnessed | undefined {
    const logs = this.read();
    return Object.prototype.hasOwnProperty.call(logs, origin) ? logs[origin] : undefined;
  }

  /** Answers one add-checkpoint request body (see the module comment). */
  add(body: string): WitnessAnswer {
    const req = parseAddCheckpoint(body);
    if (!req) return fail(400, 'malformed add-checkpoint body: expected "old N", up to 63 base64 hashes, a blank line and a checkpoint');
    let head;
    try {
      head = parseCheckpointText(parseNote(req.note).text);
    } catch (e) {
      return fail(400, `malformed checkpoint: ${(e as Error).message}`);
    }
    const keys = this.logs(head.origin);
    if (!keys?.length) return fail(404, `unknown log origin ${JSON.stringify(head.origin)}`);
    try {
      openNote(req.note, keys);
    } catch (e) {
      if (isUrchainError(e, 'BAD_SIGNATURE', 'BAD_ENCODING', 'BAD_INPUT')) return fail(403, (e as Error).message);
      throw e;
    }
    if (req.oldSize > head.size) return fail(400, `old size ${req.oldSize} is larger than the checkpoint size ${head.size}`);
    const logs = this.read();
    const last = Object.prototype.hasOwnProperty.call(logs, head.origin) ? logs[head.origin] : undefined;
    const lastSize = last?.size ?? 0;
    if (req.oldSize !== lastSize) return { status: 409, body: `${lastSize}\n`, contentType: 'text/x.tlog.size' };
    if (head.size === 0 && !equal(head.root, EMPTY_ROOT)) return fail(422, 'a checkpoint of size 0 must have the root of the empty tree');
    if (req.oldSize === 0) {
      if (req.proof.length) return fail(422, 'old size 0 takes no consistency proof');
    } else if (req.oldSize === head.size) {
      if (req.proof.length || !equal(fromBase64(last!.root), head.root)) return fail(422, `a different root at the cosigned size ${head.size}: the log forked`);
    } else if (!verifyConsistency(req.oldSize, head.size, fromBase64(last!.root), head.root, req.proof)) {
      return fail(422, `the consistency proof from size ${req.oldSize} to ${head.size} does not verify: not an extension of the cosigned checkpoint`);
    }
    const line = cosignatureLine(parseNote(req.note).text, this.name, this.key, this.now());
    // Defined, not assigned: an origin "__proto__" would set the prototype, and JSON.stringify would
    // drop it, so the witness would forget what it cosigned for that log.
    Object.defineProperty(logs, head.origin, { value: { size: head.size, root: toBase64(head.root), note: `${req.note}${line}` }, enumerable: true, writable: true, configurable: true });
    writeFileAtomic(this.stateFile, `${JSON.stringify({ logs }, null, 1)}\n`);
    return { status: 200, body: line, contentType: TEXT };
  }
}
