/**
 * @module transparency/checkpoint
 * C2SP transparency-log checkpoints (c2sp.org/tlog-checkpoint@v1): the text of a signed note
 * (transparency/note) that states a Merkle tree head,
 *
 *   origin "\n" size "\n" base64(root) "\n" (extension "\n")*
 *
 * origin: non-empty (the spec recommends a schema-less URL; urchain's rule is in
 * transparency/origin); size: decimal, no leading zero unless "0"; root: the RFC 9162 root at
 * that size, 32 bytes in canonical padded base64; extension lines: opaque, non-empty.
 * Parsing is strict: anything else is BAD_ENCODING. Not to be confused with chain/checkpoint,
 * urchain's own CBOR statement that partners entangle.
 */
import { fromBase64, toBase64 } from '../codec/bytes.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { UrchainError } from '../errors.js';
import { openNote, signNote, type NoteKey } from './note.js';

export interface TreeHead {
  origin: string;
  size: number;
  root: Uint8Array;
  /** Extension lines (NOT RECOMMENDED by the spec; urchain writes none). */
  extensions?: string[];
}

const malformed = (why: string) => UrchainError.BAD_ENCODING(`checkpoint: ${why}`);

/** The checkpoint note text of a tree head. */
export function checkpointText(h: TreeHead): string {
  if (typeof h.origin !== 'string' || h.origin === '' || h.origin.includes('\n')) throw UrchainError.BAD_INPUT('checkpoint origin: expected one non-empty line');
  if (!Number.isSafeInteger(h.size) || h.size < 0) throw UrchainError.BAD_INPUT(`checkpoint size ${h.size}: expected a whole number`);
  if (!(h.root instanceof Uint8Array) || h.root.length !== 32) throw UrchainError.BAD_INPUT('checkpoint root: expected 32 bytes');
  for (const e of h.extensions ?? []) if (e === '' || e.includes('\n')) throw UrchainError.BAD_INPUT('checkpoint extension: expected one non-empty line');
  return [h.origin, String(h.size), toBase64(h.root), ...(h.extensions ?? [])].map((l) => `${l}\n`).join('');
}

/** Parses a checkpoint note text (without its signatures). */
export function parseCheckpointText(text: string): TreeHead {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw malformed('the text must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('expected origin, size and root lines');
  const [origin, size, root, ...extensions] = lines;
  if (origin === '') throw malformed('empty origin');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) throw malformed(`size ${JSON.stringify(size.slice(0, 40))}: expected a decimal number without leading zeros`);
  let r: Uint8Array;
  try {
    r = fromBase64(root);
  } catch {
    throw malformed('root is not base64');
  }
  if (r.length !== 32 || toBase64(r) !== root) throw malformed('root: expected 32 bytes in canonical base64');
  if (extensions.some((e) => e === '')) throw malformed('empty extension line');
  return { origin, size: Number(size), root: r, extensions };
}

/** The signed checkpoint note; the key name is the origin, as the spec recommends. */
export function signTreeHead(h: TreeHead, key: KeyPair): string {
  return signNote(checkpointText(h), h.origin, key);
}

/**
 * Opens a signed checkpoint against trusted keys; `origin`, when given, must match (a client
 * checks it knows which log it reads).
 */
export function openTreeHead(note: string | Uint8Array, keys: readonly NoteKey[], origin?: string): TreeHead & { verifiedBy: NoteKey[] } {
  const n = openNote(note, keys);
  const h = parseCheckpointText(n.text);
  if (origin !== undefined && h.origin !== origin) throw UrchainError.BAD_CHAIN(`checkpoint of ${JSON.stringify(h.origin)}, expected ${JSON.stringify(origin)}`);
  return { ...h, verifiedBy: n.verifiedBy };
}
