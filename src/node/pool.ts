/**
 * @module node/pool
 * The in-memory mirror of the durable pending bucket: transaction ids in arrival order. It only
 * ever holds ids that are already on disk; the store stays the source of truth after a restart.
 */
import { toHex } from '../codec/bytes.js';
import type { ChainMove } from '../store/types.js';

export class Pool {
  private ids = new Map<string, Uint8Array>();

  constructor(initial: Iterable<Uint8Array> = []) {
    for (const id of initial) this.ids.set(toHex(id), id);
  }
  get size(): number {
    return this.ids.size;
  }
  add(ids: Iterable<Uint8Array>): void {
    for (const id of ids) this.ids.set(toHex(id), id);
  }
  has(id: Uint8Array): boolean {
    return this.ids.has(toHex(id));
  }
  /** The oldest `n` ids, left in the pool until a block holding them is committed. */
  take(n: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const id of this.ids.values()) {
      if (out.length >= n) break;
      out.push(id);
    }
    return out;
  }
  /** Applies a move of the canonical chain. */
  apply(move: ChainMove): void {
    this.add(move.repending);
    for (const c of move.connect) for (const id of c.txIds) this.ids.delete(toHex(id));
  }
}
