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
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from './hash.js';
import { concat, utf8 } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';

const P = (1n << 255n) - 19n;
const X25519_PKCS8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
const X25519_SPKI = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);
const INFO = utf8('urchain/seal/v1');

function need() {
  if (!nodeCrypto) throw new UrchainError('UNAVAILABLE', 'sealing needs node:crypto');
  return nodeCrypto;
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
  if (y >= P || y === 1n) throw new UrchainError('BAD_INPUT', 'key cannot be used for encryption');
  const u = ((1n + y) * pow((1n - y + P) % P, P - 2n)) % P;
  return toLe32(u);
}

export function x25519Secret(edSeed: Uint8Array): Uint8Array {
  return sha512(edSeed).slice(0, 32);
}

/** X25519(secret, public) through OpenSSL. */
export function dh(secret: Uint8Array, pub: Uint8Array): Uint8Array {
  const c = need();
  const privateKey = c.createPrivateKey({ key: Buffer.from(concat(X25519_PKCS8, secret)), format: 'der', type: 'pkcs8' });
  const publicKey = c.createPublicKey({ key: Buffer.from(concat(X25519_SPKI, pub)), format: 'der', type: 'spki' });
  return new Uint8Array(c.diffieHellman({ privateKey, publicKey }));
}

export function publicOfSecret(secret: Uint8Array): Uint8Array {
  const c = need();
  const k = c.createPublicKey(c.createPrivateKey({ key: Buffer.from(concat(X25519_PKCS8, secret)), format: 'der', type: 'pkcs8' }));
  return new Uint8Array(k.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length));
}

function aeadKey(shared: Uint8Array, eph: Uint8Array, to: Uint8Array): Buffer {
  return Buffer.from(need().hkdfSync('sha256', shared, concat(eph, to), INFO, 32));
}

export interface Sealed {
  eph: Uint8Array;
  nonce: Uint8Array;
  ct: Uint8Array; // ciphertext || 16-byte tag
}

export function seal(plaintext: Uint8Array, toEdPublic: Uint8Array, aad: Uint8Array): Sealed {
  const c = need();
  const to = x25519Public(toEdPublic);
  const ephSecret = new Uint8Array(c.randomBytes(32));
  const eph = publicOfSecret(ephSecret);
  const key = aeadKey(dh(ephSecret, to), eph, to);
  const nonce = new Uint8Array(c.randomBytes(12));
  return { eph, nonce, ct: aesGcmEncrypt(key, nonce, aad, plaintext) };
}

export function open(s: Sealed, edSeed: Uint8Array, edPublic: Uint8Array, aad: Uint8Array): Uint8Array {
  if (s.ct.length < 16 || s.nonce.length !== 12 || s.eph.length !== 32) throw new UrchainError('BAD_INPUT', 'sealed message is malformed');
  const to = x25519Public(edPublic);
  const key = aeadKey(dh(x25519Secret(edSeed), s.eph), s.eph, to);
  return aesGcmDecrypt(key, s.nonce, aad, s.ct, 'sealed message');
}

/** AES-256-GCM (through OpenSSL): ciphertext || 16-byte tag. */
export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = need().createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  return concat(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
}

/** Opens `aesGcmEncrypt`'s output; BAD_SIGNATURE when the key is wrong or a byte changed. */
export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ctTag: Uint8Array, what = 'ciphertext'): Uint8Array {
  if (ctTag.length < 16) throw new UrchainError('BAD_INPUT', `${what} is too short`);
  const d = need().createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(aad);
  d.setAuthTag(ctTag.subarray(ctTag.length - 16));
  try {
    return concat(d.update(ctTag.subarray(0, ctTag.length - 16)), d.final());
  } catch {
    throw new UrchainError('BAD_SIGNATURE', `${what} does not decrypt: wrong key or tampered`);
  }
}

export const randomBytes = (n: number): Uint8Array => new Uint8Array(need().randomBytes(n));

/** For tests: the X25519 public key node:crypto derives from the mapped secret. */
export const x25519PublicFromSeed = (edSeed: Uint8Array) => publicOfSecret(x25519Secret(edSeed));

/** A fresh X25519 key pair (ephemeral keys for sessions). */
export function x25519KeyPair(): { secret: Uint8Array; public: Uint8Array } {
  const secret = randomBytes(32);
  return { secret, public: publicOfSecret(secret) };
}

export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len: number): Uint8Array {
  return new Uint8Array(need().hkdfSync('sha256', ikm, salt, info, len));
}
