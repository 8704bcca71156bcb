/**
 * @module store/lmdb
 * The embedded default store: one LMDB environment with a named database per bucket
 * (see store/types.ts). Every commit method resolves only once its transaction is flushed to
 * disk (lmdb-js `flushed`, i.e. fsync'd): "durable" means on disk, and a receipt sent after it
 * survives kill -9 and power loss. With `overlappingSync` the next transaction may be written
 * while the previous one is still being synced, so commits pipeline instead of queueing behind
 * each fsync; LMDB keeps the last synced meta page until the sync completes, so a crash lands on
 * a consistent, fully synced state. Our own group commit sits above it (node/intake.ts).
 *
 * A commit is all or nothing: each one runs as an abortable (child) LMDB transaction, because
 * lmdb-js keeps the writes made before a plain transaction callback throws, and every key is
 * checked against LMDB's limit before the first write. A commit that fails (a full disk: ENOSPC,
 * EIO) rejects with a STORE error and leaves the store as it was; the next commit may succeed.
 *
 * The buckets are the table in store/buckets.ts. Store format 5 keeps each record once, under a
 * record number given in arrival order: an ingest appends the record's value (core, batch
 * position, payload) to `records`, at the end of the tree; the recent txIds (the records from the
 * meta row `recentfrom` on, kept in memory) are flushed later into sorted runs, written and merged
 * in order (`txruns`: store/txIndex.ts, store/txRuns.ts). A block puts the runs of its records' numbers into `placedruns`
 * (store/placedRuns.ts): a few keys per block. The pool is the records no run holds. Reads by txId
 * go through the number (recent ones from memory); a writer keeps the pending records' numbers in
 * memory too (store/pendingNumbers.ts). A store from before the entangle bucket is brought up to date when
 * opened for writing (store/idemIndex.ts). Every open checks the format (store/format.ts) and
 * refuses another; `urchain migrate` (LmdbStore.migrate) moves an older one forward, and
 * `urchain backup` copies the environment consistently while a node writes (LmdbStore.backup).
 */
import type { RootDatabase, Database } from 'lmdb';
import fs from 'node:fs';
import type { ChainParams } from '../chain/params.js';
import { UrchainError } from '../errors.js';
import type { Store, StoredBlock, StoredTx, StoredBatch, TxLocation, Head, IngestWrite, BlockWrite } from './types.js';
import { BUCKETS, isEntangleIndexKey, RAW_DUP_VALUES, type BucketSpec, type Codec } from './buckets.js';
import { blockCodec, idsCodec, batchCodec, headCodec, seqCodec, paramsCodec, recordCodec, recordPayload, recordNumberOf, recordKey, sameTxId, writeRecordNumber, RECORD_NUMBER_BYTES, RecordValues } from './buckets.js';
import { durableCommit, writtenCommit } from './commit.js';
import { CHUNK, encodeLevels } from '../merkle/chunks.js';
import { split32 } from '../codec/bytes.js';
import { FORMAT_KEY, checkFormat, currentFormat, formatOf, encodeFormat, migrateStore, type FormatStep, type MigrationReport } from './format.js';
import { openEnv, metaOf, mustHoldStore, checkKey, withEnv, storeSize, describeStore, type TextKeyed } from './lmdbEnv.js';
import { rowsOf, idemHoldsIndex, moveIndexOutOfIdem } from './idemIndex.js';
import { PendingNumbers, type Repended } from './pendingNumbers.js';
import { placementsOf, type Placement } from './blockPlacements.js';
import { PlacedRuns } from './placedRuns.js';
import type { Numbered } from './recentNumbers.js';
import { TxIndex } from './txIndex.js';

export { STORE_FILE, mustHoldStore, MAX_KEY_BYTES } from './lmdbEnv.js';

type Bin = Database<Buffer, Buffer>;

const u8 = (b: Buffer | undefined): Uint8Array | undefined => (b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const read = <V>(c: Codec<V>, b: Buffer | undefined): V | undefined => (b === undefined ? undefined : c.decode(u8(b)!));
const write = <V>(c: Codec<V>, v: V): Buffer => buf(c.encode(v));
/** lmdb-js put option: MDB_APPEND, for a key past the last of its bucket. */
const APPEND = { append: true };
/** meta rows: the live runs of the txId index (store/txRuns.ts); the first record not in a run (store/txIndex.ts). */
const [RUN_LIST, RECENT_FROM] = ['txruns', 'recentfrom'];

export class LmdbStore implements Store {
  readonly path: string;
  readonly readOnly: boolean;
  private env: RootDatabase;
  private meta: TextKeyed;
  private blocks: Bin;
  private bodies: Bin;
  private heights: Database<Buffer, number>;
  private records: Bin;
  private numbers: Bin;
  private batches: Bin;
  /** Where the canonical chain holds records, and so which are pending (store/placedRuns.ts). */
  private placed: PlacedRuns;
  private products: TextKeyed;
  private productRows: TextKeyed; // the same bucket, seeking one (key, txId) row: productHas
  private idems: TextKeyed;
  /** Absent only in a store from before this bucket, opened read-only (LMDB cannot create it then). */
  private entangle: TextKeyed | undefined;
  /** Opened read-only, a store from before the entangle bucket keeps its index in idem. */
  private indexInIdem = false;
  private levels: Bin | undefined; // absent like entangle: a store from before it, read-only
  /** The number the next record taken in gets (a writer sets it past the last one at open). */
  private next = 0;
  private readonly values = new RecordValues();
  /** The numbers of the pending records, in memory (store/pendingNumbers.ts); a writer's only. */
  private pendingNums = new PendingNumbers();
  /** txId -> record number: the recent ids in memory, the runs of txruns, recordnumbers (store/txIndex.ts). */
  private index: TxIndex;

  private constructor(dir: string, readOnly: boolean, o: { mergeAt?: number; mergeSlice?: number }) {
    this.path = dir;
    this.readOnly = readOnly;
    this.env = openEnv(dir, readOnly);
    const db = (b: BucketSpec, o = {}) => this.env.openDB({ name: b.name, encoding: b.value, keyEncoding: b.key, dupSort: b.dupSort, ...o } as never) as never;
    this.meta = db(BUCKETS.meta);
    // The format first, before any other bucket is opened: a writable open creates the buckets it
    // does not find, and a store of another format must be refused untouched. A store without a
    // version is format 1 if it holds a chain, and new (so of the current format) if it does not.
    try {
      checkFormat(this.foundFormat(), dir);
    } catch (e) {
      void this.env.close().catch(() => undefined);
      throw e;
    }
    this.blocks = db(BUCKETS.blocks);
    this.bodies = db(BUCKETS.bodies);
    this.heights = db(BUCKETS.heights);
    this.records = db(BUCKETS.records);
    this.numbers = db(BUCKETS.txNumbers);
    const row = (name: string) => ({ get: () => this.meta.get(name), set: (v: Buffer) => void this.meta.putSync(name, v) });
    const index = { numbers: this.numbers, records: this.records, runs: db(BUCKETS.txRuns), fences: db(BUCKETS.txFences), list: row(RUN_LIST), from: row(RECENT_FROM) };
    this.index = new TxIndex(index, readOnly, (w) => this.commit(w), o, (w) => writtenCommit(this.env, w));
    this.batches = db(BUCKETS.batches);
    this.placed = new PlacedRuns(db(BUCKETS.runs), this.records, this.meta);
    this.products = db(BUCKETS.products);
    this.productRows = db(BUCKETS.products, { encoder: RAW_DUP_VALUES });
    this.idems = db(BUCKETS.idem);
    this.entangle = db(BUCKETS.entangle);
    this.levels = db(BUCKETS.levels);
  }

  /**
   * Opens the store of a data folder; refuses one of another format (store/format.ts). A writable
   * open of a new store writes the current format.
   */
  static async open(dir: string, opts: { readOnly?: boolean; mergeAt?: number; mergeSlice?: number } = {}): Promise<LmdbStore> {
    if (opts.readOnly) mustHoldStore(dir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = new LmdbStore(dir, !!opts.readOnly, opts); // mergeAt, mergeSlice: tests (store/txIndex.ts)
    try {
      await s.recordFormat();
    } catch (e) {
      await s.close();
      throw e;
    }
    // Records taken in from now on are numbered after every record stored before.
    if (!s.readOnly) for (const k of s.records.getKeys({ reverse: true, limit: 1 })) s.next = recordNumberOf(k as Buffer) + 1;
    if (!s.readOnly) s.pendingNums.load(s.placed.pending()); // every pending record is durable here
    if (idemHoldsIndex(s.idems)) {
      if (s.readOnly) s.indexInIdem = true;
      else {
        try {
          await s.commit(() => moveIndexOutOfIdem(s.idems, s.entangle!));
        } catch (e) {
          await s.close();
          throw e;
        }
      }
    }
    return s;
  }

  /** Writes the current format into a new store (the constructor refused any other format). */
  private async recordFormat(): Promise<void> {
    if (this.meta.get(FORMAT_KEY) === undefined && !this.readOnly) await this.commit(() => this.meta.putSync(FORMAT_KEY, buf(encodeFormat(currentFormat()))));
  }

  /** The format the meta bucket says; a store without a version: format 1 with a chain, else new. */
  private foundFormat(): number {
    const row = u8(this.meta.get(FORMAT_KEY));
    return row === undefined && this.meta.get('params') === undefined ? currentFormat() : formatOf(row);
  }

  /** The store's format version (store/format.ts). */
  format(): number {
    return this.foundFormat();
  }

  /**
   * Migrates the store of `dir` to the current format (store/format.ts), opening only the
   * environment and the meta bucket: a store of another format may not have today's buckets.
   * The caller makes sure no node runs on the folder.
   */
  static migrate(dir: string, steps?: readonly FormatStep[]): Promise<MigrationReport> {
    return withEnv(dir, false, (env) => migrateStore({ env, meta: metaOf(env) }, (w) => durableCommit(env, w), dir, steps));
  }

  /**
   * A consistent copy of the store of `dir` in the new file `file`, made while writers go on: LMDB
   * copies from one read transaction (mdb_env_copy2; `compact` leaves free pages out and renumbers
   * pages, which is slower). Only the environment is opened, so a store of any format is copied
   * (a backup before \`urchain migrate\`). The caller syncs the copy.
   */
  static backup(dir: string, file: string, compact: boolean): Promise<void> {
    return withEnv(dir, true, (env) => env.backup(file, compact));
  }

  static describe = describeStore; // format, params and head of a store of any format

  getParams(): ChainParams | undefined {
    return read(paramsCodec, this.meta.get('params'));
  }
  head(): Head | undefined {
    return read(headCodec, this.meta.get('head'));
  }
  getBlock(hash: Uint8Array): StoredBlock | undefined {
    return read(blockCodec, this.blocks.get(buf(hash)));
  }
  getBody(hash: Uint8Array): Uint8Array[] | undefined {
    return read(idsCodec, this.bodies.get(buf(hash)));
  }
  getBodySlice(hash: Uint8Array, from: number, to: number): Uint8Array[] | undefined {
    // A large value comes as a view of the map, not a copy of it (getBinaryFast): copy the slice only.
    const b = this.bodies.getBinaryFast(buf(hash));
    return b && split32(new Uint8Array(b.subarray(from * 32, to * 32)));
  }
  blockLevels = (hash: Uint8Array): Uint8Array | undefined => u8(this.levels?.get(buf(hash)));
  hashAt(height: number): Uint8Array | undefined {
    return u8(this.heights.get(height));
  }
  /** The record number of `txId` (its 8-byte key), if the store holds it: recent, else merged. */
  private numberOf(txId: Uint8Array): Buffer | undefined {
    return this.index.numberOf(txId);
  }
  /** The record number of `txId` as a number, if the store holds it. */
  private readonly numberAt = (txId: Uint8Array): number | undefined => {
    const n = this.numberOf(txId);
    return n && recordNumberOf(n);
  };
  /** The stored value of the record `txId`. */
  private recordOf(txId: Uint8Array): Buffer | undefined {
    const n = this.numberOf(txId);
    return n && this.records.get(n);
  }
  getTx(txId: Uint8Array): StoredTx | undefined {
    const v = this.recordOf(txId);
    if (!v) return undefined;
    const r = recordCodec.decode(u8(v)!);
    // Copies, so a caller that keeps them does not keep the payload's bytes alive too.
    return { coreBytes: r.coreBytes.slice(), batchRoot: r.batchRoot.slice(), index: r.index };
  }
  hasTx(txId: Uint8Array): boolean {
    return this.pendingNums.has(txId) || this.index.has(txId);
  }
  getBatch(root: Uint8Array): StoredBatch | undefined {
    return read(batchCodec, this.batches.get(buf(root)));
  }
  getPayload(txId: Uint8Array): Uint8Array | undefined {
    const v = this.recordOf(txId);
    return v && recordPayload(u8(v)!);
  }
  location(txId: Uint8Array): TxLocation | undefined {
    if (this.pendingNums.has(txId)) return undefined; // durably pending: on no canonical block
    const n = this.numberOf(txId);
    const place = n && this.placed.place(recordNumberOf(n));
    const blockHash = place && this.hashAt(place.height);
    return place && blockHash && { blockHash, height: place.height, index: place.index };
  }
  /** Pending transactions in arrival order: the order of their record numbers. */
  pending(): Uint8Array[] {
    const ids: Uint8Array[] = [];
    for (const [id] of this.placed.pending()) ids.push(id);
    return ids;
  }
  productTxs = (code: string): Uint8Array[] => [...this.products.getValues(code)].map((b) => new Uint8Array(b));
  productHas = (code: string, txId: Uint8Array): boolean => this.productRows.doesExist(code, buf(txId));
  idem(key: string): Uint8Array | undefined {
    if (!isEntangleIndexKey(key)) return u8(this.idems.get(key));
    return u8(this.entangle?.get(key) ?? (this.indexInIdem ? this.idems.get(key) : undefined));
  }
  *entangleRange(prefix: string, start = prefix): Iterable<{ key: string; txId: Uint8Array }> {
    let rows: Iterable<{ key: string; value: Buffer }> = rowsOf(this.entangle, prefix, start);
    // Read-only over an old store: its index is (also) in idem; merge the two in key order.
    if (this.indexInIdem) rows = [...rows, ...rowsOf(this.idems, prefix, start)].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const r of rows) yield { key: r.key, txId: new Uint8Array(r.value) };
  }
  lastSeq(): number {
    return read(seqCodec, this.meta.get('seq')) ?? 0;
  }

  /** Inside a write transaction: does it see the record numbered `m`? (A staged id's, store/txIndex.ts `taken`.) */
  private readonly written = (m: number): boolean => this.records.doesExist(recordKey(m));
  /** An ingest's writes; `added` gets each record it numbers (store/recentNumbers.ts stages them). */
  private writeIngest(w: IngestWrite, added: Numbered[]) {
    for (const t of w.txs) {
      if (t.product) checkKey(t.product, 'product code');
      for (const id of t.identifiers ?? []) checkKey(id, 'identifier');
      if (t.idemKey) checkKey(t.idemKey, 'idempotency key');
    }
    this.batches.putSync(buf(w.batchRoot), write(batchCodec, w.batch));
    // One key buffer and one value buffer (this.values) for every record: putSync copies both
    // before it returns.
    const n = Buffer.allocUnsafe(RECORD_NUMBER_BYTES);
    // The node's own batch (it carries `seq`) is new by construction: each core holds this node's
    // key and a seq above every seq stored (meta `seq` moves in the same commit, and the intake
    // never uses one twice), so no read of the txId index, a random page at 10 million records.
    const own = w.seq !== undefined;
    for (const t of w.txs) {
      const k = t.txId as Buffer; // lmdb-js copies a key's bytes: no Buffer view (it would move a small array out of V8's heap)
      // Numbered only if new: a record taken twice keeps the first. Durable recent ids are in
      // memory, older ones in the runs (not read for the node's own batch, `own`); one
      // staged by an ingest not yet durable counts if this transaction sees its record.
      if (this.index.taken(k, own, this.written)) continue;
      writeRecordNumber(this.next, n);
      // A new number is past every key of records: an append (MDB_APPEND: the last page fills
      // up instead of splitting in half).
      this.index.add(k, this.next++, added);
      this.records.putSync(n, this.values.encode({ txId: k, coreBytes: t.coreBytes, batchRoot: w.batchRoot, index: t.index, payload: t.payload }), APPEND);
      if (t.product) this.products.putSync(t.product, k);
      for (const id of t.identifiers ?? []) this.products.putSync(id, k);
      if (t.idemKey) (isEntangleIndexKey(t.idemKey) ? this.entangle! : this.idems).putSync(t.idemKey, k);
    }
    if (w.seq !== undefined) this.meta.putSync('seq', write(seqCodec, w.seq));
  }

  /** A block's writes (`placements`: placementsOf its move); `repended` gets what it puts back, numbered. */
  private writeBlock(w: BlockWrite, placements: Placement[], repended: Repended = []) {
    this.blocks.putSync(buf(w.hash), write(blockCodec, w.block));
    this.bodies.putSync(buf(w.hash), write(idsCodec, w.txIds));
    if (w.txIds.length > CHUNK) this.levels!.putSync(buf(w.hash), buf(w.levels ?? encodeLevels(w.txIds)));
    const m = w.move;
    if (!m) return;
    // Every record of a block is stored (the block tree checks), so has a number; one without is passed over.
    for (const d of m.disconnect) {
      this.heights.removeSync(d.height);
      this.placed.remove(d.height, d.txIds.map(this.numberAt));
    }
    for (const id of m.repending) {
      const n = this.numberAt(id); // keeps its number: back in the pool where it arrived (its run is gone)
      if (n !== undefined) repended.push([id, n]);
    }
    m.connect.forEach((c, i) => {
      this.heights.putSync(c.height, buf(c.hash));
      this.placed.put(placements[i].runs);
      // Placed while its ingest commit is written but not yet durable, or while the map was
      // dropped: that ingest, when durable, must not add it (store/pendingNumbers.ts).
      for (const id of placements[i].unmapped) if (!this.pendingNums.has(id)) this.pendingNums.placedEarly(id);
    });
    this.placed.advance();
    this.meta.putSync('head', write(headCodec, m.head));
  }

  /**
   * Runs `write` as one abortable transaction and resolves once it is on disk. The record
   * numbers it hands out may skip some when a commit fails: they only order, gaps are harmless.
   */
  private commit(write: () => void): Promise<void> {
    return durableCommit(this.env, write);
  }
  /** The key buffer of `holds` (lmdb-js copies a key in): one read per pending record of a block, without an allocation. */
  private readonly holdsKey = Buffer.allocUnsafe(RECORD_NUMBER_BYTES);
  /** Is `txId` the record numbered `n`? Compared in place in lmdb-js's shared buffer. */
  private readonly holds = (n: number, txId: Uint8Array): boolean => {
    const v = this.records.getBinaryFast(writeRecordNumber(n, this.holdsKey));
    return v !== undefined && sameTxId(v, txId);
  };
  private placements = (w: BlockWrite) => placementsOf(w.move, this.pendingNums, this.holds, this.numberAt);

  async initChain(params: ChainParams, genesis: BlockWrite): Promise<void> {
    if (this.meta.get('params')) throw UrchainError.EXISTS(`${this.path} already holds a chain`);
    const placed = await this.placements(genesis);
    await this.commit(() => {
      if (this.meta.get('params')) throw UrchainError.EXISTS(`${this.path} already holds a chain`);
      this.meta.putSync('params', write(paramsCodec, params));
      this.writeBlock(genesis, placed);
    });
  }
  async commitIngest(w: IngestWrite): Promise<void> {
    const span = [0, 0]; // the record numbers this write hands out
    const added: Numbered[] = []; // staged: dropped at once if the transaction throws, when it settles if the commit fails
    const write = () => ((span[0] = this.next), this.index.recent.staging(added, () => this.writeIngest(w, added)), (span[1] = this.next));
    await this.commit(write).catch((e) => Promise.reject((this.index.recent.failed(added), e)));
    this.index.durable(added);
    this.pendingNums.afterIngest(w.txs, span[0], span[1], (id) => this.numberOf(id)); // durable now
  }
  /** Ids taken in and not yet flushed into a run; flushing them all now, and merging runs (store/txIndex.ts). */
  unmerged = (): number => this.index.unmerged();
  mergeRecent = (): Promise<void> => this.index.merge();
  async commitBlock(w: BlockWrite): Promise<void> {
    const [placed, repended]: [Placement[], Repended] = [await this.placements(w), []];
    await this.commit(() => this.writeBlock(w, placed, repended));
    await this.pendingNums.afterBlock(w.move, repended); // durable now
  }
  putPayload(txId: Uint8Array, payload: Uint8Array): Promise<void> {
    return this.commit(() => {
      const n = this.numberOf(txId);
      const v = n && this.records.get(n);
      if (n && v) this.records.putSync(n, write(recordCodec, { ...recordCodec.decode(u8(v)!), payload }));
    });
  }
  size(): number {
    return storeSize(this.path);
  }
  async close(): Promise<void> {
    await this.index.close();
    await this.env.close();
  }
}
