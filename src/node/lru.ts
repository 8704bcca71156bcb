/**
 * @module node/lru
 * A small least-recently-used map for the query caches (Merkle levels of batches, blocks, chunks).
 */
/** A small least-recently-used map; `make` runs on a miss and may throw (nothing is kept then). */
export class Lru<V> {
  private m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string, make: () => V): V {
    let v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
      return v;
    }
    v = make();
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
    return v;
  }
}
