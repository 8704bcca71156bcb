/**
 * @module merkle/tree
 * The RFC 9162 §2.1 Merkle tree: leaf hash SHA-256(0x00 || entry), node hash
 * SHA-256(0x01 || left || right), the empty tree hashes to SHA-256(""). The tree over n leaves
 * splits at the largest power of two below n, which is the same tree as pairing nodes level by
 * level and carrying an odd last node up unchanged — the form computed here, in O(n) hashes.
 *
 * Vocabulary follows Certificate Transparency: entry, leaf hash, index, size, root, inclusion
 * proof (audit path, bottom-up), consistency proof. Sizes and indexes are plain numbers
 * (safe up to 2^53); arithmetic avoids 32-bit bit operators for that reason.
 */
import { sha256, sha256Into } from '../crypto/hash.js';
import { UrchainError } from '../errors.js';
import { idsAt, copyIds } from '../codec/bytes.js';

export const EMPTY_ROOT = sha256(new Uint8Array(0));

const leafBuf = new Uint8Array(33);
const nodeBuf = new Uint8Array(65);
nodeBuf[0] = 1;

/**
 * SHA-256(0x00 || entry). Not remembered: the node used to keep the leaf hashes of the ids it
 * signed for the block that takes them, but at OpenSSL's speed (io/fastCrypto: about 0.4 µs for
 * a leaf) hashing again costs what looking one up in a cache did, and filling the cache cost
 * the intake more than that.
 */
export function leafHash(entry: Uint8Array): Uint8Array {
  if (entry.length !== 32) return sha256(leafInput(entry));
  leafBuf.set(entry, 1);
  return sha256(leafBuf);
}

/*
 * The node asks for the root of the same block twice: when it makes the header and when it
 * checks the block it adds. A memo of block roots makes the second time a comparison of leaves
 * instead of a tree of hashes. It compares contents, never object identity, and hands out
 * copies: an answer from it is always the answer of hashing.
 */

/** Roots of the last few trees of at least ROOT_MEMO_MIN leaves (blocks): their leaves' bytes, their root. */
const rootMemo: { leaves: Uint8Array; root: Uint8Array }[] = [];
const ROOT_MEMO_MIN = 64;
const ROOT_MEMO_BYTES = 16 << 20;

function memoRoot(leaves: readonly Uint8Array[]): Uint8Array | undefined {
  const n = leaves.length;
  for (const m of rootMemo) {
    if (m.leaves.length !== n * 32) continue;
    if (idsAt(m.leaves, 0, leaves)) return m.root;
  }
  return undefined;
}

function keepRoot(leaves: readonly Uint8Array[], root: Uint8Array): void {
  if (leaves.length * 32 > ROOT_MEMO_BYTES) return;
  const flat = new Uint8Array(leaves.length * 32);
  if (!copyIds(flat, 0, leaves)) return;
  rootMemo.unshift({ leaves: flat, root });
  let bytes = 0;
  for (let i = 0; i < rootMemo.length; i++) {
    bytes += rootMemo[i].leaves.length;
    if (i >= 8 || bytes > ROOT_MEMO_BYTES) {
      rootMemo.length = Math.max(1, i);
      break;
    }
  }
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeBuf.set(left, 1);
  nodeBuf.set(right, 33);
  return sha256(nodeBuf);
}

/**
 * Root over leaf hashes (not entries). The roots of large trees are remembered for a while:
 * a block's root is asked for when its header is made and again when the block is checked.
 */
export function rootOf(leaves: readonly Uint8Array[]): Uint8Array {
  const big = leaves.length >= ROOT_MEMO_MIN;
  if (big) {
    const known = memoRoot(leaves);
    if (known) return known.slice();
  }
  const root = rootOnce(leaves);
  if (big) keepRoot(leaves, root.slice());
  return root;
}

/**
 * rootOnce(entries[from..to).map(leafHash)), the same bytes, hashed into one buffer: the leaf
 * hashes first, then each level over the one below, in place (node j of a level overwrites
 * pair j of the level below, read before). No array per hash: a batch's and a block's trees were
 * two of every record's four short-lived hash arrays (about 1 KB of garbage per record).
 */
export function entriesRoot(entries: readonly Uint8Array[], from = 0, to = entries.length): Uint8Array {
  const n = to - from;
  if (n <= 0) return EMPTY_ROOT;
  const lv = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    const e = entries[from + i];
    if (e.length === 32) leafBuf.set(e, 1);
    sha256Into(e.length === 32 ? leafBuf : leafInput(e), lv, i * 32);
  }
  return rootInPlace(lv, n);
}

/**
 * The root over the `n` 32-byte nodes at the start of `lv`, each level hashed over the one below
 * in place (node j of a level overwrites pair j of the level below, read before; an odd last
 * node is carried up): RFC 9162's tree, built bottom-up. `lv` is overwritten.
 */
function rootInPlace(lv: Uint8Array, n: number): Uint8Array {
  for (let len = n; len > 1; len = Math.ceil(len / 2))
    for (let j = 0; 2 * j < len; j++) {
      if (2 * j + 1 === len) lv.copyWithin(32 * j, 64 * j, 64 * j + 32);
      else {
        for (let k = 0; k < 64; k++) nodeBuf[1 + k] = lv[64 * j + k];
        sha256Into(nodeBuf, lv, 32 * j);
      }
    }
  return lv.slice(0, 32);
}

/** 0x00 || entry, for an entry that is not 32 bytes long. */
function leafInput(entry: Uint8Array): Uint8Array {
  const b = new Uint8Array(entry.length + 1);
  b.set(entry, 1);
  return b;
}

/** Root over leaf hashes (32 bytes each), not remembered: a subtree's (consistency proofs), or a tree too small for the memo. */
export function rootOnce(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  const lv = new Uint8Array(leaves.length * 32);
  if (!copyIds(lv, 0, leaves)) throw UrchainError.BAD_PROOF('merkle: a leaf hash that is not 32 bytes');
  return rootInPlace(lv, leaves.length);
}

/** Inclusion proof (RFC 9162 §2.1.3.1 PATH), bottom-up, for leaf `index` of `leaves`. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  checkIndex(index, leaves.length);
  return new MerkleLevels(leaves).proof(index);
}

function checkIndex(index: number, size: number) {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw UrchainError.BAD_PROOF(`merkle: index ${index} outside a tree of size ${size}`);
}

const odd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/**
 * Recomputes the root from a leaf hash and its inclusion proof (RFC 9162 §2.1.3.2).
 * Throws BAD_PROOF when the path has the wrong length for (index, size).
 */
export function rootFromInclusion(index: number, size: number, leaf: Uint8Array, path: readonly Uint8Array[]): Uint8Array {
  checkIndex(index, size);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (p.length !== 32) throw UrchainError.BAD_PROOF(`merkle: path element of ${p.length} bytes`);
    if (sn === 0) throw UrchainError.BAD_PROOF('merkle: inclusion path too long');
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else r = nodeHash(r, p);
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw UrchainError.BAD_PROOF('merkle: inclusion path too short');
  return r;
}

export function verifyInclusion(index: number, size: number, leaf: Uint8Array, path: readonly Uint8Array[], root: Uint8Array): boolean {
  try {
    return eq(rootFromInclusion(index, size, leaf, path), root);
  } catch {
    return false;
  }
}

/** Root of the subtree over leaves[lo, hi). */
function rangeRoot(leaves: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  return rootOnce(leaves.slice(lo, hi));
}

function largestPow2Below(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Consistency proof between the first `size1` leaves and all of `leaves` (RFC 9162 §2.1.4.1). */
export function consistencyProof(leaves: readonly Uint8Array[], size1: number): Uint8Array[] {
  const n = leaves.length;
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > n)
    throw UrchainError.BAD_PROOF(`merkle: size ${size1} outside a tree of size ${n}`);
  if (size1 === 0 || size1 === n) return [];
  const out: Uint8Array[] = [];
  const sub = (m: number, lo: number, hi: number, complete: boolean): void => {
    const len = hi - lo;
    if (m === len) {
      if (!complete) out.push(rangeRoot(leaves, lo, hi));
      return;
    }
    const k = largestPow2Below(len);
    if (m <= k) {
      sub(m, lo, lo + k, complete);
      out.push(rangeRoot(leaves, lo + k, hi));
    } else {
      sub(m - k, lo + k, hi, false);
      out.push(rangeRoot(leaves, lo, lo + k));
    }
  };
  sub(size1, 0, n, true);
  return out;
}

/** Verifies a consistency proof (RFC 9162 §2.1.4.2). */
export function verifyConsistency(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, path: readonly Uint8Array[]): boolean {
  if (size1 < 0 || size2 < size1) return false;
  if (size1 === size2) return path.length === 0 && eq(root1, root2);
  if (size1 === 0) return path.length === 0;
  if (path.length === 0) return false;
  for (const p of path) if (p.length !== 32) return false;
  let c = path.slice();
  if (Number.isInteger(Math.log2(size1))) c = [root1, ...c];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = c[0];
  let sr = c[0];
  for (const p of c.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(p, fr);
      sr = nodeHash(p, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else sr = nodeHash(sr, p);
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && eq(fr, root1) && eq(sr, root2);
}

/**
 * A frontier (compact range) is the list of perfect-subtree roots that make up a tree of `size`
 * leaves, largest first: one per set bit of `size`. Appending costs O(log n) and needs no
 * earlier leaves, which is how each header commits to all earlier block hashes.
 */
export function frontierAppend(frontier: readonly Uint8Array[], size: number, leaf: Uint8Array): Uint8Array[] {
  const f = [...frontier, leaf];
  for (let s = size; odd(s); s = half(s)) {
    const r = f.pop()!;
    const l = f.pop()!;
    f.push(nodeHash(l, r));
  }
  return f;
}

export function frontierRoot(frontier: readonly Uint8Array[]): Uint8Array {
  if (frontier.length === 0) return EMPTY_ROOT;
  let acc = frontier[frontier.length - 1];
  for (let i = frontier.length - 2; i >= 0; i--) acc = nodeHash(frontier[i], acc);
  return acc;
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * All levels of one tree, built once, so many inclusion proofs for the same tree cost O(log n)
 * each instead of O(n). Used for proofs out of large blocks and batches.
 */
export class MerkleLevels {
  readonly levels: Uint8Array[][];
  constructor(leaves: readonly Uint8Array[]) {
    if (leaves.length === 0) {
      this.levels = [[]];
      return;
    }
    const levels: Uint8Array[][] = [leaves.slice()];
    while (levels[levels.length - 1].length > 1) {
      const level = levels[levels.length - 1];
      const next: Uint8Array[] = new Array(Math.ceil(level.length / 2));
      for (let i = 0, j = 0; i < level.length; i += 2, j++)
        next[j] = i + 1 < level.length ? nodeHash(level[i], level[i + 1]) : level[i];
      levels.push(next);
    }
    this.levels = levels;
  }
  get size(): number {
    return this.levels[0].length;
  }
  root(): Uint8Array {
    return this.size === 0 ? EMPTY_ROOT : this.levels[this.levels.length - 1][0];
  }
  proof(index: number): Uint8Array[] {
    checkIndex(index, this.size);
    const path: Uint8Array[] = [];
    let i = index;
    for (let l = 0; l < this.levels.length - 1; l++) {
      const sib = i % 2 === 1 ? i - 1 : i + 1;
      if (sib < this.levels[l].length) path.push(this.levels[l][sib]);
      i = Math.floor(i / 2);
    }
    return path;
  }
}
