/**
 * @module store/txIndex
 * The LMDB store's txId -> record number index (format 5): the recent ids (the records numbered
 * from meta `recentfrom` on, in memory: store/recentNumbers.ts), the sorted runs they are flushed
 * into (`txruns`, store/txRuns.ts), and, in a store migrated from format 4, the old
 * `recordnumbers` tree, read and never written again. Split out of store/lmdb.ts, which asks it
 * for numbers and hands it each ingest's new records.
 *
 * A writer reads the recent records' txIds at open (its duplicate checks and flushes need every
 * recent id). A reader reads them at its first lookup that the runs cannot answer: a proof of an
 * older record opens without reading the recent ids at all.
 *
 * Merging: once MERGE_AT (2^18) recent ids are durable, they are flushed into a new run, and
 * while a run is of the size class (floor(log2(entries))) of the one before it or above, the two
 * are merged into one (a binary counter: about log2(records / MERGE_AT) runs, and each id
 * rewritten as many times, 40 bytes in order). Flushes and merges of runs are paced by the
 * intake (`Pacer`): a flush, and the occasional merge of the whole index, is spread over the
 * records that pay for it, a step at a time, instead of taking the thread in one burst. Runs no
 * longer listed are removed in chunks after. All of it is off the receipt's path: an ingest
 * commit never waits for a merge step of its own.
 */
import type { Database } from 'lmdb';
import { recordKey, recordNumberOf, recordTxId } from './buckets.js';
import { RecentNumbers, MERGE_AT, MERGE_SLICE, type Numbered, type Slice } from './recentNumbers.js';
import { TxRuns, RunBuilder, mergeInto, type Run } from './txRuns.js';
import { Turns, TURN_MS, MAX_WAIT_MS } from '../turns.js';

type Bin = Database<Buffer, Buffer>;
const buf = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/**
 * Keys of a run no longer listed that one commit removes: neighbours, a dozen pages. Removes cost
 * the thread ~1.4 us each inside the transaction callback; 1,024 keeps that near 1.5 ms.
 */
export const DROP_CHUNK = 1024;
/**
 * Commits of a run's blocks a flush or merge keeps in flight, each awaited until written, not
 * synced. LMDB runs commits one after the other, the ingests' among them. With one in flight and
 * its sync awaited, a flush waited behind the intake's commits for each slice (55 ms a commit
 * under a closed loop of 1,000-record batches) and fell behind it; with four in flight and synced,
 * an ingest commit could queue behind 2.6 MB of them (receipts of 100-127 ms at half load). The
 * blocks of a run not yet listed are harmless if lost (the run is removed later), so they need not
 * be synced one by one: the commit that lists the run is, and LMDB syncs in order.
 */
const IN_FLIGHT = 2;

/**
 * Merge credit per record taken in: a record's txId is rewritten about log2(records / MERGE_AT)
 * times over its life (5 at 10 million records), so 8 lets merges keep up, on average, to about
 * 60 million records, and the time credit does beyond that.
 */
const MERGE_CREDIT = 8;
/**
 * Flush credit per record taken in: a flush of MERGE_AT ids is done by the time half as many new
 * ones came in (the table they go into has room for MERGE_AT and more). Unpaced, a flush of 2^18
 * ids took a 60 %-busy thread to saturation for half a second (~110 ms of sorting and packing),
 * and receipts queued behind it.
 */
const FLUSH_CREDIT = 2;
/** Credit per millisecond whatever comes in (100,000 entries a second, ~3 % of a core), for each. */
const IDLE_CREDIT_PER_MS = 100;
/**
 * Entries of credit one step of paced work spends (a flush's or a merge's entries, ~0.3-0.4 us
 * each): the work comes in steps this size, spread over the intake, not a slice at once.
 */
const PACE_STEP = 1024;
/**
 * The most credit saved up: after a quiet spell, or a burst of records whose credit would pay for
 * a long stretch at full speed, the work still comes a few steps at a time.
 */
const CREDIT_CAP = 4 * PACE_STEP;

/**
 * Credit for background index work: earned per record taken in and per millisecond, saved up to
 * a cap, spent per entry written; `spend` waits until there is enough.
 */
export class Pacer {
  private credit = 0;
  private at = performance.now();
  constructor(
    private readonly perRecord: number,
    private readonly perMs: number,
    private readonly cap: number,
  ) {}
  earn(records: number): void {
    this.credit = Math.min(this.cap, this.credit + records * this.perRecord);
  }
  /** Waits for `n` entries of credit (at most the cap) and spends them; at once when `stop()`. */
  async spend(n: number, stop: () => boolean): Promise<void> {
    const need = Math.min(n, this.cap);
    for (;;) {
      const now = performance.now();
      this.credit = Math.min(this.cap, this.credit + (now - this.at) * this.perMs);
      this.at = now;
      if (this.credit >= need || stop()) break;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(10, (need - this.credit) / this.perMs))));
    }
    this.credit = Math.max(0, this.credit - need);
  }
}
/** Entries a merge of runs takes between looks at the clock (~0.3 us each). */
const MERGE_STEP = 1024;
/**
 * A flush's or merge's cut work (src/turns.ts): 1 ms turns, and no total bound on the waits for
 * other work, as block work has: this is background work, 0.2-0.3 us an entry, a few percent of
 * the thread at the intake's maximum, and it yields to receipts for as long as they come.
 */
const backgroundTurns = () => new Turns(TURN_MS, 1, MAX_WAIT_MS, Infinity);

/** Up to `max` promises in flight: `add` waits for room; `all` for every one, rejecting if one did. */
class InFlight {
  private set = new Set<Promise<void>>();
  private failed: unknown;
  constructor(private readonly max: number) {}
  async add(p: Promise<void>): Promise<void> {
    const tracked = p.then(
      () => void this.set.delete(tracked),
      (e) => void (this.set.delete(tracked), (this.failed ??= e)),
    );
    this.set.add(tracked);
    while (this.set.size >= this.max) await Promise.race(this.set);
    this.check();
  }
  async all(): Promise<void> {
    await Promise.all(this.set);
    this.check();
  }
  /** A failure stays: every later `add` and `all` of this run's writer throws it (its run must not be listed). */
  private check(): void {
    if (this.failed !== undefined) throw this.failed;
  }
}

/** Room in the map beyond the threshold: the ids that come in while a flush runs. */
const RESERVE_MARGIN = 1 << 16;
/** The most room made at open (a test's or the environment's threshold may be far above). */
const RESERVE_MAX = 1 << 21;

/**
 * The threshold: `fixed` (a test's), else the environment's URCHAIN_STORE_MERGE_AT (a positive
 * integer: a testing knob, the crash cycles set it low so that kill -9 lands during merges
 * too), else MERGE_AT.
 */
export function mergeAtOf(env: NodeJS.ProcessEnv = process.env, fixed?: number): number {
  if (fixed !== undefined) return fixed;
  const v = Number(env.URCHAIN_STORE_MERGE_AT);
  return Number.isSafeInteger(v) && v > 0 ? v : MERGE_AT;
}

/** The store's own pieces the index reads and writes. */
export interface TxIndexBuckets {
  /** `recordnumbers`: format 4's merged ids (txId -> number), read only. */
  numbers: Bin;
  /** `records`: number -> record, whose value holds the txId (store/buckets.ts recordTxId). */
  records: Bin;
  runs: Bin;
  fences: Bin;
  /** The meta row `txruns`. */
  list: { get(): Buffer | undefined; set(v: Buffer): void };
  /** The meta row `recentfrom` (8 bytes, a record number; absent: 0). */
  from: { get(): Buffer | undefined; set(v: Buffer): void };
}

export class TxIndex {
  readonly recent = new RecentNumbers();
  readonly runs: TxRuns;
  private readonly numbers: Bin;
  private readonly records: Bin;
  private readonly from: TxIndexBuckets['from'];
  /** `recordnumbers` holds ids (a store migrated from format 4): looked up last. */
  private readonly legacy: boolean;
  private loaded = false;
  private readonly mergeAt: number;
  private merging: Promise<void> | undefined;
  private closing = false;
  /** Whether a flush or merge should stop after its current step (close). */
  private readonly stopping = (): boolean => this.closing;
  /** Paces merges of runs and flushes started by the intake (`durable`), each on its own credit. */
  private readonly mergePacer: Pacer;
  private readonly flushPacer: Pacer;

  constructor(
    b: TxIndexBuckets,
    private readonly readOnly: boolean,
    /** One durable, all-or-nothing commit of the store. */
    private readonly commit: (write: () => void) => Promise<void>,
    private readonly o: { mergeAt?: number; mergeSlice?: number } = {},
    /** One all-or-nothing commit, resolved once written (not synced): a run's blocks before the commit that lists it. */
    private readonly written: (write: () => void) => Promise<void> = commit,
  ) {
    [this.numbers, this.records, this.from] = [b.numbers, b.records, b.from];
    this.runs = new TxRuns(b.runs, b.fences, b.list, readOnly);
    this.legacy = (b.numbers.getStats() as { entryCount: number }).entryCount > 0;
    this.mergeAt = mergeAtOf(process.env, o.mergeAt);
    this.mergePacer = new Pacer(MERGE_CREDIT, IDLE_CREDIT_PER_MS, CREDIT_CAP);
    this.flushPacer = new Pacer(FLUSH_CREDIT, IDLE_CREDIT_PER_MS, CREDIT_CAP);
    if (!readOnly) this.load();
  }

  /** The record number of `txId` (its 8-byte key), if stored: recent, else merged. */
  numberOf(txId: Uint8Array): Buffer | undefined {
    const n = this.recent.numberOf(txId);
    if (n !== undefined) return recordKey(n);
    const merged = this.mergedNumberOf(txId);
    if (merged || !this.loadedNow()) return merged;
    const late = this.recent.numberOf(txId);
    return late === undefined ? undefined : recordKey(late);
  }
  /** Is `txId` stored, durably recent or merged? */
  has(txId: Uint8Array): boolean {
    return this.recent.hasDurable(txId) || this.mergedHas(txId) || (this.loadedNow() && this.recent.hasDurable(txId));
  }
  /**
   * Inside an ingest's transaction: is `txId` stored already, so not to be taken again? Durable
   * recent ids from memory; merged ones from the runs (and `recordnumbers`), unless `own` (the
   * node's own batch, new by construction); one staged by an ingest not yet durable if
   * `written(n)` (this transaction sees its record).
   */
  taken(txId: Uint8Array, own: boolean, written: (n: number) => boolean): boolean {
    if (this.recent.hasDurable(txId) || (!own && this.mergedHas(txId))) return true;
    const staged = this.recent.stagedNumberOf(txId);
    return staged !== undefined && written(staged);
  }
  /** Inside an ingest's transaction: the new record `txId` under number `n` (its record written beside), staged. */
  add(txId: Uint8Array, n: number, added: Numbered[]): void {
    added.push([txId, n]);
    this.recent.stage(txId, n);
  }
  /** An ingest's commit that added `added` is durable; starts a merge past the threshold. */
  durable(added: readonly Numbered[]): void {
    this.recent.durable(added);
    this.mergePacer.earn(added.length);
    this.flushPacer.earn(added.length);
    if (this.recent.size >= this.mergeAt && !this.merging && !this.readOnly) void this.merge(true);
  }
  /** Ids taken in and not yet flushed into a run (loads them first, on a reader). */
  unmerged(): number {
    this.loadedNow();
    return this.recent.size;
  }
  /**
   * Flushes every recent id into a run now, merges runs as the policy says and removes what is
   * no longer listed (after a merge running); resolves when done or stopped. A step that fails (a
   * full disk) ends it: what is listed stays as it was, and the next merge removes what it left.
   */
  async merge(paced = false): Promise<void> {
    while (this.merging) await this.merging;
    if (this.readOnly || this.closing) return;
    this.merging = this.mergeAll(paced).finally(() => (this.merging = undefined));
    return this.merging;
  }
  /** Stops a merge after its current step; resolves when it has. */
  async close(): Promise<void> {
    this.closing = true;
    await this.merging;
  }

  private mergedNumberOf(txId: Uint8Array): Buffer | undefined {
    const n = this.runs.numberOf(txId);
    if (n !== undefined) return recordKey(n);
    return this.legacy ? this.numbers.get(buf(txId)) : undefined;
  }
  private mergedHas(txId: Uint8Array): boolean {
    return this.runs.numberOf(txId) !== undefined || (this.legacy && this.numbers.doesExist(buf(txId)));
  }
  private async mergeAll(paced: boolean): Promise<void> {
    try {
      if (this.recent.size > 0) await this.flush(paced); // first: its first slice is on its way before this returns
      await this.sweep();
      for (let i = this.mergeable(); i !== undefined && !this.closing; i = this.mergeable()) {
        await this.mergeRuns(i, paced);
        await this.sweep();
      }
    } catch {
      // a failed commit: nothing of it is written, the list is as it was
    }
  }
  /** The recent ids into a new run (store/recentNumbers.ts `merge` says the steps); `paced`: a step at a time as credit comes. */
  private async flush(paced = false): Promise<void> {
    const out = new RunBuilder(this.runs.nextId());
    const writing = new InFlight(IN_FLIGHT); // this run's block commits: one failed, it is never listed
    const turns = backgroundTurns();
    const put = async ({ ids, nums, order, from, to }: Slice) => {
      for (let k = from; k < to; k++) {
        if (paced && (k - from) % PACE_STEP === 0) await this.flushPacer.spend(Math.min(PACE_STEP, to - k), this.stopping);
        if ((k & 511) === 0 && turns.due()) await turns.next();
        out.add(ids, order[k] * 32, nums[order[k]]);
      }
      const rows = out.take();
      if (rows.length) await writing.add(this.written(() => this.runs.putBlocks(rows)));
    };
    // The sorting is paced too (recentNumbers `sorted` says what each piece cost): unpaced, the
    // sorting of 2^18 ids (~65 ms of the thread) ran in about 230 ms and receipts queued behind it.
    const pause = async (work: number) => {
      if (paced && work > 0) await this.flushPacer.spend(work, this.stopping);
      if (turns.due()) await turns.next();
    };
    try {
      await this.recent.merge(put, (below) => this.seal(out, writing, this.runs.runs, [], below), this.stopping, this.o.mergeSlice ?? MERGE_SLICE, pause);
    } finally {
      await writing.all().catch(() => undefined); // blocks of a run cut short: the next merge removes them
    }
  }
  /**
   * Writes the rest of `out` and lists it after `before` in one commit (a flush also moves
   * `recentfrom` up to `below`); the list in memory follows once it is durable.
   */
  private async seal(out: RunBuilder, writing: InFlight, before: Run[], after: Run[], below?: number): Promise<void> {
    await writing.all(); // every block before the commit that lists them; one failed: not listed
    const { blocks, fences } = out.finish();
    const list: Run[] = [...before, { id: out.id, entries: out.entries, fences: out.fences }, ...after];
    await this.commit(() => {
      this.runs.putBlocks(blocks);
      this.runs.putFences(fences);
      this.runs.writeList(list);
      if (below !== undefined) this.from.set(recordKey(below));
    });
    this.runs.adopt(list);
  }
  /**
   * The two newest runs if the newer is of the older's size class or above (floor(log2(entries))):
   * flushes of equal size then make a binary counter, about log2(records / flush) runs, and each
   * entry is rewritten once per class it passes.
   */
  private mergeable(): number | undefined {
    const r = this.runs.runs;
    const size = (x: Run) => Math.floor(Math.log2(Math.max(1, x.entries)));
    // The newest such pair: a merge cut short (a stop) may have left one before the newest run.
    for (let i = r.length - 2; i >= 0; i--) if (size(r[i + 1]) >= size(r[i])) return i;
    return undefined;
  }
  /** Merges runs `i` and `i + 1` into a new one, a slice of entries per commit, and lists it in their place. */
  private async mergeRuns(i: number, paced: boolean): Promise<void> {
    const [older, newer] = this.runs.runs.slice(i, i + 2);
    const out = new RunBuilder(this.runs.nextId());
    const writing = new InFlight(IN_FLIGHT);
    try {
      await this.writeMerge(i, older, newer, out, writing, paced);
    } finally {
      await writing.all().catch(() => undefined);
    }
  }
  private async writeMerge(i: number, older: Run, newer: Run, out: RunBuilder, writing: InFlight, paced: boolean): Promise<void> {
    const readers = [this.runs.reader(older), this.runs.reader(newer)];
    const slice = this.o.mergeSlice ?? MERGE_SLICE;
    const turns = backgroundTurns();
    for (;;) {
      let done = false;
      for (let n = 0; n < slice && !done; n += MERGE_STEP) {
        if (paced) await this.mergePacer.spend(MERGE_STEP, this.stopping);
        if (turns.due()) await turns.next();
        done = mergeInto(readers, out, Math.min(MERGE_STEP, slice - n));
      }
      if (this.closing) return; // unlisted: the next merge removes it
      if (done) break;
      const rows = out.take();
      if (rows.length) await writing.add(this.written(() => this.runs.putBlocks(rows)));
      // The intake's ids are flushed meanwhile: a merge of the whole index may take minutes, and
      // the recent table would grow past its room. The new run goes after the two being merged.
      if (this.recent.size >= this.mergeAt) await this.flush(paced);
    }
    const runs = this.runs.runs;
    await this.seal(out, writing, runs.slice(0, i), runs.slice(i + 2));
  }
  /** Removes the keys of every run the list does not name, a chunk per commit. */
  private async sweep(): Promise<void> {
    for (const id of this.runs.leftOver()) {
      for (let removed = 1; removed > 0 && !this.closing; ) await this.commit(() => (removed = this.runs.removeSome(id, DROP_CHUNK)));
    }
  }

  /** Loads the recent ids if they were not (a reader's first miss); true if it loaded them now. */
  private loadedNow(): boolean {
    if (this.loaded) return false;
    this.load();
    return true;
  }
  private load(): void {
    // First: a writer's room is made before the ids come in, not grown under them, once at open
    // (empty arrays: their pages are touched only as ids come in), and a flush's compaction keeps it.
    if (!this.readOnly) this.recent.reserve(Math.min(this.mergeAt, RESERVE_MAX) + RESERVE_MARGIN);
    this.recent.load(this.recentRecords());
    this.loaded = true;
  }
  /** The txIds and numbers of the records from `recentfrom` on. */
  private *recentRecords(): Generator<Numbered> {
    const row = this.from.get();
    for (const k of this.records.getKeys({ start: row ?? recordKey(0) }) as Iterable<Buffer>) {
      const v = this.records.getBinaryFast(k);
      if (v !== undefined) yield [recordTxId(v), recordNumberOf(k)]; // a view of lmdb-js's buffer: the table copies it at once
    }
  }
}
