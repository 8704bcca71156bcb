/**
 * @module store/format5
 * The step from store format 4 to format 5 (store/format.ts runs it for `urchain migrate`).
 * Format 4 merged recent txIds into `recordnumbers`, one B-tree keyed by txId, so each merge
 * rewrote random pages of it; format 5 flushes them into immutable sorted runs (`txruns`,
 * `txfences`, the meta row `txruns`: store/txRuns.ts) and merges runs by reading them in order.
 * Format 5 also keeps no `recentnumbers` (number -> txId, appended per record and removed after a
 * merge): the recent ids are the records numbered from the meta row `recentfrom` on, read from
 * `records` at open. The step creates the two new buckets empty, sets `recentfrom` to the first
 * row of `recentnumbers` (its rows are the records from there on: merges removed them in number
 * order), drops that bucket, and leaves `recordnumbers` as it is: format 5 reads it after the
 * runs and never writes it again, so no id moves. It removes format 4's meta row `merging`: a
 * merge cut short left ids both recent and in `recordnumbers` under one number, which format 5
 * reads as it is, and the next flush puts them into a run.
 */
import type { Database } from 'lmdb';
import { BUCKETS, FORMAT4_BUCKETS, recordKey, recordNumberOf } from './buckets.js';
import type { FormatStep, StepContext } from './format.js';

function run({ env, meta }: StepContext): void {
  for (const b of [BUCKETS.txRuns, BUCKETS.txFences]) env.openDB({ name: b.name, encoding: b.value, keyEncoding: b.key } as never); // created empty
  const db = (name: string): Database<Buffer, Buffer> => env.openDB({ name, encoding: 'binary', keyEncoding: 'binary' } as never) as never;
  const [recent, records] = [db(FORMAT4_BUCKETS.recent.name), db(BUCKETS.records.name)];
  // The rows of recentnumbers are the records from the first one's number on (a merge removed
  // them in number order); none: every record is in recordnumbers.
  let from: number | undefined;
  for (const k of recent.getKeys({ limit: 1 }) as Iterable<Buffer>) from = recordNumberOf(k);
  if (from === undefined) for (const k of records.getKeys({ reverse: true, limit: 1 }) as Iterable<Buffer>) from = recordNumberOf(k) + 1;
  meta.putSync('recentfrom', recordKey(from ?? 0));
  recent.dropSync();
  meta.removeSync('merging');
}

export const FORMAT_4_TO_5: FormatStep = {
  from: 4,
  to: 5,
  about: 'recent txIds are flushed into immutable sorted runs (txruns, txfences, meta txruns) that merges read and write in order, instead of into recordnumbers at random pages; recordnumbers is kept, read after the runs, and no longer written; the recent records are those from the meta row recentfrom on (set to the first row of recentnumbers, which is dropped)',
  run,
};
