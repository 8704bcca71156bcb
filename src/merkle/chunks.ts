/**
 * @module merkle/chunks
 * A block's RFC 9162 tree cut into aligned chunks of CHUNK = 256 leaves, so an inclusion proof
 * out of a block of n leaves needs only its own chunk's entries and the n/256 chunk roots:
 * O(256 + log n) hashes instead of O(n).
 *
 * Why the cut is exact: RFC 9162 §2.1.1 splits a range of more than one leaf at the largest
 * power of two below its size. A range that starts on a multiple of 256 and holds more than 256
 * leaves splits at a power of two of at least 256, so both halves start on a multiple of 256
 * again; one that holds at most 256 leaves is one aligned chunk. Every aligned chunk (the last
 * one may be partial) is therefore a subtree, and the tree above them splits at the largest power
 * of two below the number of chunks: it is the RFC 9162 tree over the chunk roots taken as nodes
 * (not hashed again as leaves). Hence MTH(all leaves) = MTH over the chunk roots, and the audit
 * path of leaf i is its path inside chunk ⌊i/256⌋ followed by that chunk root's path among the
 * chunk roots — the same bytes tree.ts's inclusionProof gives (test/merkle/chunks.test.ts).
 */
import { leafHash, rootOf, MerkleLevels } from './tree.js';
import { UrchainError } from '../errors.js';
import { equal } from '../codec/bytes.js';

/** Leaves per chunk: a power of two (see above), small enough to rebuild one chunk per proof. */
export const CHUNK = 256;

/** How many chunks a tree of `size` leaves has (the last may be partial). */
export const chunkCount = (size: number): number => Math.ceil(size / CHUNK);

/** Leaf indexes [from, to) of chunk `j` in a tree of `size` leaves. */
export function chunkRange(size: number, j: number): [number, number] {
  if (!Number.isSafeInteger(j) || j < 0 || j >= chunkCount(size)) throw UrchainError.BAD_PROOF(`merkle: chunk ${j} outside a tree of size ${size}`);
  return [j * CHUNK, Math.min(size, (j + 1) * CHUNK)];
}

/** The chunk roots of the tree over leafHash(entry) of `entries`, in order. */
export function chunkRoots(entries: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = new Array(chunkCount(entries.length));
  for (let j = 0; j < out.length; j++) {
    const [from, to] = chunkRange(entries.length, j);
    const leaves: Uint8Array[] = new Array(to - from);
    for (let i = from; i < to; i++) leaves[i - from] = leafHash(entries[i]);
    out[j] = rootOf(leaves);
  }
  return out;
}

/**
 * The tree of `size` leaves seen from above its chunks: the levels over the chunk roots (a few
 * thousand hashes for a million leaves, kept while a block is in use). A chunk's own levels are
 * built by the caller from its entries and handed to `proof`, which checks they fit.
 */
export class ChunkedTree {
  private readonly top: MerkleLevels;

  constructor(
    readonly size: number,
    roots: readonly Uint8Array[],
  ) {
    if (roots.length !== chunkCount(size)) throw UrchainError.BAD_PROOF(`merkle: ${roots.length} chunk roots for a tree of size ${size} (expected ${chunkCount(size)})`);
    this.top = new MerkleLevels(roots);
  }

  /** The tree's root (MTH over all leaves). */
  root(): Uint8Array {
    return this.top.root();
  }

  /** The chunk that holds leaf `index`. */
  chunkOf(index: number): number {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) throw UrchainError.BAD_PROOF(`merkle: index ${index} outside a tree of size ${this.size}`);
    return Math.floor(index / CHUNK);
  }

  /** Does `chunk` (levels over the leaf hashes of chunk `j`) have the root this tree holds for it? */
  holds(j: number, chunk: MerkleLevels): boolean {
    const [from, to] = chunkRange(this.size, j);
    return chunk.size === to - from && equal(chunk.root(), this.top.levels[0][j]);
  }

  /**
   * Inclusion proof (RFC 9162 PATH, bottom-up) for leaf `index`, given the levels of its chunk.
   * Throws BAD_PROOF when the chunk is not the one this tree holds (a wrong or corrupt entry list).
   */
  proof(index: number, chunk: MerkleLevels): Uint8Array[] {
    const j = this.chunkOf(index);
    if (!this.holds(j, chunk)) throw UrchainError.BAD_PROOF(`merkle: chunk ${j} does not match its root`);
    return [...chunk.proof(index - j * CHUNK), ...this.top.proof(j)];
  }
}
