/**
 * @module store/recentNumbers
 * The index of the records taken in lately (txId -> record number), kept in memory, and flushed
 * into a sorted run of the txId index (format 5: store/txRuns.ts, store/txIndex.ts).
 *
 * Why: a txId is a SHA-256 output, so an index keyed by it takes each record at a random place.
 * An ingest writes only the record (an append to `records`, whose value holds the txId), and
 * the txId goes into this map once the commit is durable. When the map holds enough ids (the
 * threshold: store/txIndex.ts), they are written in txId order into a new run, a slice per
 * commit, and the meta row `recentfrom` moves past them. That work is off the receipt's path:
 * an ingest commit never waits for a flush slice of its own. (Formats 3 and 4 also appended each
 * txId to a bucket `recentnumbers` and removed the rows after a merge, a commit per 1,024 rows:
 * under load those commits queued behind the ingests' and the merges fell behind.)
 *
 * The rule that keeps reads exact: every stored record's txId is in a listed run (or format 4's
 * `recordnumbers`) or its record is numbered from `recentfrom` on, or both under the same
 * number, and this map holds exactly the durable records from `recentfrom` on (loaded at open
 * from `records`, grown after a durable ingest, shrunk after a durable flush). A lookup asks the
 * map first, then the runs.
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
import { compareIds } from './txRuns.js';

/** The fewest recent ids a merge starts at (store/txIndex.ts sets the threshold). */
export const MERGE_AT = 1 << 18;
/**
 * Entries per commit of a flush or of a merge of runs: about 340 blocks of a run, 650 KB
 * appended, 3-5 ms of the thread (sorting and packing them: ~0.2 us per entry). With 4,096 per
 * commit a flush fell behind a closed loop of 1,000-record batches (commits queue behind the
 * intake's: txIndex.ts IN_FLIGHT).
 */
export const MERGE_SLICE = 16384;

export type Numbered = [txId: Uint8Array, n: number];
/** Arena entries between pauses of `sorted`'s counting passes (a power of two, less one): 32,767 held the thread up to 7 ms a piece, 4,095 up to 1-2.5 (2^18 ids sorted alone). */
const PAUSE_EVERY = (1 << 12) - 1;
/** What a piece of a counting pass costs, in ids of a slice (an arena entry is counted in a quarter of the time an id is sorted and packed). */
const COUNTING_WORK = (PAUSE_EVERY + 1) >> 2;
/** Ids `order[from..to)` of an arena: id `e` is `ids[32e..32e+32)`, numbered `nums[e]`. */
export interface Slice {
  ids: Uint8Array;
  nums: Float64Array;
  order: Int32Array;
  from: number;
  to: number;
}

export class RecentNumbers {
  private recent = new IdTable(); // typed arrays: no object per id (store/idTable.ts)
  /** The ids a flush is writing into a run, until its run is listed: a table of their own, dropped whole then. */
  private flushing: IdTable | undefined;
  /** The table of the last flush, emptied: the next flush's new table (IdTable.clear). */
  private spare: IdTable | undefined;
  private staged = new IdMap<number>();
  private room = 0;

  /** Durable ids the map holds (the records from meta `recentfrom` on). */
  get size(): number {
    return this.recent.size + (this.flushing?.size ?? 0);
  }
  /**
   * Makes room for `n` durable ids, so the map does not grow (a copy and a rehash in one turn) on
   * the way there; and the table the first flush hands the new ids to, made now too (its arrays,
   * 24 MB for 2^18 ids and the margin, made under load set off a full garbage collection).
   */
  reserve(n: number): void {
    this.room = n;
    this.recent.reserve(n);
    this.spare ??= new IdTable();
    this.spare.reserve(n);
  }
  /** The number of `txId` if it is recent, durable or staged. */
  numberOf(txId: Uint8Array): number | undefined {
    return this.recent.get(txId) ?? this.flushing?.get(txId) ?? this.staged.get(txId);
  }
  /** Is `txId` a durable recent record? */
  hasDurable(txId: Uint8Array): boolean {
    return this.recent.has(txId) || (this.flushing !== undefined && this.flushing.has(txId));
  }
  /** The number an ingest not yet durable gave `txId`, if one did. */
  stagedNumberOf(txId: Uint8Array): number | undefined {
    return this.staged.get(txId);
  }
  /** The recent records' txIds with their numbers, at open (the records from meta `recentfrom` on). */
  load(entries: Iterable<Numbered>): void {
    for (const [id, n] of entries) this.recent.set(id, n);
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
   * Flushes the durable recent ids into a new run of the txId index (store/txRuns.ts), in
   * durable commits, each all or nothing, ingests committing between them:
   * 1. the table of durable ids becomes the run (`flushing`: lookups still find them), and ids
   *    that become durable from now on go into a new table;
   * 2. `put` takes one slice of the run, in txId order (the slices of `sorted`), and writes the
   *    run's blocks it completes; `pause(work)` is awaited between pieces of the sorting (`work`:
   *    what the piece cost, in ids of a slice, see `sorted`);
   * 3. `seal(below)` writes the run's last block and fences, lists the run (meta `txruns`) and
   *    moves meta `recentfrom` up to `below`, in one commit: from then on reads find the ids in
   *    the run, and no open loads them as recent;
   * 4. the run's table is emptied whole and kept for the next flush (`spare`).
   * `below` is the smallest number of an ingest not yet durable (later ones are numbered higher),
   * so every record numbered below it is in the run or an older one. A flush cut short before step
   * 3 (a full disk, `stop`, a crash) leaves a run nobody lists, which the next merge removes, and
   * its ids go back into the recent table.
   */
  async merge(put: (slice: Slice) => Promise<void>, seal: (below: number) => Promise<void>, stop: () => boolean, slice = MERGE_SLICE, pause: (work: number) => Promise<void> = async () => undefined): Promise<void> {
    const run = this.recent;
    let below = run.maxNumber() + 1;
    for (const [, n] of this.staged.entries()) below = Math.min(below, n);
    this.flushing = run;
    this.recent = this.spare ?? new IdTable();
    this.spare = undefined;
    this.recent.reserve(this.room);
    try {
      for (const s of this.sorted(slice, Infinity, run)) {
        if (stop()) return this.unflush();
        if (typeof s === 'number') await pause(s);
        else await put(s);
      }
      if (stop()) return this.unflush();
      await seal(below);
    } catch {
      return this.unflush(); // nothing of the failed step is written; the ids stay recent
    }
    this.flushing = undefined;
    run.clear();
    this.spare = run;
  }
  /** A flush that did not list its run: its ids go back into the recent table. */
  private unflush(): void {
    const run = this.flushing;
    this.flushing = undefined;
    if (!run) return;
    const { ids, nums, used } = run.arena();
    for (let e = 0; e < used; e++) if (nums[e] >= 0 && !this.recent.has(ids.subarray(e * 32, e * 32 + 32))) this.recent.set(ids.subarray(e * 32, e * 32 + 32), nums[e]);
  }
  /**
   * The durable recent ids numbered below `below` (as they are when the first slice is asked for),
   * in txId order, in slices of at least `slice` ids but the last: a counting sort on the ids'
   * first two bytes (SHA-256 outputs spread evenly), whole buckets to a slice, each bucket of a
   * handful of ids sorted by insertion when its slice is reached. About O(n) over the table's
   * arena in place; a slice is a range of an order array into it, no object per id.
   */
  *sorted(slice = MERGE_SLICE, below = Infinity, table = this.recent): Generator<Slice | number> {
    // The table's own arrays, no copy (IdTable.arena: a flush's table is not written while it
    // runs); the entries taken are those live and below `below` now. A number is a pause: a
    // place where the caller may give the event loop back, and what the piece before it cost, in
    // ids of a slice (an arena entry counted, a quarter; an id sorted within its bucket, one).
    const { ids, nums, used } = table.arena();
    const start = new Int32Array(65537);
    for (let e = 0; e < used; e++) {
      if (nums[e] >= 0 && nums[e] < below) start[((ids[e * 32] << 8) | ids[e * 32 + 1]) + 1]++;
      if ((e & PAUSE_EVERY) === PAUSE_EVERY) yield COUNTING_WORK;
    }
    for (let b = 0; b < 65536; b++) start[b + 1] += start[b];
    const n = start[65536];
    const order = new Int32Array(n);
    const at = start.slice(0, 65536);
    for (let e = 0; e < used; e++) {
      if (nums[e] >= 0 && nums[e] < below) order[at[(ids[e * 32] << 8) | ids[e * 32 + 1]]++] = e;
      if ((e & PAUSE_EVERY) === PAUSE_EVERY) yield COUNTING_WORK;
    }
    for (let from = 0, b = 0; from < n; ) {
      const first = b;
      while (b < 65536 && start[b + 1] - from < slice) b++; // whole buckets up to `slice` ids
      const to = b < 65536 ? start[b + 1] : n;
      // Each bucket of the slice (ids sharing their first two bytes) in txId order, by insertion.
      for (let c = first; c <= Math.min(b, 65535); c++) {
        for (let k = start[c] + 1; k < start[c + 1]; k++) {
          const e = order[k];
          let j = k - 1;
          for (; j >= start[c] && compareIds(ids, order[j] * 32, ids, e * 32) > 0; j--) order[j + 1] = order[j];
          order[j + 1] = e;
        }
        if ((c & 255) === 255) yield start[c + 1] - start[c - 255];
      }
      yield { ids, nums, order, from, to };
      from = to;
      b++;
    }
  }
  /** `sorted` as lists of [txId, number] (tests). */
  *slices(slice = MERGE_SLICE, below = Infinity): Generator<Numbered[]> {
    for (const s of this.sorted(slice, below)) {
      if (typeof s === 'number') continue;
      const { ids, nums, order, from, to } = s;
      const out: Numbered[] = [];
      for (let k = from; k < to; k++) out.push([ids.subarray(order[k] * 32, order[k] * 32 + 32), nums[order[k]]]);
      yield out;
    }
  }
}
