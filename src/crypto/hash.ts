/**
 * @module crypto/hash
 * SHA-256, the only hash in urchain (DESIGN decision 1). It runs through the registered backend
 * (crypto/backend): OpenSSL on a server once src/io/fastCrypto.ts is loaded (about twice
 * @noble/hashes on 65-byte Merkle nodes, see `npm run bench`), @noble/hashes everywhere else.
 * Both give the same bytes.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { backend } from './backend.js';

export const HASH_LEN = 32;

export const sha256 = (data: Uint8Array): Uint8Array => backend.sha256(data);

/** SHA-256 of `data` written into `out[at .. at + 32)`. */
export const sha256Into = (data: Uint8Array, out: Uint8Array, at: number): void => {
  const into = backend.sha256Into;
  if (into) into(data, out, at);
  else out.set(backend.sha256(data), at);
};

/** SHA-256 over several parts without concatenating them first. */
export const sha256Parts = (...parts: Uint8Array[]): Uint8Array => backend.sha256Parts(parts);

/** Always @noble/hashes, whatever is registered: for cross-checks against the fast path. */
export const portableSha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);
