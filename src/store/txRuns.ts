/**
 * @module store/txRuns
 * Store format 5's txId -> record number index of merged records: immutable sorted runs, each
 * written once from front to back, instead of one B-tree (`recordnumbers`, format 4) that every
 * merge rewrote at random pages. store/txIndex.ts flushes the recent ids (store/recentNumbers.ts)
 * into a new run and merges runs of similar size into one; this module reads and writes runs.
 *
 * Why: format 4 merged a quarter-million recent txIds at a time into `recordnumbers`, a B-tree
 * keyed by SHA-256 outputs, so a merge touched a random leaf per id: at 10 million records it
 * rewrote most of the tree's 180,000 leaves each time (copy-on-write), and ingest ran at 0.63x
 * the rate of a fresh chain (0.86x with merges turned off; write_bytes 4.2 KB per record on a
 * fresh chain against 2.9 KB without merges). A run is written by appends only, and a merge of
 * two runs reads both in key order and appends the result: each id is rewritten about
 * log2(records / flush size) times, 40 bytes at a time, in order.
 *
 * On disk (urchain-formats(5), LMDB STORE):
 * - `txruns`: key run id (uint32 BE) || block index (uint32 BE) -> a block: up to 48 entries of
 *   txId (32 bytes) || record number (8 bytes BE), in txId order; every block of a run but its
 *   last holds 48 (1,920 bytes: two blocks fill a 4 KiB page without an overflow page).
 * - `txfences`: key run id || row index (uint32 BE each) -> the first 8 bytes of the first txId
 *   of each block, 240 blocks to a row, in block order: what a lookup keeps in memory to find the
 *   one block a txId can be in.
 * - meta `txruns`: the live runs, oldest first: a canonical CBOR array of [run id, entries]. Keys
 *   of a run it does not name are left over (a run cut short, a run merged away) and removed.
 * A txId is in a run if its block holds it; a lookup asks the newest run first. The same txId may
 * be in two runs (a flush cut short after its run was listed writes it again), always under the
 * same number; a merge keeps one.
 */
import type { Database } from 'lmdb';
import { encode, decode, asArray, asUint } from '../codec/cbor.js';
import { UrchainError } from '../errors.js';
import { recordNumberAt, writeRecordNumber } from './buckets.js';
import { u32At, copyId } from '../codec/bytes.js';

type Bin = Database<Buffer, Buffer>;

export const ENTRY_BYTES = 40;
/** Entries per block: 1,920 bytes, so two blocks and their keys fit a 4 KiB LMDB page (an LMDB node above 2,040 bytes goes to an overflow page). */
export const ENTRIES_PER_BLOCK = 48;
/** Fences per `txfences` row: 1,920 bytes. */
export const FENCES_PER_ROW = 240;
const BLOCK_BYTES = ENTRY_BYTES * ENTRIES_PER_BLOCK;
const APPEND = { append: true };

/**
 * Puts `rows` (ascending keys) into `db`, as appends (MDB_APPEND: pages fill up) when they come
 * after its last key: a run's keys usually do, but not while a flush writes a newer run in the
 * middle of a merge's. LMDB refuses an append below the last key; lmdb-js then answers false,
 * which must not pass silently (the run would be listed without its block).
 */
function put(db: Bin, rows: [Buffer, Buffer][]): void {
  if (!rows.length) return;
  let last: Buffer | undefined;
  for (const k of db.getKeys({ reverse: true, limit: 1 }) as Iterable<Buffer>) last = k;
  const o = last === undefined || Buffer.compare(rows[0][0], last) > 0 ? APPEND : undefined;
  for (const [k, v] of rows) if ((db.putSync(k, v, o as never) as unknown) === false) throw UrchainError.STORE(`could not write key ${k.toString('hex')} of a txId run`);
}

/** A key of `txruns` or `txfences`: run id || index, 8 bytes. */
export function runKey(run: number, i: number, out: Buffer = Buffer.allocUnsafe(8)): Buffer {
  out.writeUInt32BE(run, 0);
  out.writeUInt32BE(i, 4);
  return out;
}

export interface RunInfo {
  id: number;
  entries: number;
}

/** The meta row `txruns`: [[run id, entries], ...], oldest first. */
export const runListCodec = {
  encode: (runs: readonly RunInfo[]): Uint8Array => encode(runs.map((r) => [r.id, r.entries])),
  decode(b: Uint8Array): RunInfo[] {
    const v = decode(b);
    if (!Array.isArray(v)) throw UrchainError.STORE('the meta row txruns is not a list: the store is damaged');
    return v.map((x) => {
      const a = asArray(x, 2, 'txId run');
      return { id: asUint(a[0], 'run id'), entries: asUint(a[1], 'run entries') };
    });
  },
};

const blocksOf = (entries: number) => Math.ceil(entries / ENTRIES_PER_BLOCK);
/** Compares 32 bytes of `a` at `ao` with 32 bytes of `b` at `bo`. */
export function compareIds(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  for (let i = 0; i < 32; i++) {
    const d = a[ao + i] - b[bo + i];
    if (d !== 0) return d;
  }
  return 0;
}

/** The first 8 bytes of each block's first txId, as two uint32 arrays: the block a txId can be in. */
export class Fences {
  hi: Uint32Array;
  lo: Uint32Array;
  length = 0;
  constructor(capacity = 16) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
  }
  push(id: Uint8Array, o: number): void {
    if (this.length === this.hi.length) {
      const [hi, lo] = [new Uint32Array(this.length * 2), new Uint32Array(this.length * 2)];
      hi.set(this.hi);
      lo.set(this.lo);
      [this.hi, this.lo] = [hi, lo];
    }
    this.hi[this.length] = u32At(id, o);
    this.lo[this.length++] = u32At(id, o + 4);
  }
  /** The last block whose fence is <= (hi, lo); -1 if none. */
  find(hi: number, lo: number): number {
    let [a, b] = [0, this.length]; // the answer + 1 is in [a, b]
    while (a < b) {
      const m = (a + b) >>> 1;
      const h = this.hi[m];
      if (h < hi || (h === hi && this.lo[m] <= lo)) a = m + 1;
      else b = m;
    }
    return a - 1;
  }
  same(i: number, hi: number, lo: number): boolean {
    return this.hi[i] === hi && this.lo[i] === lo;
  }
  /** `txfences` rows of these fences, from row 0. */
  rows(): Buffer[] {
    const out: Buffer[] = [];
    for (let r = 0; r * FENCES_PER_ROW < this.length; r++) {
      const n = Math.min(FENCES_PER_ROW, this.length - r * FENCES_PER_ROW);
      const row = Buffer.allocUnsafe(n * 8);
      for (let i = 0; i < n; i++) {
        row.writeUInt32BE(this.hi[r * FENCES_PER_ROW + i], i * 8);
        row.writeUInt32BE(this.lo[r * FENCES_PER_ROW + i], i * 8 + 4);
      }
      out.push(row);
    }
    return out;
  }
  /** Fences of `blocks` blocks from their rows. */
  static fromRows(rows: Iterable<Buffer>, blocks: number): Fences {
    const f = new Fences(Math.max(1, blocks));
    for (const row of rows) for (let o = 0; o + 8 <= row.length; o += 8) f.push(row, o);
    if (f.length !== blocks) throw UrchainError.STORE(`a txId run has ${f.length} fences for ${blocks} blocks: the store is damaged`);
    return f;
  }
}

/** A live run: its id, entries and fences. */
export interface Run extends RunInfo {
  fences: Fences;
}

/**
 * Builds a new run from entries given in ascending txId order (an entry equal to the one before
 * is dropped: one txId is always under one number). Full blocks wait in `take()` for the
 * caller's commit; `finish()` gives the last block and the fence rows.
 */
export class RunBuilder {
  entries = 0;
  readonly fences = new Fences(64);
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private inBlock = 0;
  private full: [Buffer, Buffer][] = [];
  private blockIndex = 0;
  private last = new Uint8Array(32);
  constructor(readonly id: number) {}

  /** Adds txId `id[o..o+32]` under number `n`. */
  add(id: Uint8Array, o: number, n: number): void {
    const block = this.block;
    const at = this.inBlock * ENTRY_BYTES;
    if (this.entries > 0) {
      // Against the entry before: in this block, or the last of the block before (kept in `last`).
      const c = this.inBlock > 0 ? compareIds(id, o, block, at - ENTRY_BYTES) : compareIds(id, o, this.last, 0);
      if (c === 0) return;
      if (c < 0) throw UrchainError.STORE('txId run entries out of order (a bug)');
    }
    if (this.inBlock === 0) this.fences.push(id, o);
    copyId(block, at, id, o);
    writeRecordNumber(n, block, at + 32);
    this.entries++;
    if (++this.inBlock === ENTRIES_PER_BLOCK) this.flushBlock();
  }
  /** Adds entry `i` of a block (as stored). */
  addEntry(block: Uint8Array, i: number): void {
    this.add(block, i * ENTRY_BYTES, recordNumberAt(block, i * ENTRY_BYTES + 32));
  }
  /** Full blocks not yet taken: [key, value], in key order. */
  take(): [Buffer, Buffer][] {
    const out = this.full;
    this.full = [];
    return out;
  }
  /** How many full blocks wait. */
  get waiting(): number {
    return this.full.length;
  }
  /** The rest: the last blocks, then the fence rows ([key, value] for `txfences`). */
  finish(): { blocks: [Buffer, Buffer][]; fences: [Buffer, Buffer][] } {
    if (this.inBlock > 0) this.flushBlock();
    return { blocks: this.take(), fences: this.fences.rows().map((row, r) => [runKey(this.id, r), row]) };
  }
  private flushBlock(): void {
    const end = this.inBlock * ENTRY_BYTES;
    this.last.set(this.block.subarray(end - ENTRY_BYTES, end - 8));
    this.full.push([runKey(this.id, this.blockIndex++), Buffer.from(this.block.subarray(0, end))]);
    this.inBlock = 0;
  }
}

/** Reads a run's entries in order, a block at a time (each block copied out of the map). */
export class RunReader {
  block: Buffer = Buffer.alloc(0);
  /** Entry index in `block`. */
  at = 0;
  private next = 0;
  private readonly key = Buffer.allocUnsafe(8);
  constructor(
    private readonly blocks: Bin,
    readonly run: RunInfo,
  ) {
    this.load();
  }
  get done(): boolean {
    return this.at * ENTRY_BYTES >= this.block.length;
  }
  /** Moves to the next entry. */
  advance(): void {
    if (++this.at * ENTRY_BYTES >= this.block.length) this.load();
  }
  private load(): void {
    this.at = 0;
    if (this.next >= blocksOf(this.run.entries)) {
      this.block = Buffer.alloc(0);
      return;
    }
    const v = this.blocks.getBinaryFast(runKey(this.run.id, this.next++, this.key));
    if (!v || v.length === 0 || v.length % ENTRY_BYTES) throw UrchainError.STORE(`block ${this.next - 1} of txId run ${this.run.id} is missing or damaged`);
    this.block = Buffer.from(v.subarray(0, v.length)); // a copy: the next read reuses lmdb-js's buffer (whose length property lmdb-js sets: a plain Buffer.from(v) reads past it)
  }
}

/**
 * Merges `readers` (runs, any number) into `out`, at most `limit` entries this call; true when
 * every reader is done. The smallest current txId goes first; an equal one from another run is
 * the same record (one txId, one number) and is dropped by the builder.
 */
export function mergeInto(readers: RunReader[], out: RunBuilder, limit: number): boolean {
  for (let k = 0; k < limit; k++) {
    let best: RunReader | undefined;
    for (const r of readers) if (!r.done && (!best || compareIds(r.block, r.at * ENTRY_BYTES, best.block, best.at * ENTRY_BYTES) < 0)) best = r;
    if (!best) return true;
    out.addEntry(best.block, best.at);
    best.advance();
  }
  return readers.every((r) => r.done);
}

/**
 * The live runs of a store and the lookups in them. The writer changes the list (`replace`)
 * and nobody else does; a reader (another process) reads the meta row again at each lookup and
 * reloads the list and fences when it changed: in one LMDB read snapshot the listed runs'
 * blocks are always there (the writer removes a run's keys only in commits after the one that
 * took it off the list).
 */
export class TxRuns {
  runs: Run[] = [];
  private given = -1;
  private row: Buffer | undefined;
  private readonly key = Buffer.allocUnsafe(8);

  constructor(
    private readonly blocks: Bin,
    private readonly fenceRows: Bin,
    private readonly meta: { get(): Buffer | undefined; set(v: Buffer): void },
    private readonly readOnly: boolean,
  ) {
    this.load();
  }

  /** The record number of `txId` in the newest run that holds it. */
  numberOf(txId: Uint8Array): number | undefined {
    if (this.readOnly) this.refresh();
    const hi = u32At(txId, 0);
    const lo = u32At(txId, 4);
    for (let r = this.runs.length - 1; r >= 0; r--) {
      const run = this.runs[r];
      for (let b = run.fences.find(hi, lo); b >= 0; b--) {
        const v = this.blocks.getBinaryFast(runKey(run.id, b, this.key));
        if (v === undefined) throw UrchainError.STORE(`block ${b} of txId run ${run.id} is missing: the store is damaged`);
        let [x, y] = [0, (v.length / ENTRY_BYTES) | 0];
        while (x < y) {
          const m = (x + y) >>> 1;
          const c = compareIds(v, m * ENTRY_BYTES, txId, 0);
          if (c === 0) return recordNumberAt(v, m * ENTRY_BYTES + 32);
          if (c < 0) x = m + 1;
          else y = m;
        }
        if (!run.fences.same(b, hi, lo)) break; // an equal 8-byte prefix may also end the block before
      }
    }
    return undefined;
  }
  /** Inside the commit that lists them: the live runs become `runs` (oldest first). The caller sets `this.runs` once that commit is durable (`adopt`). */
  writeList(runs: readonly RunInfo[]): void {
    this.meta.set(Buffer.from(runListCodec.encode(runs)));
  }
  /** The list written by a durable commit, with the fences of new runs. */
  adopt(runs: Run[]): void {
    this.runs = runs;
  }
  /** A reader of `run`'s entries in order. */
  reader(run: RunInfo): RunReader {
    return new RunReader(this.blocks, run);
  }
  /** Inside a commit: writes built blocks of a run. */
  putBlocks(rows: [Buffer, Buffer][]): void {
    put(this.blocks, rows);
  }
  putFences(rows: [Buffer, Buffer][]): void {
    put(this.fenceRows, rows);
  }
  /** An id above every run id on disk, listed or left over, and every one given out before (a run being written may have no key yet). */
  nextId(): number {
    let id = this.runs.reduce((m, r) => Math.max(m, r.id + 1), this.given + 1);
    for (const db of [this.blocks, this.fenceRows]) for (const k of db.getKeys({ reverse: true, limit: 1 }) as Iterable<Buffer>) id = Math.max(id, k.readUInt32BE(0) + 1);
    return (this.given = id);
  }
  /** Ids of runs with keys on disk that the list does not name (left over), lowest first. */
  leftOver(): number[] {
    const live = new Set(this.runs.map((r) => r.id));
    const out = new Set<number>();
    for (const db of [this.blocks, this.fenceRows]) {
      let from = 0;
      for (;;) {
        let id: number | undefined;
        for (const k of db.getKeys({ start: runKey(from, 0), limit: 1 }) as Iterable<Buffer>) id = k.readUInt32BE(0);
        if (id === undefined) break;
        if (!live.has(id)) out.add(id);
        if (id === 0xffffffff) break;
        from = id + 1;
      }
    }
    return [...out].sort((a, b) => a - b);
  }
  /** Inside a commit: removes up to `limit` keys of run `id`; how many it removed (0: none left). */
  removeSome(id: number, limit: number): number {
    let removed = 0;
    for (const db of [this.blocks, this.fenceRows]) {
      const keys = [...(db.getKeys({ start: runKey(id, 0), end: runKey(id + 1, 0), limit: limit - removed }) as Iterable<Buffer>)];
      for (const k of keys) db.removeSync(k), removed++;
      if (removed >= limit) break;
    }
    return removed;
  }

  private load(): void {
    this.row = this.meta.get();
    const list = this.row ? runListCodec.decode(new Uint8Array(this.row)) : [];
    this.runs = list.map((r) => ({ ...r, fences: this.fencesOf(r) }));
  }
  private refresh(): void {
    const row = this.meta.get();
    if (row === this.row || (row && this.row && row.equals(this.row))) return;
    this.load();
  }
  private fencesOf(r: RunInfo): Fences {
    const rows = this.fenceRows.getRange({ start: runKey(r.id, 0), end: runKey(r.id + 1, 0) }) as Iterable<{ value: Buffer }>;
    return Fences.fromRows(Array.from(rows, (row) => row.value), blocksOf(r.entries));
  }
}
