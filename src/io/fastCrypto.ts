/**
 * @module io/fastCrypto
 * OpenSSL through node:crypto as urchain's crypto backend, and Buffer's native hex and base64
 * for codec/bytes, registered when this module is loaded (DESIGN decision 11). The core stays pure @noble so that it runs in a browser
 * (crypto/backend); a server process loads this once at startup: the CLI (commands/cli.ts),
 * the bench and the test runner do. Measured on this machine: ed25519 signing about 8x and
 * verifying about 11x @noble/ed25519, SHA-256 on 65-byte Merkle nodes about twice
 * @noble/hashes. Same bytes either way (test/crypto checks them against each other).
 */
import crypto, { type KeyObject } from 'node:crypto';
import { useCryptoBackend, type CryptoBackend } from '../crypto/backend.js';
import { useNativeBytes } from '../codec/bytes.js';

const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
/** A copy in a plain Uint8Array of its own (not a view into Node's shared Buffer pool). */
const copy = (b: Buffer): Uint8Array => new Uint8Array(b);

/** Private key objects per seed: a node signs with one key all its life. */
const privCache = new WeakMap<Uint8Array, KeyObject>();
function privateKey(seed: Uint8Array): KeyObject {
  let k = privCache.get(seed);
  if (!k) {
    k = crypto.createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
    privCache.set(seed, k);
  }
  return k;
}

/** Public key objects by key (hex): a network verifies the same few keys over and over. */
const pubCache = new Map<string, KeyObject>();
function publicKey(key: Uint8Array): KeyObject {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
  let k = pubCache.get(id);
  if (!k) {
    k = crypto.createPublicKey({ key: Buffer.concat([ED25519_SPKI, key]), format: 'der', type: 'spki' });
    if (pubCache.size > 10_000) pubCache.clear();
    pubCache.set(id, k);
  }
  return k;
}

const x25519Private = (secret: Uint8Array) => crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8, secret]), format: 'der', type: 'pkcs8' });

/**
 * A digest that crypto.hash handed out as a 'binary' (latin1) string, one character per byte
 * (0-255, so exact), copied into a Uint8Array of its own. Measured on Node 20 here: about 0.6 µs
 * per hash against 1.4 µs for crypto.hash's 'buffer' output (which gets a backing store of its
 * own each time) on 33-byte leaves, 1.1 against 2.0 µs on 1 KiB payloads; an ingest hashes four
 * times per record (payload, core, leaf, a tree node).
 */
function fromLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  latin1Into(s, out, 0);
  return out;
}

/** fromLatin1 into `out` at `at`, no array of its own (sha256Into). */
function latin1Into(s: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
}

export const openSslBackend: CryptoBackend = {
  name: 'node:crypto',
  sha256: (data) => fromLatin1(crypto.hash('sha256', data, 'binary')),
  sha256Into: (data, out, at) => latin1Into(crypto.hash('sha256', data, 'binary'), out, at),
  sha256Parts: (parts) => {
    const h = crypto.createHash('sha256');
    for (const p of parts) h.update(p);
    return view(h.digest());
  },
  hkdf: (ikm, salt, info, len) => new Uint8Array(crypto.hkdfSync('sha256', ikm, salt, info, len)),
  randomBytes: (n) => copy(crypto.randomBytes(n)),
  publicKeyOf: (seed) => copy(crypto.createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI.length)),
  sign: (msg, seed) => copy(crypto.sign(null, msg, privateKey(seed))),
  verify: (msg, sig, key) => {
    try {
      return crypto.verify(null, msg, publicKey(key), sig);
    } catch {
      return false;
    }
  },
  seal: {
    x25519: (secret, pub) =>
      copy(crypto.diffieHellman({ privateKey: x25519Private(secret), publicKey: crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI, pub]), format: 'der', type: 'spki' }) })),
    x25519PublicOf: (secret) => copy(crypto.createPublicKey(x25519Private(secret)).export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length)),
    aesGcmEncrypt: (key, nonce, aad, plaintext) => {
      const c = crypto.createCipheriv('aes-256-gcm', key, nonce);
      c.setAAD(aad);
      return copy(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
    },
    aesGcmDecrypt: (key, nonce, aad, ctTag) => {
      const d = crypto.createDecipheriv('aes-256-gcm', key, nonce);
      d.setAAD(aad);
      d.setAuthTag(ctTag.subarray(ctTag.length - 16));
      try {
        return copy(Buffer.concat([d.update(ctTag.subarray(0, ctTag.length - 16)), d.final()]));
      } catch {
        return null;
      }
    },
  },
};

// crypto.hash (one-shot, no Hash object) arrived in Node 20.12; before that, createHash.
if (typeof (crypto as { hash?: unknown }).hash !== 'function') {
  (openSslBackend as { sha256: CryptoBackend['sha256'] }).sha256 = (data) => view(crypto.createHash('sha256').update(data).digest());
}

useCryptoBackend(openSslBackend);

// Hex and base64 through Buffer (native); codec/bytes checks the input before it gets here.
const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
useNativeBytes({
  // A short array is copied rather than viewed: V8 keeps arrays of up to 64 bytes (the digests
  // above, a slice of a hash) inside its heap, and asking one for its `.buffer` moves it out
  // first, measured 0.8 µs against 0.4 µs for the copy on a 32-byte hash.
  toHex: (b) => (b.byteLength <= 64 ? Buffer.from(b) : buf(b)).toString('hex'),
  fromHex: (s) => copy(Buffer.from(s, 'hex')),
  toBase64: (b) => buf(b).toString('base64'),
  fromBase64: (s) => copy(Buffer.from(s, 'base64')),
});
