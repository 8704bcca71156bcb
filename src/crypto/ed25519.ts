/**
 * @module crypto/ed25519
 * Ed25519 keys and signatures, and the one verification rule urchain uses everywhere.
 *
 * Rule (chosen once, here): RFC 8032 §5.1.7 cofactorless verification, with strict encodings:
 * S must be below the group order L; A (public key) and R must be canonical point encodings
 * (RFC 8032 §5.1.3: y below p, and not x = 0 with the sign bit set, i.e. not y = ±1 with bit 255
 * set, e.g. `0100…0080`); and A must not be one of the eight small-order points (an identity or
 * torsion key "signs" every message with a fixed signature). OpenSSL enforces S < L and compares
 * R byte-for-byte but accepts small-order and x = 0/sign-bit keys; the explicit checks below
 * make node:crypto and @noble/ed25519 (zip215: false) agree on every input, so a proof that
 * verifies on a server verifies in a browser and vice versa. The same rule decides which
 * strings a trust list may name as keys (`validPublicKey`).
 *
 * Signing and verifying go through the registered backend (crypto/backend): OpenSSL on a server
 * (8x faster than the pure-JS library for signing, 11x for verifying on this machine; see
 * `npm run bench`), @noble/ed25519 anywhere else. What is signed is always a `Signable` built by
 * crypto/signed, the one file that assembles signed bytes.
 */
import * as ed from '@noble/ed25519';
import { backend, portableBackend } from './backend.js';
import { badInput } from '../errors.js';
import type { Signable } from './signed.js';

export const PUBLIC_KEY_LEN = 32;
export const SECRET_KEY_LEN = 32;
export const SIGNATURE_LEN = 64;

export interface KeyPair {
  secretKey: Uint8Array; // 32-byte seed (RFC 8032 private key)
  publicKey: Uint8Array;
}

export function generateKeyPair(): KeyPair {
  const secretKey = backend.randomBytes(SECRET_KEY_LEN);
  return { secretKey, publicKey: publicKeyOf(secretKey) };
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== SECRET_KEY_LEN) throw badInput(`secret key: expected 32 bytes, got ${secretKey.length}`);
  return backend.publicKeyOf(secretKey);
}

/** Signs a message built by crypto/signed. */
export function sign(msg: Signable, secretKey: Uint8Array): Uint8Array {
  return backend.sign(msg, secretKey);
}

// p = 2^255 - 19 and L = 2^252 + 27742317777372353535851937790883648493, little-endian checks.
const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
// Through a hex string: one BigInt parse instead of 32 BigInt shifts (half the time per call).
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function leToBig(b: Uint8Array): bigint {
  let s = '0x0';
  for (let i = b.length - 1; i >= 0; i--) s += HEX[b[i]];
  return BigInt(s);
}
/** The y-coordinate of a point encoding: the low 255 bits (bit 255 is the sign of x). */
const yOf = (b: Uint8Array): bigint => leToBig(b) & ((1n << 255n) - 1n);
// The y-coordinates of the eight points of order dividing 8 (identity, order 2, two of order 4
// at y = 0, four of order 8 at ±Y8): negation keeps the order and y, so y alone decides.
const Y8 = leToBig(Uint8Array.from([0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05]));
const SMALL_ORDER_Y = new Set([0n, 1n, P - 1n, Y8, P - Y8]);

/**
 * RFC 8032 §5.1.3 without curve math: y < p, and x = 0 (y = ±1) never comes with the sign bit.
 * `y` is yOf(b), passed in so each encoding is turned into a number once per check.
 */
function canonicalPoint(b: Uint8Array, y: bigint): boolean {
  if (y >= P) return false;
  return !(b[31] >> 7 === 1 && (y === 1n || y === P - 1n));
}

/** True iff the 32 bytes encode a point of small order (cofactor torsion), canonical or not. */
export function smallOrder(publicKey: Uint8Array): boolean {
  return publicKey.length === PUBLIC_KEY_LEN && SMALL_ORDER_Y.has(yOf(publicKey) % P);
}

/** A: canonical and not of small order (y < p there, so no reduction is needed). */
function strictKey(publicKey: Uint8Array): boolean {
  const y = yOf(publicKey);
  return canonicalPoint(publicKey, y) && !SMALL_ORDER_Y.has(y);
}

/** True iff the encodings are strict (see the module comment). Cheap; runs before any curve math. */
export function strictEncodings(publicKey: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LEN || sig.length !== SIGNATURE_LEN) return false;
  const r = sig.subarray(0, 32);
  if (!strictKey(publicKey) || !canonicalPoint(r, yOf(r))) return false;
  return leToBig(sig.subarray(32)) < L;
}

/**
 * True iff the bytes are a public key this rule can verify signatures of: 32 bytes, a canonical
 * encoding of a point on the curve, not of small order. Decodes the point (pure JS), so it is
 * for keys read from files, not for the hot path.
 */
export function validPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LEN || !strictKey(publicKey)) return false;
  try {
    ed.Point.fromBytes(publicKey, false);
    return true;
  } catch {
    return false;
  }
}

/** True iff `sig` is `publicKey`'s signature of a message built by crypto/signed, under the strict rule. */
export function verify(msg: Signable, sig: Uint8Array, publicKey: Uint8Array): boolean {
  if (!strictEncodings(publicKey, sig)) return false;
  return backend.verify(msg, sig, publicKey);
}

/**
 * The pure-JS path whatever backend is registered (the browser verifier's path), for the
 * cross-check tests and the bench. No strict encoding checks: the tests feed it raw vectors.
 */
export const portableVerify = (msg: Uint8Array, sig: Uint8Array, publicKey: Uint8Array): boolean => portableBackend.verify(msg, sig, publicKey);

export const portableSign = (msg: Uint8Array, secretKey: Uint8Array): Uint8Array => portableBackend.sign(msg, secretKey);
