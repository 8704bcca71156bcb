/**
 * @module global/auth
 * Signed broker requests. Every request names its key, a time and a fresh nonce, and signs
 *
 *   "urchain/broker-request/v1" || SHA-256(CBOR [method, path, time, nonce, SHA-256(body)])
 *
 * in the headers x-urchain-key, x-urchain-time, x-urchain-nonce, x-urchain-signature (hex).
 * The broker refuses unknown keys, times more than five minutes off, nonces it has seen, and
 * signatures that do not verify, so a captured request cannot be replayed.
 */
import { randomBytes } from 'node:crypto';
import { encode } from '../codec/cbor.js';
import { sha256 } from '../crypto/hash.js';
import { sign, verify, type KeyPair } from '../crypto/ed25519.js';
import { toHex, fromHex, utf8 } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';

export const MAX_SKEW_MS = 5 * 60_000;

export function requestHash(method: string, path: string, time: number, nonce: Uint8Array, body: Uint8Array): Uint8Array {
  return sha256(encode([method, path, time, nonce, sha256(body)]));
}

export function signRequest(key: KeyPair, method: string, path: string, body: Uint8Array, now = Date.now()): Record<string, string> {
  const nonce = new Uint8Array(randomBytes(16));
  return {
    'x-urchain-key': toHex(key.publicKey),
    'x-urchain-time': String(now),
    'x-urchain-nonce': toHex(nonce),
    'x-urchain-signature': toHex(sign('request', requestHash(method, path, now, nonce, body), key.secretKey)),
  };
}

export interface VerifiedRequest {
  key: Uint8Array;
  nonce: string;
}

/** Checks the signature and freshness; the caller checks registration and nonce reuse. */
export function verifyRequest(headers: Record<string, string | string[] | undefined>, method: string, path: string, body: Uint8Array, now = Date.now()): VerifiedRequest {
  const h = (k: string) => {
    const v = headers[k];
    if (typeof v !== 'string') throw new UrchainError('BAD_SIGNATURE', `request is not signed: header ${k} missing`);
    return v;
  };
  let key: Uint8Array, nonce: Uint8Array, sig: Uint8Array;
  try {
    key = fromHex(h('x-urchain-key'), 32, 'x-urchain-key');
    nonce = fromHex(h('x-urchain-nonce'), 16, 'x-urchain-nonce');
    sig = fromHex(h('x-urchain-signature'), 64, 'x-urchain-signature');
  } catch (e) {
    if (e instanceof UrchainError && e.code === 'BAD_SIGNATURE') throw e;
    throw new UrchainError('BAD_SIGNATURE', (e as Error).message);
  }
  const time = Number(h('x-urchain-time'));
  if (!Number.isSafeInteger(time) || Math.abs(now - time) > MAX_SKEW_MS) throw new UrchainError('BAD_SIGNATURE', 'request time is more than five minutes off; check the clock');
  if (!verify('request', requestHash(method, path, time, nonce, body), sig, key)) throw new UrchainError('BAD_SIGNATURE', 'request signature does not verify');
  return { key, nonce: toHex(nonce) };
}

export const utf8Body = (s: string) => utf8(s);
