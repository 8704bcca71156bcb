/**
 * @module store/format4
 * The step from store format 3 to format 4 (store/format.ts runs it for `urchain migrate`).
 * Format 3 kept a `recordlocations` row (number -> height, index) for every record a block holds
 * and a `pendingrecords` row (number || txId) for every record none holds: a block wrote one and
 * removed the other for each of its records, in its one transaction. Format 4 keeps the runs of
 * consecutive record numbers a block holds (`placedruns`, store/placedRuns.ts) and the meta row
 * `pendingfrom`; the pool is what no run covers. The step reads `recordlocations` in number order
 * into runs, sets `pendingfrom` to the first pending record's number, and drops both old buckets.
 */
import type { Database } from 'lmdb';
import { BUCKETS, FORMAT3_BUCKETS, placeCodec, recordNumberOf, RECORD_NUMBER_BYTES, type BucketSpec } from './buckets.js';
import { PlacedRuns, RunBuilder } from './placedRuns.js';
import type { FormatStep, StepContext } from './format.js';

type Bin = Database<Buffer, Buffer>;

function run({ env, meta }: StepContext): void {
  const db = (b: BucketSpec): Bin => env.openDB({ name: b.name, encoding: b.value, keyEncoding: b.key } as never) as never;
  const [locations, pending, runs, records] = [db(FORMAT3_BUCKETS.locations), db(FORMAT3_BUCKETS.pending), db(BUCKETS.runs), db(BUCKETS.records)];
  const built = new RunBuilder();
  for (const { key, value } of locations.getRange({}) as Iterable<{ key: Buffer; value: Buffer }>) {
    const p = placeCodec.decode(value);
    built.add(recordNumberOf(key), p.height, p.index);
  }
  const placed = new PlacedRuns(runs, records, meta);
  placed.put(built.runs);
  // Every record below the first pending one is placed; with none pending, every record is.
  let from: number | undefined;
  for (const k of pending.getKeys({ limit: 1 }) as Iterable<Buffer>) from = recordNumberOf(k.subarray(0, RECORD_NUMBER_BYTES));
  if (from === undefined) for (const k of records.getKeys({ reverse: true, limit: 1 }) as Iterable<Buffer>) from = recordNumberOf(k) + 1;
  placed.setFrom(from ?? 0);
  locations.dropSync();
  pending.dropSync();
}

export const FORMAT_3_TO_4: FormatStep = {
  from: 3,
  to: 4,
  about: 'where blocks hold records is kept as runs of consecutive record numbers (placedruns) and the pool as every record from the meta row pendingfrom on that no run holds, instead of a recordlocations row and a pendingrecords row per record',
  run,
};
