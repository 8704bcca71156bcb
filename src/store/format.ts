/**
 * @module store/format
 * The version of a data folder's store format, and the table of steps that move a store from one
 * format to the next. The version is the meta bucket's `format` row (a CBOR unsigned integer), so
 * it is inside the LMDB environment and every consistent copy (`urchain backup`) carries it.
 *
 * Format 1 is the layout of store/buckets.ts as it stood when the version was introduced. Folders
 * written before then hold no `format` row, and their bytes are format 1, so "no version" reads as
 * format 1 and the first writable open writes the row. (A store from before the entangle bucket is
 * format 1 too: readers take its index from `idem`, and a writable open moves it, as before.)
 *
 * A store of a newer format than this release knows is refused, naming both versions: an older
 * release must not write into a layout it does not understand. A store of an older format is
 * refused too, with the command that upgrades it: `urchain migrate` runs the steps below, one
 * durable commit per step that also writes the step's `to`, so a migration cut short resumes where
 * it stopped and a second run does nothing. A later format change adds one row to FORMAT_STEPS.
 *
 * Format 2 (store/format2.ts) keeps each record once under a sequential record number. Format 3
 * (store/format3.ts) indexes new records by txId in sorted runs (store/recentNumbers.ts). Format 4
 * (store/format4.ts) keeps where blocks hold records as runs of record numbers (store/placedRuns.ts).
 */
import type { Database, RootDatabase } from 'lmdb';
import { encode, decode, asUint } from '../codec/cbor.js';
import { UrchainError } from '../errors.js';
import { FORMAT_1_TO_2 } from './format2.js';
import { FORMAT_2_TO_3 } from './format3.js';
import { FORMAT_3_TO_4 } from './format4.js';
import { FORMAT_4_TO_5 } from './format5.js';

/** The meta row holding the format version. */
export const FORMAT_KEY = 'format';
/** The first versioned format, and what a store without a version holds. */
export const FIRST_FORMAT = 1;

/** What one migration step may touch: the environment (to open buckets) and the meta bucket. */
export interface StepContext {
  env: RootDatabase;
  meta: Database<Buffer, string>;
}

/** One migration: rewrites a store of format `from` into format `to`, inside one transaction. */
export interface FormatStep {
  readonly from: number;
  readonly to: number;
  /** What the step changes, said to the operator by `urchain migrate`. */
  readonly about: string;
  run(ctx: StepContext): void;
}

/** Every migration step, oldest first. */
export const FORMAT_STEPS: readonly FormatStep[] = [FORMAT_1_TO_2, FORMAT_2_TO_3, FORMAT_3_TO_4, FORMAT_4_TO_5];

/** The format this release writes: the newest `to` in the table. */
export function currentFormat(steps: readonly FormatStep[] = FORMAT_STEPS): number {
  return steps.reduce((v, s) => Math.max(v, s.to), FIRST_FORMAT);
}

export const encodeFormat = (v: number): Uint8Array => encode(v);
export const decodeFormat = (b: Uint8Array): number => asUint(decode(b), 'store format');
/** The format a meta `format` row says; no row: FIRST_FORMAT (a store from before versions). */
export const formatOf = (row: Uint8Array | undefined): number => (row === undefined ? FIRST_FORMAT : decodeFormat(row));

/** Refuses a store whose format is not `current`: newer (another release) or older (migrate). */
export function checkFormat(found: number, dir: string, current = currentFormat()): void {
  if (found > current)
    throw UrchainError.BAD_CHAIN(
      `${dir} holds store format ${found}, newer than this urchain knows (format ${current}); run it with the urchain release that wrote it`,
      { format: found, supported: current },
    );
  if (found < current)
    throw UrchainError.BAD_CHAIN(
      `${dir} holds store format ${found}, older than this urchain's format ${current}; stop any node on it and run \`urchain migrate --data ${dir}\` (an \`urchain backup\` first is wise)`,
      { format: found, supported: current },
    );
}

/** The steps from `from` to the current format, in order; refuses a gap in the table. */
export function migrationPath(from: number, steps: readonly FormatStep[] = FORMAT_STEPS): FormatStep[] {
  const current = currentFormat(steps);
  const path: FormatStep[] = [];
  for (let v = from; v < current; ) {
    const step = steps.find((s) => s.from === v && s.to > v);
    if (!step) throw UrchainError.BAD_CHAIN(`no migration from store format ${v} (this urchain writes format ${current})`, { format: v, supported: current });
    path.push(step);
    v = step.to;
  }
  return path;
}

export interface MigrationReport {
  /** The format found (a store without a version: FIRST_FORMAT, and `stamped`). */
  from: number;
  to: number;
  steps: { from: number; to: number; about: string }[];
  /** The store held no version and now holds `to`. */
  stamped: boolean;
}

/**
 * Brings the store in `ctx` to the current format: each step and its new version in one durable
 * commit (`commit`), so the store is always in a format the table names.
 */
export async function migrateStore(ctx: StepContext, commit: (write: () => void) => Promise<void>, dir: string, steps: readonly FormatStep[] = FORMAT_STEPS): Promise<MigrationReport> {
  const row = ctx.meta.get(FORMAT_KEY);
  const from = formatOf(row && new Uint8Array(row));
  const current = currentFormat(steps);
  if (from > current) checkFormat(from, dir, current);
  const path = migrationPath(from, steps);
  for (const s of path)
    await commit(() => {
      s.run(ctx);
      ctx.meta.putSync(FORMAT_KEY, Buffer.from(encodeFormat(s.to)));
    });
  const stamped = row === undefined && path.length === 0;
  if (stamped) await commit(() => ctx.meta.putSync(FORMAT_KEY, Buffer.from(encodeFormat(current))));
  return { from, to: current, steps: path.map(({ from, to, about }) => ({ from, to, about })), stamped };
}
