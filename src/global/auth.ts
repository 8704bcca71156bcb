/**
 * @module global/auth
 * Signed broker requests. Every request names its key, a time and a fresh nonce, and signs
 *
 *   "urchain/broker-request/v1" || SHA-256(CBOR [method, path, query, time, nonce, SHA-256(body)])
 *
 * (method, path, query: text strings; time: unsigned integer; nonce: 16-byte byte string) in the
 * headers x-urchain-key, x-urchain-time, x-urchain-nonce, x-urchain-signature (hex). path is the
 * request target up to the first "?", query the raw text after it ("" when there is none), both
 * exactly as sent: the signature covers the whole target, so a relay cannot change a parameter.
 * The broker refuses unknown keys, times more than five minutes off, nonces it has seen, and
 * signatures that do not verify, so a captured request cannot be replayed.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../crypto/hash.js';
import { sign, verify, type KeyPair } from '../crypto/ed25519.js';
import { requestBody, requestMessage } from '../crypto/signed.js';
import { toHex, fromHex, utf8 } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';

export const MAX_SKEW_MS = 5 * 60_000;

/** Splits a request target "/p?q" into path and raw query (no decoding: the bytes as sent). */
export function splitTarget(target: string): { path: string; query: string } {
  const i = target.indexOf('?');
  return i < 0 ? { path: target, query: '' } : { path: target.slice(0, i), query: target.slice(i + 1) };
}

/** The CBOR array a request signature covers (its hash is signed). */
export function requestBytes(method: string, target: string, time: number, nonce: Uint8Array, body: Uint8Array): Uint8Array {
  return requestBody({ method, ...splitTarget(target), time, nonce, body });
}

export function requestHash(method: string, target: string, time: number, nonce: Uint8Array, body: Uint8Array): Uint8Array {
  return sha256(requestBytes(method, target, time, nonce, body));
}

/** Headers that sign a request to `target` (path and query, e.g. "/v1/messages?max=10"). */
export function signRequest(key: KeyPair, method: string, target: string, body: Uint8Array, now = Date.now()): Record<string, string> {
  const nonce = new Uint8Array(randomBytes(16));
  return {
    'x-urchain-key': toHex(key.publicKey),
    'x-urchain-time': String(now),
    'x-urchain-nonce': toHex(nonce),
    'x-urchain-signature': toHex(sign(requestMessage({ method, ...splitTarget(target), time: now, nonce, body }), key.secretKey)),
  };
}

export interface VerifiedRequest {
  key: Uint8Array;
  nonce: string;
}

/** Checks the signature over the request target as received (path and query) and freshness; the caller checks registration and nonce reuse. */
export function verifyRequest(headers: Record<string, string | string[] | undefined>, method: string, target: string, body: Uint8Array, now = Date.now()): VerifiedRequest {
  const h = (k: string) => {
    const v = headers[k];
    if (typeof v !== 'string') throw UrchainError.BAD_SIGNATURE(`request is not signed: header ${k} missing`);
    return v;
  };
  let key: Uint8Array, nonce: Uint8Array, sig: Uint8Array;
  try {
    key = fromHex(h('x-urchain-key'), 32, 'x-urchain-key');
    nonce = fromHex(h('x-urchain-nonce'), 16, 'x-urchain-nonce');
    sig = fromHex(h('x-urchain-signature'), 64, 'x-urchain-signature');
  } catch (e) {
    if (e instanceof UrchainError && e.code === 'BAD_SIGNATURE') throw e;
    throw UrchainError.BAD_SIGNATURE((e as Error).message);
  }
  const t = h('x-urchain-time');
  const time = /^[0-9]{1,16}$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(time) || Math.abs(now - time) > MAX_SKEW_MS) throw UrchainError.BAD_SIGNATURE('request time is more than five minutes off; check the clock'); // 401, as urchain-formats(5) says
  if (!verify(requestMessage({ method, ...splitTarget(target), time, nonce, body }), sig, key)) throw UrchainError.BAD_SIGNATURE('request signature does not verify');
  return { key, nonce: toHex(nonce) };
}

export const utf8Body = (s: string) => utf8(s);
