/**
 * @module store/idTable
 * A hash table from 32-byte ids to record numbers, in three typed arrays and no object per entry:
 * store/recentNumbers.ts keeps up to a few hundred thousand recent txIds in it, loaded at every
 * open, and a Map of objects that size cost seconds of garbage collection to build and scan
 * (measured: 2.0 s to load 2^18 ids into an IdMap under load, against tens of ms here).
 *
 * Entries are appended to an arena (ids 32 bytes each, numbers beside them); an open-addressing
 * slot array points into it, probed linearly from the id's first 30 bits mixed with a number drawn
 * per process (codec/idMap `homeSlot`: ids a peer ground to share their low bits do not pile up in
 * one run). Entries leave in bulk (deleteBelow: a merge's run), which compacts the arena and
 * rebuilds the slots.
 */
import { homeSlot, idKeyAt, idKeyOf } from '../codec/idMap.js';
import { copyId, idIsAt } from '../codec/bytes.js';

const ID = 32;
/** A free slot. A slot holds its entry's arena index + 1, so a new slot array (zeroed by the OS, page by page as touched) needs no fill. */
const EMPTY = 0;

export class IdTable {
  private ids = new Uint8Array(ID * 1024);
  private nums = new Float64Array(1024);
  /** Arena entries used, live or removed. */
  private used = 0;
  private live = 0;
  private slots = new Int32Array(2048);
  /** The largest live number, or -1 (kept as entries come and go: a flush asks for it in one turn). */
  private top = -1;

  get size(): number {
    return this.live;
  }
  /** Entries the arena holds without growing, and slots (twice the most entries before a rehash). */
  room(): { entries: number; slots: number } {
    return { entries: this.nums.length, slots: this.slots.length };
  }
  /** `id`: 32 bytes (a longer view is read to its first 32). */
  get(id: Uint8Array): number | undefined {
    const s = this.find(id);
    return s < 0 ? undefined : this.nums[this.slots[s] - 1];
  }
  has(id: Uint8Array): boolean {
    return this.find(id) >= 0;
  }
  /** Sets the number of `id` (a new entry, or the number of the one there). */
  set(id: Uint8Array, n: number): void {
    const s = this.find(id);
    if (s >= 0) {
      const old = this.nums[this.slots[s] - 1];
      this.nums[this.slots[s] - 1] = n;
      if (n > this.top) this.top = n;
      else if (old === this.top && n < old) this.top = this.scanTop();
      return;
    }
    if (this.used === this.nums.length) this.grow(this.nums.length * 2);
    if ((this.used + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const e = this.used++;
    copyId(this.ids, e * ID, id);
    this.nums[e] = n;
    this.place(e);
    this.live++;
    if (n > this.top) this.top = n;
  }
  /**
   * The arena as it is, without a copy: entry `e` < `used` has the id
   * `ids.subarray(e * 32, e * 32 + 32)` and the number `nums[e]` (negative: removed). Sets leave
   * those entries as they are (new ones go past `used`, a growth moves the table to new arrays)
   * until the next deleteBelow, which compacts the arena in place; and a number changes only by a
   * set of the same id. Copying a merge's 2 million ids instead held the thread 0.3-0.8 s (first
   * touches of a fresh 64 MB).
   */
  arena(): { ids: Uint8Array; nums: Float64Array; used: number } {
    return { ids: this.ids, nums: this.nums, used: this.used };
  }
  /**
   * Room for `n` entries without a growth or a rehash on the way (a growth copies the arena and a
   * rehash re-places every entry, each in one turn).
   */
  reserve(n: number): void {
    let cap = this.nums.length;
    while (cap < n) cap *= 2;
    if (cap > this.nums.length) this.grow(cap);
    let slots = this.slots.length;
    while (slots < n * 2) slots *= 2;
    if (slots > this.slots.length) this.rehash(slots);
  }
  /** The live entries numbered below `below`, copied (ids in one buffer, 32 bytes each): safe to keep while the table changes. */
  snapshot(below = Infinity): { ids: Uint8Array; nums: Float64Array } {
    let count = 0;
    for (let e = 0; e < this.used; e++) if (this.nums[e] >= 0 && this.nums[e] < below) count++;
    const ids = new Uint8Array(count * ID);
    const nums = new Float64Array(count);
    let j = 0;
    for (let e = 0; e < this.used; e++)
      if (this.nums[e] >= 0 && this.nums[e] < below) {
        copyId(ids, j * ID, this.ids, e * ID);
        nums[j++] = this.nums[e];
      }
    return { ids, nums };
  }

  /** Removes every entry numbered below `below`. */
  deleteBelow(below: number): void {
    for (let e = 0; e < this.used; e++)
      if (this.nums[e] >= 0 && this.nums[e] < below) {
        this.nums[e] = -1;
        this.live--;
      }
    this.compact(); // removed entries' slots are not marked: the rebuild drops them
  }
  /** The largest live number, or -1. */
  maxNumber(): number {
    return this.top;
  }
  /**
   * Empties the table and keeps its room (arena and slots): a flush's table, once its run is
   * listed, takes the next flush's ids instead of a new table (a new one's 24 MB of arrays at every
   * flush set off a full garbage collection under load). The slots are zeroed, ~1 ms for 2^20.
   */
  clear(): void {
    this.slots.fill(EMPTY);
    this.used = 0;
    this.live = 0;
    this.top = -1;
  }
  private scanTop(): number {
    let m = -1;
    for (let e = 0; e < this.used; e++) if (this.nums[e] > m) m = this.nums[e];
    return m;
  }

  /** The slot a key's probe run starts at (codec/idMap `homeSlot`). */
  private home(key: number): number {
    return homeSlot(key, Math.clz32(this.slots.length - 1));
  }
  /** The slot holding `id`, or -1. */
  private find(id: Uint8Array): number {
    const mask = this.slots.length - 1;
    for (let s = this.home(idKeyOf(id)); ; s = (s + 1) & mask) {
      const e = this.slots[s] - 1;
      if (e < 0) return -1;
      if (idIsAt(this.ids, e * ID, id)) return s;
    }
  }
  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = this.home(idKeyAt(this.ids, e * ID));
    while (this.slots[s] !== EMPTY) s = (s + 1) & mask;
    this.slots[s] = e + 1;
  }
  private grow(entries: number): void {
    const ids = new Uint8Array(entries * ID);
    ids.set(this.ids);
    const nums = new Float64Array(entries);
    nums.set(this.nums);
    [this.ids, this.nums] = [ids, nums];
  }
  private rehash(size: number): void {
    if (size === this.slots.length) this.slots.fill(EMPTY);
    else this.slots = new Int32Array(size);
    for (let e = 0; e < this.used; e++) if (this.nums[e] >= 0) this.place(e);
  }
  /**
   * Drops removed entries from the arena and rebuilds the slots, keeping the room of both: the
   * table fills up to the same size again before the next merge, and shrinking it made that
   * refill grow and rehash it a dozen times, each in one turn of an ingest.
   */
  private compact(): void {
    const { ids, nums } = this.snapshot();
    this.ids.set(ids);
    this.nums.set(nums);
    this.used = this.live;
    this.top = this.scanTop();
    let size = this.slots.length;
    while (size < this.live * 2) size *= 2;
    this.rehash(size);
  }
}
