/**
 * @module store/txIndex
 * The LMDB store's txId -> record number index (format 3): `recordnumbers`, `recentnumbers` and
 * the recent ids in memory (store/recentNumbers.ts), with the merges between them. Split out of
 * store/lmdb.ts, which asks it for numbers and hands it each ingest's new records.
 *
 * A writer loads `recentnumbers` at open (its duplicate checks and merges need every recent id).
 * A reader loads it at its first lookup that `recordnumbers` cannot answer: a proof of an older
 * record, or a query that finds its record merged, opens without reading the recent ids at all.
 *
 * When to merge: a merge costs about one leaf page of `recordnumbers` per merged id while the
 * run has fewer ids than the tree has leaves, and less the more ids a run puts into each leaf.
 * So the threshold grows with the index: an eighth of the ids in `recordnumbers`, at least
 * MERGE_AT (2^18) and at most MERGE_MAX (2^21, about 100 MB of memory and a second to load).
 */
import type { Database } from 'lmdb';
import { recordKey } from './buckets.js';
import { RecentNumbers, MERGE_AT, MERGE_SLICE, type Numbered } from './recentNumbers.js';

type Bin = Database<Buffer, Buffer>;
const buf = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const APPEND = { append: true };

/**
 * Rows of `recentnumbers` one commit of a merge removes: neighbours, a dozen pages. Removes cost
 * the thread ~1.4 us each inside the transaction callback; 1,024 keeps that near 1.5 ms, and
 * wrote no more bytes per record than 4,096 did (write_bytes 4,261 against 4,316, a minute on a
 * fresh chain).
 */
export const DROP_CHUNK = 1024;
/** The most recent ids a node keeps before it merges, however large the index. */
export const MERGE_MAX = 1 << 21;
/** Room in the map beyond the threshold: the ids that come in while a merge runs. */
const RESERVE_MARGIN = 1 << 16;

/**
 * The threshold: `fixed` (a test's), else the environment's URCHAIN_STORE_MERGE_AT (a positive
 * integer: a testing knob, the crash cycles set it low so that kill -9 lands during merges
 * too), else an eighth of the `indexed` ids within [MERGE_AT, MERGE_MAX].
 */
export function mergeAtOf(indexed: number, env: NodeJS.ProcessEnv = process.env, fixed?: number): number {
  if (fixed !== undefined) return fixed;
  const v = Number(env.URCHAIN_STORE_MERGE_AT);
  if (Number.isSafeInteger(v) && v > 0) return v;
  return Math.min(MERGE_MAX, Math.max(MERGE_AT, Math.floor(indexed / 8)));
}

export class TxIndex {
  readonly recent = new RecentNumbers();
  private loaded = false;
  private mergeAt = MERGE_AT;
  private merging: Promise<void> | undefined;
  private closing = false;

  constructor(
    private readonly numbers: Bin,
    private readonly rows: Bin,
    private readonly readOnly: boolean,
    /** One durable, all-or-nothing commit of the store. */
    private readonly commit: (write: () => void) => Promise<void>,
    private readonly o: { mergeAt?: number; mergeSlice?: number } = {},
    /** The store's mark of a merge begun and not ended (a meta row), read and written in a commit. */
    private readonly mark: { get(): boolean; set(on: boolean): void } = { get: () => false, set: () => undefined },
  ) {
    if (!readOnly) this.load();
  }

  /** The record number of `txId` (its 8-byte key), if stored: recent, else merged. */
  numberOf(txId: Uint8Array): Buffer | undefined {
    const n = this.recent.numberOf(txId);
    if (n !== undefined) return recordKey(n);
    const merged = this.numbers.get(buf(txId));
    if (merged || !this.loadedNow()) return merged;
    const late = this.recent.numberOf(txId);
    return late === undefined ? undefined : recordKey(late);
  }
  /** Is `txId` stored, durably recent or merged? */
  has(txId: Uint8Array): boolean {
    return this.recent.hasDurable(txId) || this.numbers.doesExist(buf(txId)) || (this.loadedNow() && this.recent.hasDurable(txId));
  }
  /**
   * Inside an ingest's transaction: is `txId` stored already, so not to be taken again? Durable
   * recent ids from memory; merged ones from `recordnumbers`, unless `own` (the node's own
   * batch, new by construction); one staged by an ingest not yet durable if `written(n)` (this
   * transaction sees its record).
   */
  taken(txId: Uint8Array, own: boolean, written: (n: number) => boolean): boolean {
    if (this.recent.hasDurable(txId) || (!own && this.numbers.doesExist(buf(txId)))) return true;
    const staged = this.recent.stagedNumberOf(txId);
    return staged !== undefined && written(staged);
  }
  /** Inside an ingest's transaction: the new record `txId` under number `n` (key `key`), appended and staged. */
  add(key: Buffer, txId: Uint8Array, n: number, added: Numbered[]): void {
    this.rows.putSync(key, txId as Buffer, APPEND);
    added.push([txId, n]);
    this.recent.stage(txId, n);
  }
  /** An ingest's commit that added `added` is durable; starts a merge past the threshold. */
  durable(added: readonly Numbered[]): void {
    this.recent.durable(added);
    if (this.recent.size >= this.mergeAt && !this.merging && !this.readOnly) void this.merge();
  }
  /** Ids taken in and not yet merged into `recordnumbers` (loads them first, on a reader). */
  unmerged(): number {
    this.loadedNow();
    return this.recent.size;
  }
  /** Merges every recent id into `recordnumbers` now (after a merge running); resolves when done or stopped. */
  async merge(): Promise<void> {
    while (this.merging) await this.merging;
    if (this.readOnly || this.closing) return;
    // A merge cut short (close, a crash) left some of its ids in both buckets: the next one, told
    // by the mark, puts only the ids recordnumbers does not hold (a read is cheaper than a write).
    const resumed = this.mark.get();
    let marked = resumed;
    const put = (ids: readonly Numbered[]) =>
      this.commit(() => {
        if (!marked) this.mark.set((marked = true)); // with the first slice: the run has begun
        for (const [id, n] of ids) if (!resumed || !this.numbers.doesExist(buf(id))) this.numbers.putSync(buf(id), recordKey(n));
      });
    const drop = async (below: number) => {
      let removed = 0;
      await this.commit(() => {
        const keys = [...(this.rows.getKeys({ end: recordKey(below), limit: DROP_CHUNK }) as Iterable<Buffer>)]; // read, then remove
        for (const k of keys) this.rows.removeSync(k), removed++;
        if (!removed) this.mark.set(false); // the run is done
      });
      return removed;
    };
    this.merging = this.recent
      .merge(put, drop, () => this.closing, this.o.mergeSlice ?? MERGE_SLICE)
      .finally(() => ((this.merging = undefined), this.threshold()));
    return this.merging;
  }
  /** Stops a merge after its current slice; resolves when it has. */
  async close(): Promise<void> {
    this.closing = true;
    await this.merging;
  }

  /** Loads the recent ids if they were not (a reader's first miss); true if it loaded them now. */
  private loadedNow(): boolean {
    if (this.loaded) return false;
    this.load();
    return true;
  }
  private load(): void {
    this.threshold(); // first: a writer's room is made before the ids come in, not grown under them
    this.recent.load(this.rows.getRange({}) as Iterable<{ key: Buffer; value: Buffer }>);
    this.loaded = true;
  }
  private threshold(): void {
    this.mergeAt = mergeAtOf((this.numbers.getStats() as { entryCount: number }).entryCount, process.env, this.o.mergeAt);
    // A writer fills the map up to the threshold again and again: room for it once, at open
    // (empty arrays: their pages are touched only as ids come in), and a merge's compaction keeps it.
    if (!this.readOnly) this.recent.reserve(Math.min(this.mergeAt, MERGE_MAX) + RESERVE_MARGIN);
  }
}
