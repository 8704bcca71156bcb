/**
 * @module crypto/hash
 * SHA-256, the only hash in urchain (DESIGN decision 1). On Node it is OpenSSL through
 * node:crypto (about twice @noble/hashes on 65-byte Merkle nodes, see `npm run bench`);
 * elsewhere (a browser running the offline verifier) it falls back to @noble/hashes. Both give
 * the same bytes; the choice is made once, here.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import type * as NodeCrypto from 'node:crypto';

type GetBuiltin = (id: string) => unknown;
const getBuiltin = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process?.getBuiltinModule;
const nodeCrypto = getBuiltin ? (getBuiltin('node:crypto') as typeof NodeCrypto) : undefined;

export const HASH_LEN = 32;

export const sha256: (data: Uint8Array) => Uint8Array = nodeCrypto?.hash
  ? (data) => {
      const b = nodeCrypto.hash('sha256', data, 'buffer') as unknown as Buffer;
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
  : (data) => nobleSha256(data);

/** SHA-256 over several parts without concatenating them first. */
export const sha256Parts: (...parts: Uint8Array[]) => Uint8Array = nodeCrypto
  ? (...parts) => {
      const h = nodeCrypto.createHash('sha256');
      for (const p of parts) h.update(p);
      const b = h.digest();
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
  : (...parts) => {
      const h = nobleSha256.create();
      for (const p of parts) h.update(p);
      return h.digest();
    };

export const portableSha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);
export const hasNodeCrypto = nodeCrypto !== undefined;
export { nodeCrypto };
