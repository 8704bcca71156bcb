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
 * the txId goes into this map once the commit is durable. When the map holds `mergeAt` ids,
 * they are written into `recordnumbers` in key order, a slice of neighbouring keys per commit
 * (`mergeRun`), so a leaf takes all the keys it gets from the run in one write. That work is off
 * the receipt's path: an ingest commit never waits for a merge slice of its own.
 *
 * The rule that keeps reads exact: every stored record's txId is in `recordnumbers`, in
 * `recentnumbers`, or in both (a slice commits its puts and its removals together), and this
 * map holds exactly the rows of `recentnumbers` (loaded at open, grown after a durable ingest,
 * shrunk after a durable slice). A lookup asks the map first, then `recordnumbers`.
 * - `staged`: ids an ingest transaction wrote whose commit is not durable yet. A later ingest's
 *   duplicate check must see them (LMDB does, inside the write transaction, and so must we);
 *   the block path may place them (its transaction runs after theirs). A failed commit drops
 *   them, a durable one moves them to the map.
 */
import { IdMap } from '../codec/idMap.js';
import { RECORD_NUMBER_BYTES, recordNumberOf } from './buckets.js';

/** A run of this many ids is merged into `recordnumbers` (see mergeRun for what one costs). */
export const MERGE_AT = 1 << 18;
/** Ids per merge commit: a slice of neighbouring keys, so its leaves are written once. */
export const MERGE_SLICE = 8192;

export type Numbered = [txId: Uint8Array, n: number];

export class RecentNumbers {
  private recent = new IdMap<number>();
  private staged = new IdMap<number>();

  /** Durable ids the map holds (the rows of `recentnumbers`). */
  get size(): number {
    return this.recent.size;
  }
  /** The number of `txId` if it is recent, durable or staged. */
  numberOf(txId: Uint8Array): number | undefined {
    return this.recent.get(txId) ?? this.staged.get(txId);
  }
  /** Is `txId` a durable recent record? */
  hasDurable(txId: Uint8Array): boolean {
    return this.recent.has(txId);
  }
  /** Every row of `recentnumbers` (number -> txId), at open. */
  load(rows: Iterable<{ key: Uint8Array; value: Uint8Array }>): void {
    for (const { key, value } of rows) this.recent.set(new Uint8Array(value), recordNumberOf(key.subarray(0, RECORD_NUMBER_BYTES)));
  }
  /** An ingest transaction wrote `txId` under `n` (not durable yet). */
  stage(txId: Uint8Array, n: number): void {
    this.staged.set(txId, n);
  }
  /** The commit that wrote `list` is durable. */
  durable(list: readonly Numbered[]): void {
    for (const [id, n] of list) {
      this.staged.delete(id);
      this.recent.set(id, n);
    }
  }
  /** The commit that wrote `list` failed: nothing of it is on disk. */
  failed(list: readonly Numbered[]): void {
    for (const [id] of list) this.staged.delete(id);
  }
  /** A merge slice is durable: its ids are in `recordnumbers` and no longer in `recentnumbers`. */
  merged(list: readonly Numbered[]): void {
    for (const [id, n] of list) if (this.recent.get(id) === n) this.recent.delete(id);
  }
  /**
   * Merges the durable recent ids into `recordnumbers`: `write` commits one slice (its puts into
   * `recordnumbers` and its removals from `recentnumbers`, durably, all or nothing). Ingests
   * commit between slices. A slice that fails (a full disk) ends the merge, its ids still
   * recent; the next ingest past `mergeAt` starts another. `stop` ends it between slices.
   */
  async merge(write: (slice: readonly Numbered[]) => Promise<void>, stop: () => boolean, slice = MERGE_SLICE): Promise<void> {
    for (const ids of this.slices(slice)) {
      if (stop()) return;
      try {
        await write(ids);
      } catch {
        return; // nothing of the slice is written
      }
      this.merged(ids);
    }
  }
  /**
   * The durable recent ids in slices of about `slice` ids, each slice a range of neighbouring
   * keys and the slices in key order: ids are bucketed by their first two bytes (SHA-256 outputs
   * spread evenly) and consecutive buckets make a slice. Within a slice the order does not
   * matter: its keys share the same few leaves. O(n), no comparison sort on the event loop.
   */
  slices(slice = MERGE_SLICE): Numbered[][] {
    const buckets: Numbered[][] = Array.from({ length: 65536 }, () => []);
    for (const [id, n] of this.recent.entries()) buckets[(id[0] << 8) | id[1]].push([id, n]);
    const out: Numbered[][] = [];
    let cur: Numbered[] = [];
    for (const b of buckets) {
      for (const e of b) cur.push(e);
      if (cur.length >= slice) out.push(cur), (cur = []);
    }
    if (cur.length) out.push(cur);
    return out;
  }
}
