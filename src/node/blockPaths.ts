/**
 * @module node/blockPaths
 * Inclusion paths of transactions in their block, for proofs. A block stored with its chunk roots
 * (the store's `levels` bucket, merkle/chunks.ts) answers from one 256-txId slice of its body and
 * the tree over its chunk roots: O(256 + log n) hashes on a cold cache, whatever the block's size.
 * A block without them (at most 256 txIds, a store from before the bucket, a backend without it)
 * is rebuilt from its whole body, as before: O(n) once, then O(log n) while it stays cached.
 *
 * A proof is never built on data that does not add up: the chunk roots must lead to the header's
 * merkle root and the slice to its chunk root, else the whole body is used instead; and the whole
 * body must lead to the header's root and hold the transaction at its index, else the store is
 * damaged and the proof is refused (STORE) rather than handed out invalid.
 */
import type { Store } from '../store/types.js';
import type { Header } from '../chain/header.js';
import { MerkleLevels, leafHash } from '../merkle/tree.js';
import { CHUNK, ChunkedTree, chunkRange } from '../merkle/chunks.js';
import { equal, toHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';

/** A small least-recently-used map; `make` runs on a miss and may throw (nothing is kept then). */
export class Lru<V> {
  private m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string, make: () => V): V {
    let v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
      return v;
    }
    v = make();
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
    return v;
  }
}

export class BlockPaths {
  /** Whole blocks rebuilt from their bodies (up to n leaves each: few). */
  private whole = new Lru<MerkleLevels>(8);
  /** Trees over chunk roots (n/256 leaves each); null: the block has none, or none that add up. */
  private tops = new Lru<ChunkedTree | null>(64);
  /** Levels of single chunks (≤ 256 leaves each), so proofs out of a warm chunk cost O(log n). */
  private chunks = new Lru<MerkleLevels>(256);
  /** How many paths came from chunks and from whole bodies (tests and the bench read these). */
  readonly counts = { chunked: 0, whole: 0 };

  constructor(private readonly store: Store) {}

  /** The bottom-up path of `txId`, leaf `index` of block `hash` (whose header is `header`). */
  path(hash: Uint8Array, header: Header, index: number, txId: Uint8Array): Uint8Array[] {
    const key = toHex(hash);
    const leaf = leafHash(txId);
    const top = header.txCount > CHUNK ? this.tops.get(key, () => this.topOf(hash, header)) : null;
    if (top && index < top.size) {
      const j = top.chunkOf(index);
      const chunk = this.chunks.get(`${key}:${j}`, () => new MerkleLevels(this.slice(hash, ...chunkRange(top.size, j)).map(leafHash)));
      if (top.holds(j, chunk) && equal(chunk.levels[0][index - j * CHUNK], leaf)) {
        this.counts.chunked++;
        return top.proof(index, chunk);
      }
    }
    const tree = this.whole.get(key, () => this.wholeOf(hash, header));
    if (index >= tree.size || !equal(tree.levels[0][index], leaf))
      throw UrchainError.STORE(`block ${key} does not hold transaction ${toHex(txId)} at index ${index}: the store is damaged; run \`urchain audit\``);
    this.counts.whole++;
    return tree.proof(index);
  }

  /** The tree over the block's stored chunk roots, or null when it has none that add up. */
  private topOf(hash: Uint8Array, header: Header): ChunkedTree | null {
    try {
      const roots = this.store.blockChunks?.(hash);
      const top = roots && new ChunkedTree(header.txCount, roots);
      return top && equal(top.root(), header.merkleRoot) ? top : null;
    } catch {
      return null; // a row that does not decode, or of the wrong length: as if absent
    }
  }

  private slice(hash: Uint8Array, from: number, to: number): Uint8Array[] {
    const ids = this.store.getBodySlice ? this.store.getBodySlice(hash, from, to) : this.store.getBody(hash)?.slice(from, to);
    if (!ids) throw UrchainError.STORE(`body of block ${toHex(hash)} missing from the store`);
    return ids;
  }

  private wholeOf(hash: Uint8Array, header: Header): MerkleLevels {
    const ids = this.store.getBody(hash);
    if (!ids) throw UrchainError.STORE(`body of block ${toHex(hash)} missing from the store`);
    const tree = new MerkleLevels(ids.map(leafHash));
    if (tree.size !== header.txCount || !equal(tree.root(), header.merkleRoot))
      throw UrchainError.STORE(`body of block ${toHex(hash)} does not match its header's merkle root: the store is damaged; run \`urchain audit\``);
    return tree;
  }
}
