/**
 * @module codec/idMap
 * A map keyed by 32-byte ids (transaction ids, block hashes: SHA-256 outputs) that never turns
 * an id into a string. The hot paths (the pending pool, a block's checks, the store's numbers of
 * pending records) touch every record, and a hex string per id per lookup was a large share of
 * their time and garbage.
 *
 * An id is found by a small-integer key made of its first bytes (SHA-256 outputs are evenly
 * spread, so keys rarely collide) and compared in full on a hit; ids that share a key share an
 * array. Lookups accept any Uint8Array view with the same bytes (ids come back from the store and
 * the network as other objects).
 */

/** 30 bits of the id: a V8 small integer, the cheapest Map key. */
export const idKeyOf = (id: Uint8Array): number => id[0] | (id[1] << 8) | (id[2] << 16) | ((id[3] & 0x3f) << 24);

/** Byte equality without allocating (codec/bytes `equal` is the general one; this is the hot loop). */
export function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Slot<V> {
  id: Uint8Array;
  value: V;
}

export class IdMap<V> {
  private byKey = new Map<number, Slot<V> | Slot<V>[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }
  get(id: Uint8Array): V | undefined {
    return this.slot(id)?.value;
  }
  has(id: Uint8Array): boolean {
    return this.slot(id) !== undefined;
  }
  /** Sets the value of `id`; keeps the id object of an entry that exists. */
  set(id: Uint8Array, value: V): this {
    const k = idKeyOf(id);
    const at = this.byKey.get(k);
    if (at === undefined) {
      this.byKey.set(k, { id, value });
      this.count++;
    } else if (Array.isArray(at)) {
      const s = at.find((e) => sameId(e.id, id));
      if (s) s.value = value;
      else {
        at.push({ id, value });
        this.count++;
      }
    } else if (sameId(at.id, id)) at.value = value;
    else {
      this.byKey.set(k, [at, { id, value }]);
      this.count++;
    }
    return this;
  }
  /** Adds `id` unless it is in; true when it was not (a set's "first time seen"). */
  add(id: Uint8Array, value: V): boolean {
    if (this.has(id)) return false;
    this.set(id, value);
    return true;
  }
  /** Removes `id`; its value, or undefined when it was not in. */
  take(id: Uint8Array): V | undefined {
    return this.remove(id)?.value;
  }
  /** Removes `id`; true when it was in. */
  delete(id: Uint8Array): boolean {
    return this.remove(id) !== undefined;
  }
  clear(): void {
    this.byKey.clear();
    this.count = 0;
  }
  /** Every entry, in no particular order (do not change the map while iterating). */
  *entries(): IterableIterator<[Uint8Array, V]> {
    for (const at of this.byKey.values()) {
      if (!Array.isArray(at)) yield [at.id, at.value];
      else for (const s of at) yield [s.id, s.value];
    }
  }

  private remove(id: Uint8Array): Slot<V> | undefined {
    const k = idKeyOf(id);
    const at = this.byKey.get(k);
    if (at === undefined) return undefined;
    let s: Slot<V> | undefined;
    if (!Array.isArray(at)) {
      if (!sameId(at.id, id)) return undefined;
      this.byKey.delete(k);
      s = at;
    } else {
      const i = at.findIndex((e) => sameId(e.id, id));
      if (i < 0) return undefined;
      [s] = at.splice(i, 1);
      this.byKey.set(k, at.length === 1 ? at[0] : at);
    }
    this.count--;
    return s;
  }
  private slot(id: Uint8Array): Slot<V> | undefined {
    const at = this.byKey.get(idKeyOf(id));
    if (at === undefined) return undefined;
    if (!Array.isArray(at)) return sameId(at.id, id) ? at : undefined;
    return at.find((e) => sameId(e.id, id));
  }
}
