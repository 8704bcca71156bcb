/**
 * @module crypto/backend
 * The one injection point for primitives that have a faster implementation than the portable
 * one. The core (codec, crypto, merkle, chain, proof) runs anywhere, a browser included, so what
 * it ships is pure JavaScript: @noble/hashes and @noble/ed25519, Web Crypto's getRandomValues
 * (DESIGN decision 15). On a server, src/io/fastCrypto.ts registers OpenSSL through node:crypto
 * at startup (the CLI, the bench and the test runner import it), which signs about 8x and
 * verifies about 11x faster and hashes Merkle nodes about twice as fast (DESIGN decision 11).
 * Both give the same bytes; the strict ed25519 rule (crypto/ed25519) runs before either backend
 * verifies, so the answer never depends on which one is registered.
 *
 * Sealing (X25519, AES-256-GCM) has no portable implementation here: it is for servers and
 * needs the registered backend; nothing the verifier runs uses it.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { UrchainError } from '../errors.js';

ed.hashes.sha512 = sha512;

/** X25519 and AES-256-GCM: what crypto/seal needs beyond the portable primitives. */
export interface SealPrimitives {
  /** X25519(secret, public) (RFC 7748). */
  x25519(secret: Uint8Array, pub: Uint8Array): Uint8Array;
  /** The X25519 public key of a secret. */
  x25519PublicOf(secret: Uint8Array): Uint8Array;
  /** AES-256-GCM: ciphertext || 16-byte tag. */
  aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Opens aesGcmEncrypt's output; null when the tag does not verify. */
  aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ctTag: Uint8Array): Uint8Array | null;
}

export interface CryptoBackend {
  /** "portable" or "node:crypto": what the bench and `status` may report. */
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  /**
   * SHA-256 written into `out` at `at` (32 bytes), no array of its own: Merkle trees hash their
   * levels into one buffer (merkle/tree.ts `entriesRoot`). Without it, sha256 and a copy.
   */
  sha256Into?(data: Uint8Array, out: Uint8Array, at: number): void;
  /** SHA-256 over several parts without concatenating them first. */
  sha256Parts(parts: readonly Uint8Array[]): Uint8Array;
  /** HKDF-SHA-256 (RFC 5869). */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, len: number): Uint8Array;
  randomBytes(n: number): Uint8Array;
  /** Ed25519 public key of a 32-byte seed. */
  publicKeyOf(secretKey: Uint8Array): Uint8Array;
  sign(msg: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** RFC 8032 verification; called only after crypto/ed25519's strict encoding checks passed. */
  verify(msg: Uint8Array, sig: Uint8Array, publicKey: Uint8Array): boolean;
  seal?: SealPrimitives;
}

/** Web Crypto's generator (a browser, Node 20's globalThis.crypto), at most 64 KiB per call. */
function portableRandom(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const c = (globalThis as { crypto?: { getRandomValues(b: Uint8Array): Uint8Array } }).crypto;
  if (!c) throw UrchainError.UNAVAILABLE('no secure random generator (globalThis.crypto) in this environment');
  for (let o = 0; o < n; o += 65536) c.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

/** The pure-JavaScript backend: what the core uses until a faster one is registered. */
export const portableBackend: CryptoBackend = {
  name: 'portable',
  sha256: (data) => nobleSha256(data),
  sha256Parts: (parts) => {
    const h = nobleSha256.create();
    for (const p of parts) h.update(p);
    return h.digest();
  },
  hkdf: (ikm, salt, info, len) => nobleHkdf(nobleSha256, ikm, salt, info, len),
  randomBytes: portableRandom,
  publicKeyOf: (secretKey) => ed.getPublicKey(secretKey),
  sign: (msg, secretKey) => ed.sign(msg, secretKey),
  verify: (msg, sig, publicKey) => {
    try {
      return ed.verify(sig, msg, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

/** The backend in force (a live binding: importers see a registration at once). */
export let backend: CryptoBackend = portableBackend;

/** Registers a faster backend (src/io/fastCrypto.ts does, at startup); returns the one it replaces. */
export function useCryptoBackend(b: CryptoBackend): CryptoBackend {
  const old = backend;
  backend = b;
  return old;
}
