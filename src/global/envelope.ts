/**
 * @module global/envelope
 * Sealed envelopes between networks, carried by the broker, which can read neither the content
 * nor forge the sender:
 *
 *   envelope = [version, from, to, sentAt, eph, nonce, ct, signature]
 *   signature = Ed25519(from, "urchain/envelope/v1" || SHA-256(CBOR [version, from, to, sentAt, eph, nonce, ct]))
 *   ct = AES-256-GCM under a key agreed with `to` (crypto/seal.ts), associated data from || to
 *
 * The plaintext is a message: CBOR [1, signed checkpoint, [countersignature proof JSON, ...]],
 * or, when the sender also speaks C2SP (entangle push --data), CBOR [2, signed checkpoint,
 * [countersignature ...], tlog] with
 *
 *   tlog = [checkpoint note (text), old size, [consistency proof hash (32 bytes), ...],
 *           [note the sender cosigned for the receiver's chain (text), ...]]
 *
 * (global/entangleTlog). A message without the C2SP part stays version 1, byte for byte.
 */
import { encode, decode, asArray, asUint, asBytes, asText } from '../codec/cbor.js';
import { sign, verify, type KeyPair } from '../crypto/ed25519.js';
import { envelopeMessage, type EnvelopeFields } from '../crypto/signed.js';
import { seal, open } from '../crypto/seal.js';
import { concat, equal, toHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';

export const MAX_ENVELOPE = 1024 * 1024;

/** An envelope: the signed fields (crypto/signed.ts) and the sending network's signature. */
export interface Envelope extends EnvelopeFields {
  signature: Uint8Array;
}

/** The C2SP part of a message (version 2): see the module comment. */
export interface TlogPart {
  note: string;
  oldSize: number;
  proof: Uint8Array[];
  cosigned: string[];
}

export interface Message {
  checkpoint: Uint8Array;
  countersignatures: string[];
  tlog?: TlogPart;
}

export function sealEnvelope(msg: Message, from: KeyPair, to: Uint8Array, now = Date.now()): Uint8Array {
  const t = msg.tlog;
  const plaintext = t ? encode([2, msg.checkpoint, msg.countersignatures, [t.note, t.oldSize, t.proof, t.cosigned]]) : encode([1, msg.checkpoint, msg.countersignatures]);
  const s = seal(plaintext, to, concat(from.publicKey, to));
  const e = { from: from.publicKey, to, sentAt: now, ...s };
  const signature = sign(envelopeMessage(e), from.secretKey);
  return encode([1, e.from, e.to, e.sentAt, e.eph, e.nonce, e.ct, signature]);
}

/** Parses and checks the sender's signature (what the broker does; no key needed). */
export function parseEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length > MAX_ENVELOPE) throw UrchainError.TOO_LARGE(`envelope of ${bytes.length} bytes exceeds ${MAX_ENVELOPE}`);
  let a;
  try {
    a = asArray(decode(bytes), 8, 'envelope');
  } catch (e) {
    throw UrchainError.BAD_INPUT(`not an envelope: ${(e as Error).message}`);
  }
  if (asUint(a[0], 'version') !== 1) throw UrchainError.BAD_INPUT('envelope: unknown version');
  const e: Envelope = {
    from: asBytes(a[1], 'from', 32),
    to: asBytes(a[2], 'to', 32),
    sentAt: asUint(a[3], 'sentAt'),
    eph: asBytes(a[4], 'eph', 32),
    nonce: asBytes(a[5], 'nonce', 12),
    ct: asBytes(a[6], 'ct'),
    signature: asBytes(a[7], 'signature', 64),
  };
  if (!verify(envelopeMessage(e), e.signature, e.from))
    throw UrchainError.BAD_SIGNATURE(`envelope signature of ${toHex(e.from).slice(0, 16)}… does not verify: tampered or forged`);
  return e;
}

/** Opens an envelope addressed to `me`. */
export function openEnvelope(e: Envelope, me: KeyPair): Message {
  if (!equal(e.to, me.publicKey)) throw UrchainError.BAD_INPUT('envelope is addressed to another network');
  const plain = open({ eph: e.eph, nonce: e.nonce, ct: e.ct }, me.secretKey, me.publicKey, concat(e.from, e.to));
  const m = decode(plain);
  const version = Array.isArray(m) ? m[0] : undefined;
  if (version !== 1 && version !== 2) throw UrchainError.BAD_INPUT('message: unknown version');
  const a = asArray(m, version === 1 ? 3 : 4, 'message');
  const list = a[2];
  if (!Array.isArray(list)) throw UrchainError.BAD_INPUT('message: countersignatures must be a list');
  const msg: Message = { checkpoint: asBytes(a[1], 'checkpoint'), countersignatures: list.map((x) => asText(x, 'countersignature')) };
  if (version === 2) {
    const t = asArray(a[3], 4, 'message tlog');
    if (!Array.isArray(t[2]) || t[2].length > 63 || !Array.isArray(t[3]) || t[3].length > 16) throw UrchainError.BAD_INPUT('message tlog: expected at most 63 proof hashes and 16 cosigned notes');
    msg.tlog = { note: asText(t[0], 'checkpoint note'), oldSize: asUint(t[1], 'old size'), proof: t[2].map((h) => asBytes(h, 'proof hash', 32)), cosigned: t[3].map((x) => asText(x, 'cosigned note')) };
  }
  return msg;
}
