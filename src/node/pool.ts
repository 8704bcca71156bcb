/**
 * @module node/pool
 * The in-memory mirror of the durable pending bucket: transaction ids in the store's order (the
 * order of their record numbers: arrival order). It only ever holds ids that are already on disk;
 * the store stays the source of truth after a restart.
 *
 * Every record passes through here twice (added when durable, removed when in a block), so ids
 * are found without strings (codec/idMap). Arrival order is a list of entries; a removed entry
 * is marked dead and skipped, and the list is compacted once most of it is dead.
 *
 * A reorganisation puts records back where they arrived on disk (a repended record keeps its
 * number), not at the end: the pool then takes its order from the store again, so a running node
 * builds its next blocks in the order a restarted one would.
 */
import type { ChainMove } from '../store/types.js';
import { IdMap } from '../codec/idMap.js';
import { Turns } from '../turns.js';

interface Entry {
  id: Uint8Array;
  live: boolean;
}

export class Pool {
  /** Live entries by id. */
  private byId = new IdMap<Entry>();
  /** Entries in arrival order from `first` on, dead ones included until compacted. */
  private order: Entry[] = [];
  private first = 0;
  private live = 0;

  /**
   * `initial`: the store's pending ids, in its order. `diskOrder`: reads that order again (the
   * store's `pending()`), for a move that puts records back; without it they go to the end.
   */
  constructor(
    initial: Iterable<Uint8Array> = [],
    private readonly diskOrder?: () => Iterable<Uint8Array>,
  ) {
    this.add(initial);
  }
  get size(): number {
    return this.live;
  }
  /** Adds ids not in the pool yet at the end; an id already in keeps its place. */
  add(ids: Iterable<Uint8Array>): void {
    for (const id of ids) if (!this.byId.has(id)) this.byId.set(id, this.push(id));
  }
  has(id: Uint8Array): boolean {
    return this.byId.has(id);
  }
  /** The oldest `n` ids, left in the pool until a block holding them is committed. */
  take(n: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.first < this.order.length && !this.order[this.first].live) this.first++;
    for (let i = this.first; i < this.order.length && out.length < n; i++) if (this.order[i].live) out.push(this.order[i].id);
    return out;
  }
  /** Applies a move of the canonical chain (once it is durable: the store already holds it). */
  apply(move: ChainMove): void {
    for (const _ of this.applying(move));
  }
  /**
   * apply, in turns (src/turns.ts): a producer's block of 26,000 records took 3 ms in one piece.
   * Meanwhile the pool may still list some of the block's records: adds of new records are
   * unaffected, and the block path awaits it (ledger/blocktree.ts `afterMove`), so no block is
   * made or checked against it before it is done.
   */
  async applyInTurns(move: ChainMove, turns = new Turns()): Promise<void> {
    for (const _ of this.applying(move)) if (turns.due()) await turns.next();
  }
  /** apply's steps; it yields every 256 records, where it may give the event loop back. */
  private *applying(move: ChainMove): Generator<void> {
    this.add(move.repending);
    for (const c of move.connect)
      for (let i = 0; i < c.txIds.length; i++) {
        if ((i & 255) === 255) yield;
        const e = this.byId.take(c.txIds[i]);
        if (e) this.kill(e);
      }
    if (move.repending.length && this.diskOrder) this.reorder(this.diskOrder());
    // Dead entries are dropped once they are most of the list (amortised O(1) per entry).
    else if (this.order.length > 1024 && this.live * 2 < this.order.length) {
      this.order = this.order.filter((e) => e.live);
      this.first = 0;
    }
  }

  /**
   * Orders the live entries as `ids` (the store's pending order) lists them. The store may also
   * hold records whose commit is not durable yet: not in the pool, so passed over. A live entry
   * it does not list (none should be) keeps its place after the others.
   */
  private reorder(ids: Iterable<Uint8Array>): void {
    const out: Entry[] = [];
    const placed = new Set<Entry>();
    for (const id of ids) {
      const e = this.byId.get(id);
      if (e && !placed.has(e)) {
        placed.add(e);
        out.push(e);
      }
    }
    for (let i = this.first; i < this.order.length; i++) if (this.order[i].live && !placed.has(this.order[i])) out.push(this.order[i]);
    this.order = out;
    this.first = 0;
  }
  private push(id: Uint8Array): Entry {
    const e = { id, live: true };
    this.order.push(e);
    this.live++;
    return e;
  }
  private kill(e: Entry): void {
    e.live = false;
    this.live--;
  }
}
