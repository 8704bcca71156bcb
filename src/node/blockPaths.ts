/**
 * @module node/blockPaths
 * Inclusion paths of transactions in their block, for proofs. A block stored with its chunk roots
 * (the store's `levels` bucket, merkle/chunks.ts) answers from one 256-txId slice of its body and
 * log(n/256) stored nodes: O(256 + log n) hashes on a cold cache, whatever the block's size.
 * A block without them (at most 256 txIds, a store from before the bucket, a backend without it)
 * is rebuilt from its whole body, as before: O(n) once, then O(log n) while it stays cached.
 *
 * No path is handed out that does not lead from the record to the header's merkle root (checked,
 * O(log n)): a chunked path that does not (a damaged row or body slice) gives way to the whole
 * body's, and when that does not either, the store is damaged and the proof is refused (STORE)
 * rather than handed out invalid.
 */
import type { Store } from '../store/types.js';
import type { Header } from '../chain/header.js';
import { MerkleLevels, leafHash, verifyInclusion } from '../merkle/tree.js';
import { CHUNK, chunkRange, chunkedProof, levelsFit } from '../merkle/chunks.js';
import { toHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import { Lru } from './lru.js';

const NONE = new Uint8Array(0); // cached "this block has no levels row"

export class BlockPaths {
  /** Whole blocks rebuilt from their bodies (up to n leaves each: few). */
  private whole = new Lru<MerkleLevels>(8);
  /** Levels rows (¼ byte per record: 250 KB for a million), NONE where there is none. */
  private rows = new Lru<Uint8Array>(32);
  /** Levels of single chunks (≤ 256 leaves each), so proofs out of a warm chunk cost O(log n). */
  private chunks = new Lru<MerkleLevels>(64);
  /** How many paths came from chunks and from whole bodies (tests and the bench read these). */
  readonly counts = { chunked: 0, whole: 0 };

  constructor(private readonly store: Store) {}

  /** The bottom-up path of `txId`, leaf `index` of block `hash` (whose header is `header`). */
  path(hash: Uint8Array, header: Header, index: number, txId: Uint8Array): Uint8Array[] {
    const key = toHex(hash);
    const n = header.txCount;
    const leaf = leafHash(txId);
    // O(log n): what is handed out leads from this record to the header's root, or is not handed out.
    const leads = (path: Uint8Array[]) => verifyInclusion(index, n, leaf, path, header.merkleRoot);
    const row = n > CHUNK && this.store.blockLevels ? this.rows.get(key, () => this.levelsOf(hash)) : NONE;
    if (levelsFit(row, n) && index < n) {
      const j = Math.floor(index / CHUNK);
      const chunk = this.chunks.get(`${key}:${j}`, () => new MerkleLevels(this.slice(hash, ...chunkRange(n, j)).map(leafHash)));
      const path = chunk.size === Math.min(CHUNK, n - j * CHUNK) ? chunkedProof(row, n, index, chunk) : undefined;
      if (path && leads(path)) {
        this.counts.chunked++;
        return path;
      }
    }
    const tree = this.whole.get(key, () => this.wholeOf(hash));
    const path = index < tree.size ? tree.proof(index) : undefined;
    if (!path || tree.size !== n || !leads(path))
      throw UrchainError.STORE(`block ${key} does not hold transaction ${toHex(txId)} at index ${index} under its header's merkle root: the store is damaged; run \`urchain audit\``);
    this.counts.whole++;
    return path;
  }

  private levelsOf(hash: Uint8Array): Uint8Array {
    try {
      return this.store.blockLevels!(hash) ?? NONE;
    } catch {
      return NONE; // an unreadable row: as if absent
    }
  }

  private slice(hash: Uint8Array, from: number, to: number): Uint8Array[] {
    const ids = this.store.getBodySlice ? this.store.getBodySlice(hash, from, to) : this.store.getBody(hash)?.slice(from, to);
    if (!ids) throw UrchainError.STORE(`body of block ${toHex(hash)} missing from the store`);
    return ids;
  }

  private wholeOf(hash: Uint8Array): MerkleLevels {
    const ids = this.store.getBody(hash);
    if (!ids) throw UrchainError.STORE(`body of block ${toHex(hash)} missing from the store`);
    return new MerkleLevels(ids.map(leafHash));
  }
}
