/**
 * @module transparency/note
 * C2SP signed notes (c2sp.org/signed-note@v1), Ed25519 only (signature type 0x01):
 *
 *   note           = text || "\n" || signature line+         text: ends in "\n", may hold blank lines
 *   signature line = "— " (U+2014 U+0020) || key name || " " || base64(key ID || signature) || "\n"
 *   key ID         = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4], a big-endian uint32
 *   signature      = Ed25519(secret key, text)                (crypto/signed noteMessage)
 *   verifier key   = key name || "+" || hex(key ID, 8 digits) || "+" || base64(0x01 || public key)
 *
 * The text ends at the LAST blank line. A note is valid UTF-8 with no control character but
 * "\n"; key names are non-empty with no Unicode space and no "+".
 *
 * Opening is strict where the spec leaves room: every line after the text must be a well-formed
 * signature line (base64 in its one canonical padded form, at least 4 + 1 bytes), at most
 * MAX_SIGNATURES of them; signatures from unknown keys are ignored as the spec requires, but a
 * known key's signature must verify (else the whole note is refused), a known key may sign only
 * once (Go's x/mod accepts a repeat; nothing honest writes one), and at least one known key must
 * have signed. Ed25519 verification is urchain's one strict rule (crypto/ed25519).
 */
import { concat, fromBase64, toBase64, toHex, utf8 } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { sign, verify, validPublicKey, PUBLIC_KEY_LEN, SIGNATURE_LEN, type KeyPair } from '../crypto/ed25519.js';
import { noteMessage } from '../crypto/signed.js';
import { UrchainError } from '../errors.js';

/** The signature type byte of plain Ed25519 note signatures. */
export const ED25519_TYPE = 0x01;
/** Most signature lines a note may carry (the spec asks for at least 16; Go's x/mod allows 100). */
export const MAX_SIGNATURES = 100;
/** Longest note accepted, in bytes: 100 Ed25519 lines of a 256-byte name fit with room. */
export const MAX_NOTE_BYTES = 64 * 1024;

export interface NoteKey {
  name: string;
  /** The 4-byte key ID as an unsigned 32-bit number. */
  keyId: number;
  publicKey: Uint8Array;
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The signature bytes after the key ID. */
  signature: Uint8Array;
}

export interface OpenedNote {
  text: string;
  /** Every signature line, in order. */
  signatures: NoteSignature[];
  /** The known keys whose signatures verified. */
  verifiedBy: NoteKey[];
}

const malformed = (why: string) => UrchainError.BAD_ENCODING(`signed note: ${why}`);
const EM_DASH_SPACE = '\u2014 ';
// Control characters other than "\n" (C0 and DEL are refused; the spec names those below U+0020).
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/;
// A string with a lone surrogate has no UTF-8 encoding (a string argument can carry one).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True iff `name` may be a key name: non-empty, no Unicode space, no "+". */
export function validKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !/[\s+]/u.test(name) && !CONTROL.test(name);
}

/**
 * SHA-256(name || 0x0A || type || publicKey)[:4] as an unsigned 32-bit number. `type` is the
 * signature type: 0x01 for plain Ed25519 note signatures, 0x04 for cosignature/v1
 * (transparency/cosignature), so one key gets a different ID for each use.
 */
export function noteKeyId(name: string, publicKey: Uint8Array, type = ED25519_TYPE): number {
  const h = sha256(concat(utf8(name), Uint8Array.of(0x0a, type), publicKey));
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

export function noteKey(name: string, publicKey: Uint8Array, type = ED25519_TYPE): NoteKey {
  if (!validKeyName(name)) throw UrchainError.BAD_INPUT(`note key name ${JSON.stringify(name)}: expected non-empty, without spaces or "+"`);
  if (!validPublicKey(publicKey)) throw UrchainError.BAD_SIGNATURE('note key: not a valid Ed25519 public key');
  return { name, keyId: noteKeyId(name, publicKey, type), publicKey };
}

export const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** The 4 big-endian bytes of a key ID. */
export const keyIdBytes = (id: number) => Uint8Array.of(id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff);

/** The verifier key string "name+keyid+base64(type || public key)" (type 0x01 unless given). */
export function formatVerifierKey(k: NoteKey, type = ED25519_TYPE): string {
  return `${k.name}+${hex8(k.keyId)}+${toBase64(concat(Uint8Array.of(type), k.publicKey))}`;
}

/**
 * Parses a verifier key string of signature type `type` (0x01 unless given); refuses other
 * types, a wrong key ID or a bad key.
 */
export function parseVerifierKey(s: string, type = ED25519_TYPE): NoteKey {
  const bad = (why: string) => UrchainError.BAD_INPUT(`verifier key ${JSON.stringify(String(s).slice(0, 120))}: ${why}`);
  if (typeof s !== 'string') throw bad('expected a string');
  // The name holds no "+", the ID is hex: the first two "+" split; base64 may hold more.
  const i = s.indexOf('+');
  const j = s.indexOf('+', i + 1);
  if (i < 0 || j < 0) throw bad('expected name+keyid+key');
  const [name, id, key] = [s.slice(0, i), s.slice(i + 1, j), s.slice(j + 1)];
  if (!validKeyName(name)) throw bad('bad key name');
  if (!/^[0-9a-f]{8}$/.test(id)) throw bad('key ID must be 8 lowercase hex digits');
  const raw = canonicalBase64(key);
  if (!raw) throw bad('key is not canonical base64');
  if (raw.length !== 1 + PUBLIC_KEY_LEN || raw[0] !== type) throw bad(`expected an Ed25519 key of type 0x${type.toString(16).padStart(2, '0')} (32 bytes)`);
  const k = noteKey(name, raw.subarray(1), type);
  if (hex8(k.keyId) !== id) throw bad(`key ID ${id} does not match the key (expected ${hex8(k.keyId)})`);
  return k;
}

/** Base64 in its one canonical padded form, or undefined. */
export function canonicalBase64(s: string): Uint8Array | undefined {
  try {
    const b = fromBase64(s);
    return toBase64(b) === s ? b : undefined;
  } catch {
    return undefined;
  }
}

function checkText(text: string): void {
  if (typeof text !== 'string' || text.length === 0 || !text.endsWith('\n')) throw malformed('the text must be non-empty and end in a newline');
  if (CONTROL.test(text)) throw malformed('control character in the text');
  if (LONE_SURROGATE.test(text)) throw malformed('the text is not valid Unicode');
}

/** The signature line of `key` over `text` (no validation of the text: signNote does that). */
function signatureLine(text: string, name: string, key: KeyPair): string {
  const sig = sign(noteMessage(utf8(text)), key.secretKey);
  return `${EM_DASH_SPACE}${name} ${toBase64(concat(keyIdBytes(noteKeyId(name, key.publicKey)), sig))}\n`;
}

/** Signs `text` (ending in "\n") with `key` under key name `name`: the whole note. */
export function signNote(text: string, name: string, key: KeyPair): string {
  checkText(text);
  if (!validKeyName(name)) throw UrchainError.BAD_INPUT(`note key name ${JSON.stringify(name)}: expected non-empty, without spaces or "+"`);
  return `${text}\n${signatureLine(text, name, key)}`;
}

/** Splits a note into text and signature lines, with every check that needs no key. */
export function parseNote(note: string | Uint8Array): { text: string; signatures: NoteSignature[] } {
  let s: string;
  if (typeof note === 'string') s = note;
  else {
    if (note.length > MAX_NOTE_BYTES) throw malformed(`over ${MAX_NOTE_BYTES} bytes`);
    try {
      s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw malformed('not valid UTF-8');
    }
  }
  if (utf8(s).length > MAX_NOTE_BYTES) throw malformed(`over ${MAX_NOTE_BYTES} bytes`);
  if (LONE_SURROGATE.test(s)) throw malformed('not valid Unicode');
  if (CONTROL.test(s)) throw malformed('control character');
  if (!s.endsWith('\n')) throw malformed('does not end in a newline');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const lines = s.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const m = /^\u2014 ([^ ]+) ([^ ]+)$/u.exec(line);
    if (!m || !validKeyName(m[1])) throw malformed(`not a signature line: ${JSON.stringify(line.slice(0, 80))}`);
    const raw = canonicalBase64(m[2]);
    if (!raw || raw.length < 5) throw malformed(`bad signature of ${m[1]}`);
    const keyId = ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0;
    return { name: m[1], keyId, signature: raw.slice(4) };
  });
  if (text.length === 0) throw malformed('empty text');
  return { text, signatures };
}

/**
 * Opens a note against the keys the caller trusts: returns the text only when at least one of
 * them signed it and every signature of theirs verifies (see the module comment).
 */
export function openNote(note: string | Uint8Array, keys: readonly NoteKey[]): OpenedNote {
  const { text, signatures } = parseNote(note);
  const msg = noteMessageOrNull(text);
  const verifiedBy: NoteKey[] = [];
  for (const sig of signatures) {
    const known = keys.filter((k) => k.name === sig.name && k.keyId === sig.keyId);
    if (known.length === 0) continue;
    if (known.length > 1 && known.some((k) => toHex(k.publicKey) !== toHex(known[0].publicKey))) throw UrchainError.BAD_INPUT(`ambiguous key ${sig.name}+${hex8(sig.keyId)}`);
    const k = known[0];
    if (verifiedBy.includes(k)) throw malformed(`two signatures of ${sig.name}+${hex8(sig.keyId)}`);
    if (!msg || sig.signature.length !== SIGNATURE_LEN || !verify(msg, sig.signature, k.publicKey))
      throw UrchainError.BAD_SIGNATURE(`signed note: invalid signature for key ${sig.name}+${hex8(sig.keyId)}`);
    verifiedBy.push(k);
  }
  if (verifiedBy.length === 0) throw UrchainError.BAD_SIGNATURE('signed note: no signature from a known key');
  return { text, signatures, verifiedBy };
}

/** The message of a text, or null for a text urchain would never sign (its signature cannot verify). */
function noteMessageOrNull(text: string) {
  try {
    return noteMessage(utf8(text));
  } catch {
    return null;
  }
}
