/**
 * @module transparency/cosignature
 * C2SP tlog cosignatures, Ed25519 form (c2sp.org/tlog-cosignature, `cosignature/v1`): a
 * witness's timestamped statement that a checkpoint is the largest consistent tree head it has
 * seen for that log. A cosignature is one more signature line on the checkpoint's signed note:
 *
 *   line      = "— " name " " base64(keyId || timestamp || signature) "\n"
 *   keyId     = SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]
 *   timestamp = u64 big-endian POSIX seconds
 *   signature = Ed25519(key, "cosignature/v1\n" "time " decimal(timestamp) "\n" || note text)
 *   vkey      = name "+" hex(keyId) "+" base64(0x04 || public key)
 *
 * The note text is the whole checkpoint body with its final newline, no signature lines. The
 * message never starts with "urchain/", so it stays apart from urchain's own signed messages
 * (crypto/signed noteMessage refuses those), and 0x04 in the key ID keeps a cosigner key apart
 * from the same key signing its own log's checkpoints (type 0x01).
 *
 * Reading is as strict as transparency/note: a line of a known cosigner must be exactly
 * 4 + 8 + 64 bytes and verify, else the note is refused; a cosigner counts once. Timestamps
 * above 2^53 - 1 (year 285 million) are refused as "in the future", which the spec allows, so
 * every time is a plain number.
 */
import { concat, toBase64, utf8 } from '../codec/bytes.js';
import { sign, verify, SIGNATURE_LEN, type KeyPair } from '../crypto/ed25519.js';
import { noteMessage } from '../crypto/signed.js';
import { UrchainError } from '../errors.js';
import { formatVerifierKey, hex8, keyIdBytes, noteKey, parseNote, parseVerifierKey, validKeyName, type NoteKey } from './note.js';

/** The signature type byte of cosignature/v1 key IDs and verifier keys. */
export const COSIGNATURE_TYPE = 0x04;

export interface Cosignature {
  key: NoteKey;
  /** POSIX seconds the witness signed at. */
  time: number;
}

/** A cosigner's key: name and Ed25519 public key, key ID of type 0x04. */
export const cosignerKey = (name: string, publicKey: Uint8Array): NoteKey => noteKey(name, publicKey, COSIGNATURE_TYPE);
export const formatCosignerKey = (k: NoteKey): string => formatVerifierKey(k, COSIGNATURE_TYPE);
export const parseCosignerKey = (s: string): NoteKey => parseVerifierKey(s, COSIGNATURE_TYPE);

function checkTime(time: number): void {
  if (!Number.isSafeInteger(time) || time < 0) throw UrchainError.BAD_INPUT(`cosignature time ${time}: expected whole seconds since 1970`);
}

/** The bytes a cosigner signs over a checkpoint note text at `time`. */
export function cosignedMessage(text: string, time: number): Uint8Array {
  checkTime(time);
  if (typeof text !== 'string' || !text.endsWith('\n')) throw UrchainError.BAD_INPUT('cosignature: the checkpoint text must end in a newline');
  return utf8(`cosignature/v1\ntime ${time}\n${text}`);
}

function timeBytes(time: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(time));
  return b;
}

/** The cosignature line of `key` (named `name`) over the checkpoint note text, at `time`. */
export function cosignatureLine(text: string, name: string, key: KeyPair, time: number): string {
  if (!validKeyName(name)) throw UrchainError.BAD_INPUT(`cosigner name ${JSON.stringify(name)}: expected non-empty, without spaces or "+"`);
  const sig = sign(noteMessage(cosignedMessage(text, time)), key.secretKey);
  const id = cosignerKey(name, key.publicKey).keyId;
  return `\u2014 ${name} ${toBase64(concat(keyIdBytes(id), timeBytes(time), sig))}\n`;
}

/** Adds a cosignature to a signed note (appends its line; the note itself is not checked). */
export function cosignNote(note: string, name: string, key: KeyPair, time: number): string {
  const { text } = parseNote(note);
  return `${note}${cosignatureLine(text, name, key, time)}`;
}

/**
 * The cosignatures of known cosigners on a note, checked: a line whose name and key ID match a
 * known cosigner must be a valid timestamped signature of it (BAD_SIGNATURE otherwise), each
 * cosigner once. Lines of other keys (the log's own signature among them) are ignored. The
 * note's log signature is NOT checked here: open the note with transparency/checkpoint first.
 */
export function verifyCosignatures(note: string | Uint8Array, cosigners: readonly NoteKey[]): Cosignature[] {
  const { text, signatures } = parseNote(note);
  const out: Cosignature[] = [];
  for (const s of signatures) {
    const k = cosigners.find((c) => c.name === s.name && c.keyId === s.keyId);
    if (!k) continue;
    const who = `${s.name}+${hex8(s.keyId)}`;
    if (out.some((c) => c.key === k)) throw UrchainError.BAD_ENCODING(`signed note: two cosignatures of ${who}`);
    if (s.signature.length !== 8 + SIGNATURE_LEN) throw UrchainError.BAD_SIGNATURE(`cosignature of ${who}: expected 8 + 64 bytes after the key ID, got ${s.signature.length}`);
    const t = new DataView(s.signature.buffer, s.signature.byteOffset, 8).getBigUint64(0);
    if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw UrchainError.BAD_SIGNATURE(`cosignature of ${who}: timestamp ${t} is in the future`);
    const time = Number(t);
    if (!verify(noteMessage(cosignedMessage(text, time)), s.signature.subarray(8), k.publicKey))
      throw UrchainError.BAD_SIGNATURE(`cosignature of ${who}: invalid signature`);
    out.push({ key: k, time });
  }
  return out;
}

/** The signature lines of a note whose name and key ID match `k` (as text, with newline). */
export function linesOf(note: string, k: NoteKey): string[] {
  const { signatures } = parseNote(note);
  const lines = note.slice(note.lastIndexOf('\n\n') + 2).split('\n').slice(0, -1);
  return lines.filter((_, i) => signatures[i].name === k.name && signatures[i].keyId === k.keyId).map((l) => `${l}\n`);
}
