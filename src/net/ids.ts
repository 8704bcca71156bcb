/**
 * @module net/ids
 * A bounded "seen lately" set of ids for a follower's hot path (flood's recent batch signatures),
 * on codec/idMap: no hex string per id.
 */
import { IdMap } from '../codec/idMap.js';

/**
 * An IdMap that forgets its oldest entries beyond `max` (insertion order; setting an id again
 * does not renew it), for "seen lately" sets that must stay bounded.
 */
export class RecentIds<V> {
  private readonly map = new IdMap<V>();
  private readonly order: Uint8Array[] = [];
  private head = 0;

  constructor(private readonly max: number) {}

  get(id: Uint8Array): V | undefined {
    return this.map.get(id);
  }

  set(id: Uint8Array, v: V): void {
    const had = this.map.has(id);
    this.map.set(id, v);
    if (had) return;
    this.order.push(id);
    if (this.order.length - this.head > this.max) this.map.delete(this.order[this.head++]);
    // The forgotten part of the list is dropped once it is half of it (amortised O(1)).
    if (this.head > this.max) this.order.splice(0, this.head), (this.head = 0);
  }
}
