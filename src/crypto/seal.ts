/**
 * @module crypto/seal
 * Encryption to a network's ed25519 key, so a partner needs to publish only one key.
 *
 * The ed25519 key is mapped to X25519 (RFC 7748) the standard way: the X25519 secret is the first
 * 32 bytes of SHA-512(seed) (the same scalar ed25519 uses; X25519 clamps it), and the public key is
 * the Montgomery u = (1 + y) / (1 - y) mod p of the ed25519 point's y. A sender makes an
 * ephemeral X25519 key, computes the shared secret with the receiver's mapped key, derives an
 * AES-256-GCM key with HKDF-SHA-256 (salt = ephemeral public || receiver u, info =
 * "urchain/seal/v1") and encrypts with a random 12-byte nonce and the caller's associated data.
 *
 * X25519 and AES-256-GCM come from the registered backend (crypto/backend: OpenSSL, registered
 * by src/io/fastCrypto.ts); the key mapping, HKDF and the format are here.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { backend, type SealPrimitives } from './backend.js';
import { KDF_INFO } from './signed.js';
import { concat, utf8 } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';

const P = (1n << 255n) - 19n;
const INFO = utf8(KDF_INFO.seal);

function need(): SealPrimitives {
  if (!backend.seal) throw UrchainError.UNAVAILABLE('sealing needs node:crypto (load src/io/fastCrypto.js at startup)');
  return backend.seal;
}

const le = (b: Uint8Array) => {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
};
const toLe32 = (n: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
};
function pow(b: bigint, e: bigint): bigint {
  let r = 1n;
  b %= P;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}

export function x25519Public(edPublic: Uint8Array): Uint8Array {
  const y = le(edPublic) & ((1n << 255n) - 1n);
  if (y >= P || y === 1n) throw UrchainError.BAD_INPUT('key cannot be used for encryption');
  const u = ((1n + y) * pow((1n - y + P) % P, P - 2n)) % P;
  return toLe32(u);
}

export function x25519Secret(edSeed: Uint8Array): Uint8Array {
  return sha512(edSeed).slice(0, 32);
}

/** X25519(secret, public). */
export const dh = (secret: Uint8Array, pub: Uint8Array): Uint8Array => need().x25519(secret, pub);

export const publicOfSecret = (secret: Uint8Array): Uint8Array => need().x25519PublicOf(secret);

function aeadKey(shared: Uint8Array, eph: Uint8Array, to: Uint8Array): Uint8Array {
  return hkdf(shared, concat(eph, to), INFO, 32);
}

export interface Sealed {
  eph: Uint8Array;
  nonce: Uint8Array;
  ct: Uint8Array; // ciphertext || 16-byte tag
}

export function seal(plaintext: Uint8Array, toEdPublic: Uint8Array, aad: Uint8Array): Sealed {
  const to = x25519Public(toEdPublic);
  const ephSecret = randomBytes(32);
  const eph = publicOfSecret(ephSecret);
  const key = aeadKey(dh(ephSecret, to), eph, to);
  const nonce = randomBytes(12);
  return { eph, nonce, ct: aesGcmEncrypt(key, nonce, aad, plaintext) };
}

export function open(s: Sealed, edSeed: Uint8Array, edPublic: Uint8Array, aad: Uint8Array): Uint8Array {
  if (s.ct.length < 16 || s.nonce.length !== 12 || s.eph.length !== 32) throw UrchainError.BAD_INPUT('sealed message is malformed');
  const to = x25519Public(edPublic);
  const key = aeadKey(dh(x25519Secret(edSeed), s.eph), s.eph, to);
  return aesGcmDecrypt(key, s.nonce, aad, s.ct, 'sealed message');
}

/** AES-256-GCM: ciphertext || 16-byte tag. */
export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return need().aesGcmEncrypt(key, nonce, aad, plaintext);
}

/** Opens `aesGcmEncrypt`'s output; BAD_SIGNATURE when the key is wrong or a byte changed. */
export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ctTag: Uint8Array, what = 'ciphertext'): Uint8Array {
  if (ctTag.length < 16) throw UrchainError.BAD_INPUT(`${what} is too short`);
  const plain = need().aesGcmDecrypt(key, nonce, aad, ctTag);
  if (!plain) throw UrchainError.BAD_SIGNATURE(`${what} does not decrypt: wrong key or tampered`);
  return plain;
}

export const randomBytes = (n: number): Uint8Array => backend.randomBytes(n);

/** For tests: the X25519 public key node:crypto derives from the mapped secret. */
export const x25519PublicFromSeed = (edSeed: Uint8Array) => publicOfSecret(x25519Secret(edSeed));

/** A fresh X25519 key pair (ephemeral keys for sessions). */
export function x25519KeyPair(): { secret: Uint8Array; public: Uint8Array } {
  const secret = randomBytes(32);
  return { secret, public: publicOfSecret(secret) };
}

/** HKDF-SHA-256 (RFC 5869). */
export const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len: number): Uint8Array => backend.hkdf(ikm, salt, info, len);
