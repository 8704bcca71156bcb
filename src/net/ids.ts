/**
 * @module net/ids
 * Sets and maps keyed by 32-byte ids (transaction ids, signatures' first bytes) on a follower's
 * hot path without a hex string per id: the key is a V8 small integer made of the id's first
 * bytes (SHA-256 outputs and signatures are evenly spread), and the id is compared in full on a
 * hit, so two ids that share a key (rare) are still told apart. node/pool keys its entries the
 * same way; net cannot import from node, which imports net.
 */

/** 30 bits of the bytes: a V8 small integer, the cheapest Map key. */
export const smallKey = (id: Uint8Array): number => id[0] | (id[1] << 8) | (id[2] << 16) | ((id[3] & 0x3f) << 24);

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A map from ids to values; `id` is kept as given (not copied). */
export class IdMap<V> {
  private byKey = new Map<number, { id: Uint8Array; v: V } | { id: Uint8Array; v: V }[]>();
  private n = 0;

  get size(): number {
    return this.n;
  }

  get(id: Uint8Array): V | undefined {
    const at = this.byKey.get(smallKey(id));
    if (at === undefined) return undefined;
    if (!Array.isArray(at)) return sameBytes(at.id, id) ? at.v : undefined;
    return at.find((e) => sameBytes(e.id, id))?.v;
  }

  has(id: Uint8Array): boolean {
    return this.get(id) !== undefined;
  }

  set(id: Uint8Array, v: V): void {
    const k = smallKey(id);
    const at = this.byKey.get(k);
    if (at === undefined) {
      this.byKey.set(k, { id, v });
      this.n++;
    } else if (Array.isArray(at)) {
      const e = at.find((x) => sameBytes(x.id, id));
      if (e) e.v = v;
      else at.push({ id, v }), this.n++;
    } else if (sameBytes(at.id, id)) at.v = v;
    else this.byKey.set(k, [at, { id, v }]), this.n++;
  }

  delete(id: Uint8Array): boolean {
    const k = smallKey(id);
    const at = this.byKey.get(k);
    if (at === undefined) return false;
    if (!Array.isArray(at)) {
      if (!sameBytes(at.id, id)) return false;
      this.byKey.delete(k);
    } else {
      const i = at.findIndex((x) => sameBytes(x.id, id));
      if (i < 0) return false;
      at.splice(i, 1);
      if (at.length === 1) this.byKey.set(k, at[0]);
    }
    this.n--;
    return true;
  }
}

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
