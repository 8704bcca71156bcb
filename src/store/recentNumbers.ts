/**
 * @module store/recentNumbers
 * Store format 3's index of the records taken in lately (txId -> record number), kept in memory
 * and on disk as an append-only bucket, and merged into `recordnumbers` in sorted runs.
 *
 * Why: `recordnumbers` is keyed by txId, a SHA-256 output, so each record taken in wrote to a
 * random leaf of a B-tree that grows with the chain. Each 1,000-record commit dirtied hundreds
 * of its pages (all of them once the tree has more leaves than a commit has records: at 10
 * million records, 1 page of 4 KiB per record), and the commit's sync waited for them. Now an
 * ingest appends `number -> txId` to `recentnumbers` (MDB_APPEND: the last page fills up) and
 * the txId goes into this map once the commit is durable. When the map holds enough ids (the
 * threshold: store/txIndex.ts), they are written into `recordnumbers` in key order, a slice of
 * neighbouring keys per commit, so a leaf takes all the keys it gets from the run in one write. That work is off
 * the receipt's path: an ingest commit never waits for a merge slice of its own.
 *
 * The rule that keeps reads exact: every stored record's txId is in `recordnumbers`, in
 * `recentnumbers`, or in both (a slice commits its puts and its removals together), and this
 * map holds exactly the rows of `recentnumbers` (loaded at open, grown after a durable ingest,
 * shrunk after a durable slice). A lookup asks the map first, then `recordnumbers`.
 * - `staged`: ids an ingest transaction wrote whose commit is not durable yet. The block path
 *   may place them (its transaction runs after theirs). A later ingest that meets one asks its
 *   own transaction whether that record is written (a record number read, in LMDB's view, as
 *   format 2's MDB_NOOVERWRITE did): an earlier transaction that threw, or a commit that failed,
 *   left nothing there, and the later ingest then writes the record itself. A transaction that
 *   throws drops its stages before the next transaction runs; a failed commit drops them when
 *   it settles; a durable one moves them to the map.
 */
import { IdMap } from '../codec/idMap.js';
import { IdTable } from './idTable.js';

/** The fewest recent ids a merge starts at (store/txIndex.ts sets the threshold). */
export const MERGE_AT = 1 << 18;
/**
 * Ids per merge commit: a slice of neighbouring keys, so its leaves are written once. Ingest
 * commits wait behind a slice's, on the thread (its puts run in the transaction callback, 4-7 ms)
 * and in LMDB's writer. 1,024 per slice changed neither the receipt tail (receipts over 20 ms at
 * 17,000 records/s: 64-105 of 850 against 65-99) nor what reached the device over a minute of
 * batches on a fresh chain (1,965-1,978 bytes per record against 1,910-1,965); write_bytes
 * said 5,100 against 4,421-4,613, but it charges whole page-cache folios (bench/bytes.ts).
 * Fewer commits, then.
 */
export const MERGE_SLICE = 4096;

export type Numbered = [txId: Uint8Array, n: number];

export class RecentNumbers {
  private recent = new IdTable(); // typed arrays: no object per id (store/idTable.ts)
  private staged = new IdMap<number>();

  /** Durable ids the map holds (the rows of `recentnumbers`). */
  get size(): number {
    return this.recent.size;
  }
  /** Makes room for `n` durable ids, so the map does not grow (a copy and a rehash in one turn) on the way there. */
  reserve(n: number): void {
    this.recent.reserve(n);
  }
  /** The number of `txId` if it is recent, durable or staged. */
  numberOf(txId: Uint8Array): number | undefined {
    return this.recent.get(txId) ?? this.staged.get(txId);
  }
  /** Is `txId` a durable recent record? */
  hasDurable(txId: Uint8Array): boolean {
    return this.recent.has(txId);
  }
  /** The number an ingest not yet durable gave `txId`, if one did. */
  stagedNumberOf(txId: Uint8Array): number | undefined {
    return this.staged.get(txId);
  }
  /** Every row of `recentnumbers` (number -> txId), at open. */
  load(rows: Iterable<{ key: Uint8Array; value: Uint8Array }>): void {
    for (const { key: k, value } of rows) this.recent.set(value, (k[0] * 2 ** 24 + k[1] * 2 ** 16 + k[2] * 2 ** 8 + k[3]) * 2 ** 32 + ((k[4] << 24) >>> 0) + (k[5] << 16) + (k[6] << 8) + k[7]); // an 8-byte key (recordNumberOf, without a view per row)
  }
  /** An ingest transaction wrote `txId` under `n` (not durable yet). */
  stage(txId: Uint8Array, n: number): void {
    this.staged.set(txId, n);
  }
  /** Runs an ingest transaction's writes `f`, which stage `list`; if it throws, drops them before rethrowing. */
  staging(list: Numbered[], f: () => void): void {
    try {
      f();
    } catch (e) {
      this.failed(list);
      throw e;
    }
  }
  /** The commit that wrote `list` is durable. */
  durable(list: readonly Numbered[]): void {
    for (const [id, n] of list) {
      if (this.staged.get(id) === n) this.staged.delete(id);
      this.recent.set(id, n);
    }
  }
  /** The commit (or the transaction) that wrote `list` failed: nothing of it is on disk. A later ingest's stage of the same id stays. */
  failed(list: readonly Numbered[]): void {
    for (const [id, n] of list) if (this.staged.get(id) === n) this.staged.delete(id);
  }
  /**
   * Merges the durable recent ids into `recordnumbers`, in three steps, each durable commit all
   * or nothing, ingests committing between them:
   * 1. `put` writes one slice of ids into `recordnumbers` (the slices of `slices`);
   * 2. `drop(below)` removes the first rows of `recentnumbers` numbered below `below`, a chunk
   *    at a time, and answers how many it removed (0: none left): rows in number order, so the
   *    pages it touches are neighbours (removing each slice's rows, in txId order, touched a
   *    random page of `recentnumbers` per id: about as many bytes as the merge itself);
   * 3. the merged ids leave memory.
   * The run is every durable id numbered below the smallest number of an ingest not yet durable
   * (later ones are numbered higher), so the rows step 2 removes are exactly the run's. A run cut
   * short (a full disk, `stop`, a crash) leaves ids in both buckets with the same number, which
   * reads allow; the next merge, told by the store's `merging` mark, puts only the ids
   * `recordnumbers` lacks (store/txIndex.ts).
   */
  async merge(put: (slice: readonly Numbered[]) => Promise<void>, drop: (below: number) => Promise<number>, stop: () => boolean, slice = MERGE_SLICE): Promise<void> {
    let below = this.recent.maxNumber() + 1;
    for (const [, n] of this.staged.entries()) below = Math.min(below, n);
    try {
      for (const ids of this.slices(slice, below)) {
        if (stop()) return;
        await put(ids);
      }
      do if (stop()) return;
      while ((await drop(below)) > 0);
    } catch {
      return; // nothing of the failed step is written; the ids stay recent
    }
    this.recent.deleteBelow(below);
  }
  /**
   * The durable recent ids numbered below `below` (as they are when the first slice is asked for) in slices of at
   * least `slice` ids but the last, each slice a range of neighbouring keys and the slices in
   * key order: a counting sort on the ids' first two bytes (SHA-256 outputs spread evenly), whole
   * buckets to a slice. Within a slice the order does not matter: its keys share the same few
   * leaves. O(n) over the table's arena in place, and a slice's entries are made only when it is reached.
   */
  *slices(slice = MERGE_SLICE, below = Infinity): Generator<Numbered[]> {
    // The table's own arrays, no copy (IdTable.arena: they stay as they are until the merge's
    // deleteBelow, after the last slice); the entries taken are those live and below `below` now.
    const { ids, nums, used } = this.recent.arena();
    const start = new Int32Array(65537);
    for (let e = 0; e < used; e++) if (nums[e] >= 0 && nums[e] < below) start[((ids[e * 32] << 8) | ids[e * 32 + 1]) + 1]++;
    for (let b = 0; b < 65536; b++) start[b + 1] += start[b];
    const n = start[65536];
    const order = new Int32Array(n);
    const at = start.slice(0, 65536);
    for (let e = 0; e < used; e++) if (nums[e] >= 0 && nums[e] < below) order[at[(ids[e * 32] << 8) | ids[e * 32 + 1]]++] = e;
    for (let from = 0, b = 0; from < n; ) {
      while (b < 65536 && start[b + 1] - from < slice) b++; // whole buckets up to `slice` ids
      const to = b < 65536 ? start[b + 1] : n;
      const out: Numbered[] = [];
      for (let k = from; k < to; k++) out.push([ids.subarray(order[k] * 32, order[k] * 32 + 32), nums[order[k]]]);
      yield out;
      from = to;
      b++;
    }
  }
}
