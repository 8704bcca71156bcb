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
 * Signing and verifying go through node:crypto (OpenSSL) when it is there (8× faster than the
 * pure-JS library for signing, 11× for verifying on this machine; see `npm run bench`), and
 * through @noble/ed25519 otherwise.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from './hash.js';
import { badInput } from '../errors.js';
import { concat, utf8 } from '../codec/bytes.js';

ed.hashes.sha512 = sha512;

export const PUBLIC_KEY_LEN = 32;
export const SECRET_KEY_LEN = 32;
export const SIGNATURE_LEN = 64;

const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** Domain tags: a signature made for one purpose never verifies for another (DESIGN decision 1). */
export const DOMAIN = {
  batch: 'urchain/batch/v1',
  block: 'urchain/block/v1',
  checkpoint: 'urchain/checkpoint/v1',
  envelope: 'urchain/envelope/v1',
  request: 'urchain/broker-request/v1',
  members: 'urchain/members/v1',
  link: 'urchain/link/v1',
} as const;
export type Domain = keyof typeof DOMAIN;

const domainBytes = new Map<Domain, Uint8Array>(
  (Object.keys(DOMAIN) as Domain[]).map((d) => [d, utf8(DOMAIN[d])]),
);

/** The exact bytes signed: ASCII domain tag || 32-byte hash. */
export function signedMessage(domain: Domain, hash: Uint8Array): Uint8Array {
  if (hash.length !== 32) throw badInput(`signed hash: expected 32 bytes, got ${hash.length}`);
  return concat(domainBytes.get(domain)!, hash);
}

export interface KeyPair {
  secretKey: Uint8Array; // 32-byte seed (RFC 8032 private key)
  publicKey: Uint8Array;
}

export function generateKeyPair(): KeyPair {
  const secretKey = ed.utils.randomSecretKey();
  return { secretKey, publicKey: publicKeyOf(secretKey) };
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== SECRET_KEY_LEN) throw badInput(`secret key: expected 32 bytes, got ${secretKey.length}`);
  if (nodeCrypto) {
    const pub = nodeCrypto.createPublicKey(privateKeyObject(secretKey)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(pub.subarray(SPKI_PREFIX.length));
  }
  return ed.getPublicKey(secretKey);
}

const privCache = new WeakMap<Uint8Array, unknown>();
function privateKeyObject(secretKey: Uint8Array): NodeCryptoKey {
  let k = privCache.get(secretKey) as NodeCryptoKey | undefined;
  if (!k) {
    k = nodeCrypto!.createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, secretKey)), format: 'der', type: 'pkcs8' });
    privCache.set(secretKey, k);
  }
  return k;
}
type NodeCryptoKey = ReturnType<NonNullable<typeof nodeCrypto>['createPrivateKey']>;

const pubCache = new Map<string, NodeCryptoKey>();
function publicKeyObject(publicKey: Uint8Array): NodeCryptoKey {
  const id = Buffer.from(publicKey).toString('hex');
  let k = pubCache.get(id);
  if (!k) {
    k = nodeCrypto!.createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
    if (pubCache.size > 10_000) pubCache.clear();
    pubCache.set(id, k);
  }
  return k;
}

export function sign(domain: Domain, hash: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const msg = signedMessage(domain, hash);
  if (nodeCrypto) return new Uint8Array(nodeCrypto.sign(null, msg, privateKeyObject(secretKey)));
  return ed.sign(msg, secretKey);
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

export function verify(domain: Domain, hash: Uint8Array, sig: Uint8Array, publicKey: Uint8Array): boolean {
  if (!strictEncodings(publicKey, sig)) return false;
  const msg = signedMessage(domain, hash);
  if (nodeCrypto) {
    try {
      return nodeCrypto.verify(null, msg, publicKeyObject(publicKey), sig);
    } catch {
      return false;
    }
  }
  return portableVerify(msg, sig, publicKey);
}

/** The pure-JS path, used by the offline verifier in a browser and by the cross-check tests. */
export function portableVerify(msg: Uint8Array, sig: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed.verify(sig, msg, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export function portableSign(msg: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed.sign(msg, secretKey);
}
