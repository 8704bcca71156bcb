/**
 * @module codec/idMap
 * A map keyed by 32-byte ids (transaction ids, block hashes: SHA-256 outputs) that never turns
 * an id into a string. The hot paths (the pending pool, a block's checks, the store's numbers of
 * pending records) touch every record, and a hex string per id per lookup was a large share of
 * their time and garbage.
 *
 * An id is found by a small-integer key made of its first bytes (SHA-256 outputs are evenly
 * spread, so keys rarely collide) and compared in full on a hit. Lookups accept any Uint8Array
 * view with the same bytes (ids come back from the store and the network as other objects).
 *
 * The table is open addressing over typed arrays (linear probing on the key, removals shift the
 * run back so no tombstones pile up), and it never shrinks. A JS Map rehashes all its entries in
 * one call whenever it doubles and again whenever removals leave it a quarter full: the pool and
 * the pending numbers fill up to a block's worth of ids and empty again every block, and each of
 * those rehashes held the node's thread 5-16 ms (a Map of 16,384 to 65,536 entries) right when
 * receipts waited. Here a table grows only to a size it has not had before; emptied, it keeps
 * its room, and so does its entry arena (removed entries are reused).
 *
 * The slot of an id is its key mixed with a random number drawn per process (multiply-shift), not
 * the key's low bits: ids come from peers, and one who made many whose keys share their low bits
 * (2^15 hashes each for a table of 32,768 slots) would pile them into one probe run. Sharing a
 * slot here without knowing the number takes ids with the same 30-bit key, 2^30 hashes each.
 *
 * A 32-byte id is copied into the table's own arena (32 bytes per entry), so the map keeps no
 * reference to the caller's object: the pool and the pending numbers hold a block's worth of ids
 * for up to a block time, and each id object they kept alive (~210 bytes) outlived the young
 * generation, ~9 MB/s at 24,000 records/s, garbage only a full collection frees (README, issue
 * 11's eleventh part). Keys of another length (batch signatures) are kept by reference.
 */
import { copyId, idIsAt } from './bytes.js';

/** 30 bits of the id that starts at `o` in `a` (an arena of ids, read in place): a V8 small integer. */
export const idKeyAt = (a: Uint8Array, o: number): number => a[o] | (a[o + 1] << 8) | (a[o + 2] << 16) | ((a[o + 3] & 0x3f) << 24);

/** 30 bits of the id: a V8 small integer, the cheapest Map key. */
export const idKeyOf = (id: Uint8Array): number => idKeyAt(id, 0);

/** Byte equality without allocating (codec/bytes `equal` is the general one; this is the hot loop). */
export function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A free slot (a slot holds its entry's index + 1), and a free entry (`kinds`). */
const FREE = 0;
/** An entry whose id is in the arena (ID bytes), or held by reference (another length). */
const FLAT = 1;
const HELD = 2;
/** The length of the ids kept flat: SHA-256 outputs. */
const ID = 32;
/** Mixed into every key before it picks a slot (see above); a test may pass its own. */
const SEED = globalThis.crypto.getRandomValues(new Int32Array(1))[0];
/** The multiplier of multiply-shift hashing (2^32 / the golden ratio, odd). */
const GOLDEN = 0x9e3779b1 | 0;

/**
 * The slot where the probe run of `key` (idKeyOf) starts in a table of 2^(32 - shift) slots: the
 * top bits of the key mixed with `seed` (multiply-shift). store/idTable.ts slots its ids the same way.
 */
export const homeSlot = (key: number, shift: number, seed = SEED): number => Math.imul(key ^ seed, GOLDEN) >>> shift;

export class IdMap<V> {
  /** Open addressing: entry index + 1, or FREE; a power of two, at least twice the entries. */
  private slots = new Int32Array(16);
  /** Per entry: its id's key (idKeyOf). */
  private keys = new Int32Array(8);
  /** Per entry: FREE, FLAT (its id is in `arena`) or HELD (its id is `held[e]`, another length). */
  private kinds = new Uint8Array(8);
  /** The 32-byte ids, entry e at e * ID. */
  private arena = new Uint8Array(8 * ID);
  /** Ids of another length than ID, by entry (undefined for flat and free entries). */
  private held: (Uint8Array | undefined)[] = [];
  private vals: (V | undefined)[] = [];
  /** Entries in use or spare (the arena's and `kinds`' length in use). */
  private entryCount = 0;
  /** Entries removed, to be reused before the arena grows. */
  private spare: number[] = [];
  private count = 0;

  /** `expected`: entries to make room for at once (no rehash on the way to that many). */
  constructor(
    expected = 0,
    private readonly seed = SEED,
  ) {
    let size = 16;
    while (size < expected * 2) size *= 2;
    if (size > 16) {
      this.slots = new Int32Array(size);
      this.room(size / 2);
    }
  }

  get size(): number {
    return this.count;
  }
  /** Slots the table has (tests: it grows only past its largest size, and never shrinks). */
  get capacity(): number {
    return this.slots.length;
  }
  get(id: Uint8Array): V | undefined {
    const s = this.find(id);
    return s < 0 ? undefined : this.vals[this.slots[s] - 1];
  }
  has(id: Uint8Array): boolean {
    return this.find(id) >= 0;
  }
  /** Sets the value of `id` (a 32-byte id is copied in: the map holds no reference to it). */
  set(id: Uint8Array, value: V): this {
    const s = this.find(id);
    if (s >= 0) {
      this.vals[this.slots[s] - 1] = value;
      return this;
    }
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    let e = this.spare.pop();
    if (e === undefined) {
      e = this.entryCount++;
      if (e === this.keys.length) this.room(e * 2);
      if (e === this.vals.length) this.vals.push(undefined);
    }
    this.keys[e] = idKeyOf(id);
    if (id.length === ID) {
      this.kinds[e] = FLAT;
      copyId(this.arena, e * ID, id);
    } else {
      this.kinds[e] = HELD;
      this.held[e] = id;
    }
    this.vals[e] = value;
    this.place(e);
    this.count++;
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
    const s = this.find(id);
    if (s < 0) return undefined;
    const e = this.slots[s] - 1;
    const value = this.vals[e];
    this.removeAt(s);
    return value;
  }
  /** Removes `id`; true when it was in. */
  delete(id: Uint8Array): boolean {
    const s = this.find(id);
    if (s < 0) return false;
    this.removeAt(s);
    return true;
  }
  /** Removes every entry; the table keeps its room. */
  clear(): void {
    this.slots.fill(FREE);
    this.kinds.fill(FREE, 0, this.entryCount);
    this.vals.fill(undefined, 0, this.entryCount); // the array keeps its room too
    if (this.held.length) this.held = [];
    this.spare = [];
    this.entryCount = 0;
    this.count = 0;
  }
  /** Every entry, in no particular order (do not change the map while iterating); a 32-byte id is a copy. */
  *entries(): IterableIterator<[Uint8Array, V]> {
    for (let e = 0; e < this.entryCount; e++) {
      const kind = this.kinds[e];
      if (kind !== FREE) yield [kind === FLAT ? this.arena.slice(e * ID, e * ID + ID) : this.held[e]!, this.vals[e] as V];
    }
  }

  /** The slot of `id`, or -1. */
  private find(id: Uint8Array): number {
    const key = idKeyOf(id);
    const mask = this.slots.length - 1;
    const flat = id.length === ID;
    for (let s = this.home(key); ; s = (s + 1) & mask) {
      const e = this.slots[s] - 1;
      if (e < 0) return -1;
      if (this.keys[e] === key && (flat ? this.kinds[e] === FLAT && idIsAt(this.arena, e * ID, id) : this.kinds[e] === HELD && sameId(this.held[e]!, id))) return s;
    }
  }
  /** Room for `entries` entries in the per-entry arrays. */
  private room(entries: number): void {
    if (entries <= this.keys.length) return;
    const keys = new Int32Array(entries);
    keys.set(this.keys);
    const kinds = new Uint8Array(entries);
    kinds.set(this.kinds);
    const arena = new Uint8Array(entries * ID);
    arena.set(this.arena);
    [this.keys, this.kinds, this.arena] = [keys, kinds, arena];
  }
  /** The slot a key's probe run starts at. */
  private home(key: number): number {
    return homeSlot(key, Math.clz32(this.slots.length - 1), this.seed);
  }
  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = this.home(this.keys[e]);
    while (this.slots[s] !== FREE) s = (s + 1) & mask;
    this.slots[s] = e + 1;
  }
  /**
   * Frees slot `s` and its entry, then moves back each later entry of the same run that may sit
   * in the hole (its home slot is not cyclically within (hole, its slot]), so every entry stays
   * reachable from its home slot without tombstones.
   */
  private removeAt(s: number): void {
    const e = this.slots[s] - 1;
    if (this.kinds[e] === HELD) this.held[e] = undefined;
    this.kinds[e] = FREE;
    this.vals[e] = undefined;
    this.spare.push(e);
    this.count--;
    const mask = this.slots.length - 1;
    let hole = s;
    this.slots[hole] = FREE;
    for (let j = (hole + 1) & mask; this.slots[j] !== FREE; j = (j + 1) & mask) {
      const home = this.home(this.keys[this.slots[j] - 1]);
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      this.slots[hole] = this.slots[j];
      this.slots[j] = FREE;
      hole = j;
    }
  }
  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let e = 0; e < this.entryCount; e++) if (this.kinds[e] !== FREE) this.place(e);
  }
}
