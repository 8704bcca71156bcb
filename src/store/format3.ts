/**
 * @module store/format3
 * The step from store format 2 to format 3 (store/format.ts runs it for `urchain migrate`).
 * Format 3 adds the bucket `recentnumbers` (record number -> txId): a record taken in is indexed
 * there, by an append, and merged into `recordnumbers` later in sorted runs
 * (store/recentNumbers.ts), where format 2 wrote `recordnumbers` at once, a random key per record.
 * A format-2 store has every record in `recordnumbers`, so the step only creates the empty bucket:
 * the format row is what changes, so that a release that knows only format 2, which would not
 * look in `recentnumbers`, refuses the store instead of missing its newest records.
 */
import { FORMAT4_BUCKETS } from './buckets.js';
import type { FormatStep, StepContext } from './format.js';

function run({ env }: StepContext): void {
  const b = FORMAT4_BUCKETS.recent;
  env.openDB({ name: b.name, encoding: b.value, keyEncoding: b.key } as never); // created empty
}

export const FORMAT_2_TO_3: FormatStep = {
  from: 2,
  to: 3,
  about: 'records taken in are indexed by an append to recentnumbers (record number -> txId) and merged into recordnumbers in sorted runs, instead of a random-key write per record',
  run,
};
