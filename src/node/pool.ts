/**
 * @module node/pool
 * The in-memory mirror of the durable pending bucket: transaction ids in arrival order. It only
 * ever holds ids that are already on disk; the store stays the source of truth after a restart.
 *
 * Every record passes through here twice (added when durable, removed when in a block), so ids
 * are not turned into strings: they are found by a small-integer key made of their first bytes
 * (they are SHA-256 outputs, so those are evenly spread) and compared in full on a hit. Arrival
 * order is a list of entries; a removed entry is marked dead and skipped, and the list is
 * compacted once most of it is dead.
 */
import type { ChainMove } from '../store/types.js';

interface Entry {
  id: Uint8Array;
  live: boolean;
}

/** 30 bits of the id: a V8 small integer, the cheapest Map key. */
const keyOf = (id: Uint8Array): number => id[0] | (id[1] << 8) | (id[2] << 16) | ((id[3] & 0x3f) << 24);

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Pool {
  /** Live entries by key; ids that share a key (rare) share an array. */
  private byKey = new Map<number, Entry | Entry[]>();
  /** Entries in arrival order from `first` on, dead ones included until compacted. */
  private order: Entry[] = [];
  private first = 0;
  private live = 0;

  constructor(initial: Iterable<Uint8Array> = []) {
    this.add(initial);
  }
  get size(): number {
    return this.live;
  }
  /** Adds ids not in the pool yet at the end; an id already in keeps its place. */
  add(ids: Iterable<Uint8Array>): void {
    for (const id of ids) {
      const k = keyOf(id);
      const at = this.byKey.get(k);
      if (at === undefined) this.byKey.set(k, this.push(id));
      else if (Array.isArray(at)) {
        if (!at.some((e) => same(e.id, id))) at.push(this.push(id));
      } else if (!same(at.id, id)) this.byKey.set(k, [at, this.push(id)]);
    }
  }
  has(id: Uint8Array): boolean {
    return this.find(id) !== undefined;
  }
  /** The oldest `n` ids, left in the pool until a block holding them is committed. */
  take(n: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.first < this.order.length && !this.order[this.first].live) this.first++;
    for (let i = this.first; i < this.order.length && out.length < n; i++) if (this.order[i].live) out.push(this.order[i].id);
    return out;
  }
  /** Applies a move of the canonical chain. */
  apply(move: ChainMove): void {
    this.add(move.repending);
    for (const c of move.connect) for (const id of c.txIds) this.remove(id);
    // Dead entries are dropped once they are most of the list (amortised O(1) per entry).
    if (this.order.length > 1024 && this.live * 2 < this.order.length) {
      this.order = this.order.filter((e) => e.live);
      this.first = 0;
    }
  }

  private push(id: Uint8Array): Entry {
    const e = { id, live: true };
    this.order.push(e);
    this.live++;
    return e;
  }
  private find(id: Uint8Array): Entry | undefined {
    const at = this.byKey.get(keyOf(id));
    if (at === undefined) return undefined;
    if (!Array.isArray(at)) return same(at.id, id) ? at : undefined;
    return at.find((e) => same(e.id, id));
  }
  private remove(id: Uint8Array): void {
    const k = keyOf(id);
    const at = this.byKey.get(k);
    if (at === undefined) return;
    if (!Array.isArray(at)) {
      if (!same(at.id, id)) return;
      this.byKey.delete(k);
      this.kill(at);
      return;
    }
    const i = at.findIndex((e) => same(e.id, id));
    if (i < 0) return;
    this.kill(at[i]);
    at.splice(i, 1);
    this.byKey.set(k, at.length === 1 ? at[0] : at);
  }
  private kill(e: Entry): void {
    e.live = false;
    this.live--;
  }
}
