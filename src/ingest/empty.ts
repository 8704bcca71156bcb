/**
 * @module ingest/empty
 * The empty-record rule of the ingest commands. A record of 0 bytes is almost always an accident:
 * a producer in a pipe that failed before writing (`read_sensor | urchain ingest send -`), a file
 * picked up the instant it was created. Once durable it can never be taken back, so the paths a
 * person or a script types (`ingest send`, `ingest watch`, `node run --watch`) refuse it unless
 * the caller says it is meant (`--allow-empty`). The node's HTTP API and Profichain port keep
 * taking empty records: programs that call them choose their payloads on purpose, and their
 * behaviour is a contract (urchain-api(7), urchain-profichain(7)).
 */
import { UrchainError } from '../errors.js';

/** Code put in the error's metadata, so a caller can tell a refused empty record from other bad input. */
export const EMPTY_RECORD = 'empty';

/** Throws BAD_INPUT when `payload` is empty and empty records were not allowed; `what` names it ("stdin", a file). */
export function refuseEmpty(payload: Uint8Array, what: string, allowEmpty = false): void {
  if (payload.length > 0 || allowEmpty) return;
  throw UrchainError.BAD_INPUT(`${what} is empty (0 bytes): an empty record is refused unless --allow-empty is given`, { reason: EMPTY_RECORD });
}

/** True for the error refuseEmpty throws. */
export function isEmptyRefusal(e: unknown): boolean {
  return e instanceof UrchainError && e.code === 'BAD_INPUT' && e.meta.reason === EMPTY_RECORD;
}
