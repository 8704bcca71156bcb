/**
 * @module merkle/chunks
 * A block's RFC 9162 tree cut into aligned chunks of CHUNK = 256 leaves, so an inclusion proof
 * out of a block of n leaves needs only its own chunk's entries and log(n/256) stored nodes above
 * them: O(256 + log n) hashes instead of O(n).
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
 *
 * The `levels` row a store keeps per block is every level of the tree over the chunk roots,
 * bottom-up, concatenated: the m chunk roots first, then ⌈m/2⌉ nodes, …, the root last (the shape
 * MerkleLevels builds: pairs, an odd last node carried up). A path among the chunk roots is then
 * read from it, one node per level, with no hashing; 2m·32 bytes, ¼ byte per leaf.
 */
import { entriesRoot, MerkleLevels } from './tree.js';
import { concatAll } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';

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
    out[j] = entriesRoot(entries, from, to); // a chunk's root is not a block's: it stays out of tree.ts's root memo
  }
  return out;
}

/** The levels row of a tree over leafHash(entry) of `entries` (see above). */
export function encodeLevels(entries: readonly Uint8Array[]): Uint8Array {
  return levelsRow(new MerkleLevels(chunkRoots(entries)));
}

/** The levels row of the levels over a block's chunk roots (its bytes: every level, bottom-up). */
export const levelsRow = (overChunkRoots: MerkleLevels): Uint8Array => concatAll(overChunkRoots.levels.flat());

/** Sizes of the levels over m chunk roots, bottom-up: m, ⌈m/2⌉, …, 1. */
function levelSizes(m: number): number[] {
  const out = [m];
  while (out[out.length - 1] > 1) out.push(Math.ceil(out[out.length - 1] / 2));
  return out;
}

/** Is `row` as long as the levels row of a tree of `size` leaves? (Anything else is not one.) */
export function levelsFit(row: Uint8Array, size: number): boolean {
  return size > 0 && row.length === 32 * levelSizes(chunkCount(size)).reduce((a, b) => a + b, 0);
}

/** The path of chunk `j` among the chunk roots, read from a levels row of a tree of `size` leaves. */
export function chunkPathIn(row: Uint8Array, size: number, j: number): Uint8Array[] {
  chunkRange(size, j);
  if (!levelsFit(row, size)) throw UrchainError.BAD_PROOF(`merkle: a levels row of ${row.length} bytes for a tree of size ${size}`);
  const path: Uint8Array[] = [];
  let at = 0; // first node of the level, in nodes
  let i = j;
  for (const n of levelSizes(chunkCount(size))) {
    const sib = i % 2 === 1 ? i - 1 : i + 1;
    if (n > 1 && sib < n) path.push(row.slice((at + sib) * 32, (at + sib + 1) * 32));
    at += n;
    i = Math.floor(i / 2);
  }
  return path;
}

/**
 * Inclusion proof (RFC 9162 PATH, bottom-up) for leaf `index` of a tree of `size` leaves: its path
 * in its chunk, from `chunk` (the levels over that chunk's leaf hashes), then the chunk's path read
 * from the levels row. Nothing here checks the row's hashes: a caller checks the result against
 * the root it trusts (rootFromInclusion), which covers the chunk, the row and the index at once.
 */
export function chunkedProof(row: Uint8Array, size: number, index: number, chunk: MerkleLevels): Uint8Array[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw UrchainError.BAD_PROOF(`merkle: index ${index} outside a tree of size ${size}`);
  const j = Math.floor(index / CHUNK);
  const [from, to] = chunkRange(size, j);
  if (chunk.size !== to - from) throw UrchainError.BAD_PROOF(`merkle: chunk ${j} of ${chunk.size} leaves (expected ${to - from})`);
  return [...chunk.proof(index - from), ...chunkPathIn(row, size, j)];
}
