/**
 * @module store/placedRuns
 * Where the canonical chain holds each record (store format 4): not a row per record, but a row
 * per run. A block's records, taken in block order, fall into runs of consecutive record numbers
 * at consecutive indexes; `placedruns` keys each run by its first record's number and holds the
 * block's height, the first record's index in it and the run's length. A producer's block is the
 * pool in arrival order, so one or a few runs; a follower's has about a run per flooded batch.
 *
 * The pool is what no run covers: every record numbered from the meta row `pendingfrom` on that
 * no run holds. (Every record numbered below `pendingfrom` is on the canonical chain.) So a block
 * commit writes a few keys whatever its size, and an ingest writes no pool row at all; format 3
 * wrote a location row and removed a pool row for each record, in the block's one transaction,
 * and took in a pool row per record.
 *
 * The rules a writer keeps, each in the transaction that changes the chain:
 * - a block connected puts its runs, then moves `pendingfrom` past every record placed (advance);
 * - a block disconnected removes its runs, and lowers `pendingfrom` to its first record number.
 */
import type { Database } from 'lmdb';
import { recordKey, recordNumberOf, recordTxId, uint32Fields } from './buckets.js';
import type { TextKeyed } from './lmdbEnv.js';

type Bin = Database<Buffer, Buffer>;

/** One run: `count` records numbered `first`, `first + 1`, … at indexes `index`, `index + 1`, … of the block at `height`. */
export interface Run {
  first: number;
  height: number;
  index: number;
  count: number;
}

/** A `placedruns` value: height, index of the run's first record, run length; uint32 BE each. */
export const runCodec = uint32Fields('run', ['height', 'index', 'count']);

/** meta row: the number from which records may be pending (8 bytes, a record number). */
export const PENDING_FROM = 'pendingfrom';

/** Runs from placements given one by one in order: each extends the open run or starts one. */
export class RunBuilder {
  readonly runs: Run[] = [];
  private open: Run | undefined;
  /** Record `n` at `index` of the block at `height`. */
  add(n: number, height: number, index: number): void {
    const r = this.open;
    if (r && n === r.first + r.count && height === r.height && index === r.index + r.count) r.count++;
    else this.runs.push((this.open = { first: n, height, index, count: 1 }));
  }
}

/** The runs of a block at `height` whose records have `numbers`, in block order (a record without one is left out). */
export function runsOf(height: number, numbers: readonly (number | undefined)[]): Run[] {
  const b = new RunBuilder();
  numbers.forEach((n, index) => n !== undefined && b.add(n, height, index));
  return b.runs;
}

export class PlacedRuns {
  constructor(
    private readonly runs: Bin,
    private readonly records: Bin,
    private readonly meta: TextKeyed,
  ) {}

  /** Where the canonical chain holds record number `n`: its block's height and its index there. */
  place(n: number): { height: number; index: number } | undefined {
    const r = this.covering(n);
    return r && { height: r.height, index: r.index + (n - r.first) };
  }
  /** The run that holds record number `n`, if one does. */
  covering(n: number): Run | undefined {
    for (const { key, value } of this.runs.getRange({ start: recordKey(n), reverse: true, limit: 1 }) as Iterable<{ key: Buffer; value: Buffer }>) {
      const first = recordNumberOf(key);
      const r = { first, ...runCodec.decode(value) };
      return n < first + r.count ? r : undefined;
    }
    return undefined;
  }
  /** `pendingfrom`: no record numbered below it is pending. */
  from(): number {
    const v = this.meta.get(PENDING_FROM) as unknown as Buffer | undefined;
    return v === undefined ? 0 : recordNumberOf(v);
  }

  /** Inside a write transaction: the runs of a block connected. */
  put(runs: readonly Run[]): void {
    for (const r of runs) this.runs.putSync(recordKey(r.first), runCodec.encode(r) as Buffer); // encode makes a Buffer
  }
  /**
   * Inside a write transaction: the runs of the block at `height` disconnected, found through
   * each of its records' `numbers` (every run at that height that holds one, however the runs were
   * cut when it was connected); `pendingfrom` comes down to the first of them. Reorganisations
   * are rare: a read per record is cheap enough here.
   */
  remove(height: number, numbers: readonly (number | undefined)[]): void {
    let low = Infinity;
    for (const n of numbers) {
      const r = n === undefined ? undefined : this.covering(n);
      if (r?.height === height) this.runs.removeSync(recordKey(r.first)), (low = Math.min(low, r.first));
    }
    if (low < this.from()) this.setFrom(low);
  }
  /**
   * Inside a write transaction, after the runs of the blocks connected are put: `pendingfrom`
   * moves past the records placed, to the first stored record no run holds.
   */
  advance(): void {
    const from = this.from();
    let at = from;
    for (;;) {
      const n = this.firstRecordFrom(at);
      if (n === undefined) break;
      const r = this.covering(n);
      if (!r) {
        at = n;
        break;
      }
      at = r.first + r.count;
    }
    if (at !== from) this.setFrom(at);
  }
  /**
   * The pool: each stored record from `pendingfrom` on that no run holds, with its number, in
   * number order (each txId a copy of its own).
   */
  *pending(): Generator<[txId: Uint8Array, n: number]> {
    let at = this.from();
    for (const { key, value } of this.runs.getRange({ start: recordKey(at) }) as Iterable<{ key: Buffer; value: Buffer }>) {
      const first = recordNumberOf(key);
      if (first > at) yield* this.recordsIn(at, first);
      at = Math.max(at, first + runCodec.decode(value).count);
    }
    yield* this.recordsIn(at, undefined);
  }

  private *recordsIn(from: number, to: number | undefined): Generator<[Uint8Array, number]> {
    const range = this.records.getRange({ start: recordKey(from), ...(to === undefined ? {} : { end: recordKey(to) }) }) as Iterable<{ key: Buffer; value: Buffer }>;
    for (const { key, value } of range) yield [recordTxId(value).slice(), recordNumberOf(key)];
  }
  private firstRecordFrom(n: number): number | undefined {
    for (const k of this.records.getKeys({ start: recordKey(n), limit: 1 }) as Iterable<Buffer>) return recordNumberOf(k);
    return undefined;
  }
  /** Inside a write transaction: sets `pendingfrom` (a migration; blocks move it with remove and advance). */
  setFrom(n: number): void {
    this.meta.putSync(PENDING_FROM, recordKey(n) as never);
  }
}
