/**
 * @module store/pendingNumbers
 * The record numbers of the pending records, in memory (txId -> number): what the pool
 * holds, so the block path needs no `recordnumbers` read for a record it places and no
 * `placedruns` read to know that a pending record is on no canonical block. It only ever
 * speeds a read up: an id it does not hold is looked up in the store as before.
 *
 * The rule that keeps it right: an entry exists only for a record that is pending in every
 * state the store may still be in, i.e. durably pending and placed by no block since.
 * - An ingest adds its records once its commit is durable (never in the transaction: a commit
 *   that fails, a full disk, leaves no entry).
 * - A block removes the records it places, and adds those it puts back, once it is durable. The
 *   block tree runs one block at a time, so no block is checked against a stale map.
 * - A block may place a record whose ingest commit is written but not yet durable (a follower
 *   gets the block while the batch is still syncing): the map does not hold it yet. The block's
 *   transaction notes it (`placedEarly`), and the ingest, when durable, does not add it.
 * An entry missing is always safe (the store is read); an entry too many would let a record be
 * placed twice, so every doubt leaves it out. (A mark of a record placed early whose ingest then
 * fails its sync is never taken back: a few bytes, and it can only leave an entry out.)
 */
import { IdMap } from '../codec/idMap.js';
import { recordNumberOf } from './buckets.js';
import type { ChainMove } from './types.js';
import { Turns } from '../turns.js';

/** What a block's transaction put back into the pool: each id with its (kept) record number. */
export type Repended = [txId: Uint8Array, n: number][];

export class PendingNumbers {
  private nums = new IdMap<number>();
  /** Placed by a block while their ingest commit was not durable yet: that ingest must not add them. */
  private early = new IdMap<true>();

  get size(): number {
    return this.nums.size;
  }
  /** The record number of a pending `txId`, if this map holds it. */
  numberOf(txId: Uint8Array): number | undefined {
    return this.nums.get(txId);
  }
  has(txId: Uint8Array): boolean {
    return this.nums.has(txId);
  }
  /** A record durably pending under number `n` (at open; after an ingest or a block commit is durable). */
  remember(txId: Uint8Array, n: number): void {
    if (this.early.delete(txId)) return;
    this.nums.set(txId, n);
  }
  /** Every pending record with its number, at open (store/placedRuns.ts `pending`). */
  load(pending: Iterable<[txId: Uint8Array, n: number]>): void {
    for (const [txId, n] of pending) this.remember(txId, n);
  }
  /** A block's transaction placed `txId`, pending on disk but not in the map: its ingest is not durable yet. */
  placedEarly(txId: Uint8Array): void {
    this.early.set(txId, true);
  }
  /** A durable block placed `txId`. */
  placed(txId: Uint8Array): void {
    this.nums.delete(txId);
  }
  /**
   * An ingest commit is durable; it numbered the records it added [from, to), in the order of
   * `txs`, passing over those stored before (then `numberOf` tells which are its own).
   */
  afterIngest(txs: readonly { txId: Uint8Array }[], from: number, to: number, numberOf: (txId: Uint8Array) => Uint8Array | undefined): void {
    if (to - from === txs.length) for (let i = 0; i < txs.length; i++) this.remember(txs[i].txId, from + i);
    else
      for (const t of txs) {
        const k = numberOf(t.txId);
        const n = k && recordNumberOf(k);
        if (n !== undefined && n >= from && n < to) this.remember(t.txId, n);
      }
  }
  /**
   * A block commit is durable: what it placed leaves, what it put back comes in; in turns
   * (src/turns.ts: a block of 26,000 records took 3 ms in one piece, and receipts waited behind
   * it). Until it resolves the map still holds some placed records: it may only be one too many
   * for the reads of an API query meanwhile (a record shown pending a few ms longer), never for
   * the block path, which awaits it before the next block (store/lmdb.ts commitBlock). Ingests
   * that become durable meanwhile add only records no block placed, or placed early (marked).
   */
  async afterBlock(move: ChainMove | undefined, repended: Repended, turns = new Turns()): Promise<void> {
    for (const c of move?.connect ?? [])
      for (let i = 0; i < c.txIds.length; i++) {
        if ((i & 255) === 255 && turns.due()) await turns.next();
        this.placed(c.txIds[i]);
      }
    for (const [id, n] of repended) this.remember(id, n);
  }
  /**
   * Forgets every number (the map is only a shortcut: the store answers without it). The marks
   * of records placed early stay: their ingests must still not add them.
   */
  clear(): void {
    this.nums.clear();
  }
}
