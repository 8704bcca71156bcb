/**
 * @module node/pool
 * The in-memory mirror of the durable pending bucket: transaction ids in the store's order (the
 * order of their record numbers: arrival order). It only ever holds ids that are already on disk;
 * the store stays the source of truth after a restart.
 *
 * Every record passes through here twice (added when durable, removed when in a block), so ids
 * are found without strings (codec/idMap). Arrival order is a ring of ids, 32 bytes each, by
 * position (absolute; slot p mod its size); a removed id's position is marked dead and skipped,
 * and a dead one is written over once every position before it is dead too. No object per id,
 * and no buffer per block but `take`'s: the pool holds a block time of ids, and an object each
 * (the id and an entry, ~250 bytes) was promoted out of the young generation at every block,
 * ~9 MB/s at 24,000 records/s, which set off a full collection every few seconds (README,
 * issue 11's eleventh part); buffers that outlive a block time are promoted the same way, and
 * V8 counts their bytes as external memory, whose growth sets off full collections too.
 *
 * A reorganisation puts records back where they arrived on disk (a repended record keeps its
 * number), not at the end: the pool then takes its order from the store again, so a running node
 * builds its next blocks in the order a restarted one would.
 */
import type { ChainMove } from '../store/types.js';
import { IdMap } from '../codec/idMap.js';
import { copyId } from '../codec/bytes.js';
import { Turns } from '../turns.js';

const ID = 32;
/** Slots of a new ring (a power of two). */
const FIRST_RING = 1024;
/** Positions stay below this (V8 small integers: a larger value in `byId` is an object per id); then they start over. */
const POSITION_LIMIT = 2 ** 30;

export class Pool {
  /** Live ids by id: their position. */
  private byId = new IdMap<number>();
  /** The ring: the id at position p at (p & mask) * ID. */
  private ids = new Uint8Array(FIRST_RING * ID);
  /** 1 where the id at a position was removed (slot p & mask). */
  private dead = new Uint8Array(FIRST_RING);
  private mask = FIRST_RING - 1;
  /** Positions before this one are dead (their slots free). */
  private first = 0;
  /** The next position. */
  private end = 0;

  /**
   * `initial`: the store's pending ids, in its order. `diskOrder`: reads that order again (the
   * store's `pending()`), for a move that puts records back; without it they go to the end.
   */
  constructor(
    initial: Iterable<Uint8Array> = [],
    private readonly diskOrder?: () => Iterable<Uint8Array>,
    /** Positions start over at this one (tests: a smaller one). */
    private readonly positionLimit = POSITION_LIMIT,
  ) {
    this.add(initial);
  }
  get size(): number {
    return this.byId.size; // the live ids
  }
  /** Adds ids not in the pool yet at the end; an id already in keeps its place. */
  add(ids: Iterable<Uint8Array>): void {
    for (const id of ids) if (!this.byId.has(id)) this.push(id);
  }
  has(id: Uint8Array): boolean {
    return this.byId.has(id);
  }
  /**
   * The oldest `n` ids, left in the pool until a block holding them is committed: views into one
   * new buffer of their own (they may be kept as long as the block is; the ring changes).
   */
  take(n: number): Uint8Array[] {
    this.skipDead();
    const count = Math.min(n, this.size);
    const flat = new Uint8Array(count * ID);
    const out: Uint8Array[] = new Array(count);
    for (let p = this.first, k = 0; k < count; p++)
      if (!this.dead[p & this.mask]) {
        copyId(flat, k * ID, this.ids, (p & this.mask) * ID);
        out[k] = flat.subarray(k * ID, k * ID + ID);
        k++;
      }
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
        const p = this.byId.take(c.txIds[i]);
        if (p !== undefined) this.dead[p & this.mask] = 1;
      }
    this.skipDead();
    if (move.repending.length && this.diskOrder) this.reorder(this.diskOrder());
  }

  /**
   * Orders the live ids as `ids` (the store's pending order) lists them. The store may also hold
   * records whose commit is not durable yet: not in the pool, so passed over. A live id it does
   * not list (none should be) keeps its place after the others.
   */
  private reorder(ids: Iterable<Uint8Array>): void {
    const placed = new Set<number>();
    const order: number[] = [];
    for (const id of ids) {
      const p = this.byId.get(id);
      if (p !== undefined && !placed.has(p)) {
        placed.add(p);
        order.push(p);
      }
    }
    for (let p = this.first; p < this.end; p++) if (!this.dead[p & this.mask] && !placed.has(p)) order.push(p);
    this.rewrite(order);
  }
  /** The slot of position `p` in the ring (a view: read it before the ring changes). */
  private slot(p: number): Uint8Array {
    const o = (p & this.mask) * ID;
    return this.ids.subarray(o, o + ID);
  }
  private skipDead(): void {
    while (this.first < this.end && this.dead[this.first & this.mask]) this.first++;
  }
  private push(id: Uint8Array): void {
    if (this.end >= this.positionLimit) this.rewrite(this.livePositions(), 0);
    if (this.end - this.first === this.dead.length) this.makeRoom();
    copyId(this.ids, (this.end & this.mask) * ID, id);
    this.dead[this.end & this.mask] = 0;
    this.byId.set(id, this.end++);
  }
  /**
   * The ring is full from `first` to `end`. Mostly live: a ring twice the size, positions kept.
   * Mostly dead (some id before them stays in the pool, while blocks take later ones): the live
   * ids move up to new positions, in order, and the dead ones are dropped.
   */
  private makeRoom(): void {
    if (this.size * 2 > this.dead.length) {
      const ring = this.dead.length * 2;
      const [ids, dead, mask] = [new Uint8Array(ring * ID), new Uint8Array(ring), ring - 1];
      for (let p = this.first; p < this.end; p++) {
        copyId(ids, (p & mask) * ID, this.ids, (p & this.mask) * ID);
        dead[p & mask] = this.dead[p & this.mask];
      }
      [this.ids, this.dead, this.mask] = [ids, dead, mask];
      return;
    }
    this.rewrite(this.livePositions());
  }
  private livePositions(): number[] {
    const order: number[] = [];
    for (let p = this.first; p < this.end; p++) if (!this.dead[p & this.mask]) order.push(p);
    return order;
  }
  /** Writes the live ids at positions `order`, in that order, to new positions from `from` on (a new ring). */
  private rewrite(order: number[], from = this.end): void {
    let ring = this.dead.length;
    while (order.length * 2 > ring) ring *= 2;
    const [ids, dead, mask] = [new Uint8Array(ring * ID), new Uint8Array(ring), ring - 1];
    for (let k = 0; k < order.length; k++) {
      const id = this.slot(order[k]);
      copyId(ids, ((from + k) & mask) * ID, id);
      this.byId.set(id, from + k);
    }
    [this.ids, this.dead, this.mask, this.first, this.end] = [ids, dead, mask, from, from + order.length];
  }
}
