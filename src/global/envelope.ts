/**
 * @module global/envelope
 * Sealed envelopes between networks, carried by the broker, which can read neither the content
 * nor forge the sender:
 *
 *   envelope = [version, from, to, sentAt, eph, nonce, ct, signature]
 *   signature = Ed25519(from, "urchain/envelope/v1" || SHA-256(CBOR [version, from, to, sentAt, eph, nonce, ct]))
 *   ct = AES-256-GCM under a key agreed with `to` (crypto/seal.ts), associated data from || to
 *
 * The plaintext is a message: CBOR [version, signed checkpoint, [countersignature proof JSON, ...]].
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

export interface Message {
  checkpoint: Uint8Array;
  countersignatures: string[];
}

export function sealEnvelope(msg: Message, from: KeyPair, to: Uint8Array, now = Date.now()): Uint8Array {
  const plaintext = encode([1, msg.checkpoint, msg.countersignatures]);
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
  const a = asArray(decode(plain), 3, 'message');
  const list = a[2];
  if (!Array.isArray(list)) throw UrchainError.BAD_INPUT('message: countersignatures must be a list');
  return { checkpoint: asBytes(a[1], 'checkpoint'), countersignatures: list.map((x) => asText(x, 'countersignature')) };
}
