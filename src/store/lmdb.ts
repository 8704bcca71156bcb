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
 * The buckets (names, key and value encodings) are the table in store/buckets.ts. A store written
 * before the entanglement index had its own bucket is brought up to date when it is opened for
 * writing, in one durable commit; opened read-only, it is read as it is. Every open checks the
 * store's format version (store/format.ts) first and refuses another format; `urchain migrate`
 * (LmdbStore.migrate) moves an older one forward, and `urchain backup` copies the environment
 * consistently while a node writes (LmdbStore.backup).
 */
import { open, type RootDatabase, type Database } from 'lmdb';
import fs from 'node:fs';
import path from 'node:path';
import type { ChainParams } from '../chain/params.js';
import { UrchainError } from '../errors.js';
import type { Store, StoredBlock, StoredTx, StoredBatch, TxLocation, Head, IngestWrite, BlockWrite } from './types.js';
import { BUCKETS, ENTANGLE_INDEX_PREFIXES, isEntangleIndexKey, blockCodec, idsCodec, txCodec, batchCodec, locationCodec, headCodec, seqCodec, paramsCodec } from './buckets.js';
import { RAW_DUP_VALUES, type BucketSpec, type Codec } from './buckets.js';
import { durableCommit } from './commit.js';
import { CHUNK, encodeLevels } from '../merkle/chunks.js';
import { split32 } from '../codec/bytes.js';
import { FORMAT_KEY, FIRST_FORMAT, checkFormat, formatOf, encodeFormat, migrateStore, type FormatStep, type MigrationReport } from './format.js';

type Bin = Database<Buffer, Buffer>;
type TextKeyed = Database<Buffer, string>;

const u8 = (b: Buffer | undefined): Uint8Array | undefined => (b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const read = <V>(c: Codec<V>, b: Buffer | undefined): V | undefined => (b === undefined ? undefined : c.decode(u8(b)!));
const write = <V>(c: Codec<V>, v: V): Buffer => buf(c.encode(v));

export class LmdbStore implements Store {
  readonly path: string;
  readonly readOnly: boolean;
  private env: RootDatabase;
  private meta: TextKeyed;
  private blocks: Bin;
  private bodies: Bin;
  private heights: Database<Buffer, number>;
  private txs: Bin;
  private batches: Bin;
  private payloads: Bin;
  private locations: Bin;
  private pend: Database<number, Buffer>;
  private products: TextKeyed;
  private productRows: TextKeyed; // the same bucket, seeking one (key, txId) row: productHas
  private idems: TextKeyed;
  /** Absent only in a store from before this bucket, opened read-only (LMDB cannot create it then). */
  private entangle: TextKeyed | undefined;
  /** Opened read-only, a store from before the entangle bucket keeps its index in idem. */
  private indexInIdem = false;
  private levels: Bin | undefined; // absent like entangle: a store from before it, read-only
  private arrival = 0;

  private constructor(dir: string, readOnly: boolean) {
    this.path = dir;
    this.readOnly = readOnly;
    this.env = openEnv(dir, readOnly);
    const db = (b: BucketSpec, o = {}) => this.env.openDB({ name: b.name, encoding: b.value, keyEncoding: b.key, dupSort: b.dupSort, ...o } as never) as never;
    this.meta = db(BUCKETS.meta);
    // The format first, before any other bucket is opened: a writable open creates the buckets it
    // does not find, and a store of another format must be refused untouched.
    try {
      checkFormat(formatOf(u8(this.meta.get(FORMAT_KEY))), dir);
    } catch (e) {
      void this.env.close().catch(() => undefined);
      throw e;
    }
    this.blocks = db(BUCKETS.blocks);
    this.bodies = db(BUCKETS.bodies);
    this.heights = db(BUCKETS.heights);
    this.txs = db(BUCKETS.txs);
    this.batches = db(BUCKETS.batches);
    this.payloads = db(BUCKETS.payloads);
    this.locations = db(BUCKETS.locations);
    this.pend = db(BUCKETS.pending);
    this.products = db(BUCKETS.products);
    this.productRows = db(BUCKETS.products, { encoder: RAW_DUP_VALUES });
    this.idems = db(BUCKETS.idem);
    this.entangle = db(BUCKETS.entangle);
    this.levels = db(BUCKETS.levels);
  }

  /**
   * Opens the store of a data folder; refuses one of another format (store/format.ts). A writable
   * open of a store without a version (a new one, or one from before versions) writes format 1.
   */
  static async open(dir: string, opts: { readOnly?: boolean } = {}): Promise<LmdbStore> {
    if (opts.readOnly) mustHoldStore(dir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = new LmdbStore(dir, !!opts.readOnly);
    try {
      await s.recordFormat();
    } catch (e) {
      await s.close();
      throw e;
    }
    // Records taken in from now on queue behind those pending from before (a writer that never
    // read the pool would otherwise start counting at 0 again).
    if (!s.readOnly) s.pending();
    if (s.idemHoldsIndex()) {
      if (s.readOnly) s.indexInIdem = true;
      else {
        try {
          await s.moveIndexOutOfIdem();
        } catch (e) {
          await s.close();
          throw e;
        }
      }
    }
    return s;
  }

  /** Writes format 1 into a store without a version (the constructor refused any other format). */
  private async recordFormat(): Promise<void> {
    if (this.meta.get(FORMAT_KEY) === undefined && !this.readOnly) await this.commit(() => this.meta.putSync(FORMAT_KEY, buf(encodeFormat(FIRST_FORMAT))));
  }

  /** The store's format version (store/format.ts). */
  format(): number {
    return formatOf(u8(this.meta.get(FORMAT_KEY)));
  }

  /**
   * Migrates the store of `dir` to the current format (store/format.ts), opening only the
   * environment and the meta bucket: a store of another format may not have today's buckets.
   * The caller makes sure no node runs on the folder.
   */
  static async migrate(dir: string, steps?: readonly FormatStep[]): Promise<MigrationReport> {
    mustHoldStore(dir);
    const env = openEnv(dir, false);
    try {
      return await migrateStore({ env, meta: metaOf(env) }, (w) => durableCommit(env, w), dir, steps);
    } finally {
      await env.close();
    }
  }

  /**
   * A consistent copy of the store of `dir` in the new file `file`, made while writers go on: LMDB
   * copies from one read transaction (mdb_env_copy2; `compact` leaves free pages out and renumbers
   * pages, which is slower). Only the environment is opened, so a store of any format is copied
   * (a backup before \`urchain migrate\`). The caller syncs the copy.
   */
  static async backup(dir: string, file: string, compact: boolean): Promise<void> {
    mustHoldStore(dir);
    const env = openEnv(dir, true);
    try {
      await env.backup(file, compact);
    } finally {
      await env.close();
    }
  }

  /** The format, chain parameters and head of the store of `dir`, of any format (what decodes). */
  static async describe(dir: string): Promise<{ format: number; params?: ChainParams; head?: Head }> {
    mustHoldStore(dir);
    const env = openEnv(dir, true);
    try {
      const meta = metaOf(env);
      const tryRead = <V>(c: Codec<V>, k: string) => {
        try {
          return read(c, meta.get(k));
        } catch {
          return undefined; // another format's row: the format says enough
        }
      };
      return { format: formatOf(u8(meta.get(FORMAT_KEY))), params: tryRead(paramsCodec, 'params'), head: tryRead(headCodec, 'head') };
    } finally {
      await env.close();
    }
  }

  /** Entanglement keys in idem: a store written before the entangle bucket. */
  private idemHoldsIndex(): boolean {
    return ENTANGLE_INDEX_PREFIXES.some((p) => {
      for (const _ of this.rows(this.idems, p)) return true; // closes the range again
      return false;
    });
  }

  /** Moves the entanglement keys from idem to their own bucket, all in one durable commit. */
  private moveIndexOutOfIdem(): Promise<void> {
    return this.commit(() => {
      const rows = ENTANGLE_INDEX_PREFIXES.flatMap((p) => [...this.rows(this.idems, p)]); // read all, then write
      for (const r of rows) {
        this.entangle!.putSync(r.key, r.value);
        this.idems.removeSync(r.key);
      }
    });
  }

  /** Rows of a text-keyed bucket in key order from `start` while keys begin with `prefix`. */
  private *rows(db: TextKeyed | undefined, prefix: string, start = prefix): Generator<{ key: string; value: Buffer }> {
    if (!db) return;
    for (const { key, value } of db.getRange({ start })) {
      const k = String(key);
      if (!k.startsWith(prefix)) return;
      yield { key: k, value: value as Buffer };
    }
  }

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
  getTx(txId: Uint8Array): StoredTx | undefined {
    return read(txCodec, this.txs.get(buf(txId)));
  }
  hasTx(txId: Uint8Array): boolean {
    return this.txs.doesExist(buf(txId));
  }
  getBatch(root: Uint8Array): StoredBatch | undefined {
    return read(batchCodec, this.batches.get(buf(root)));
  }
  getPayload(txId: Uint8Array): Uint8Array | undefined {
    return u8(this.payloads.get(buf(txId)));
  }
  location(txId: Uint8Array): TxLocation | undefined {
    return read(locationCodec, this.locations.get(buf(txId)));
  }
  /** Pending transactions in arrival order (and the arrival counter set past the last). */
  pending(): Uint8Array[] {
    const all: [number, Uint8Array][] = [];
    for (const { key, value } of this.pend.getRange({})) all.push([value as unknown as number, new Uint8Array(key)]);
    all.sort((a, b) => a[0] - b[0]);
    this.arrival = all.length ? all[all.length - 1][0] + 1 : 0;
    return all.map((x) => x[1]);
  }
  productTxs = (code: string): Uint8Array[] => [...this.products.getValues(code)].map((b) => new Uint8Array(b));
  productHas = (code: string, txId: Uint8Array): boolean => this.productRows.doesExist(code, buf(txId));
  idem(key: string): Uint8Array | undefined {
    if (!isEntangleIndexKey(key)) return u8(this.idems.get(key));
    return u8(this.entangle?.get(key) ?? (this.indexInIdem ? this.idems.get(key) : undefined));
  }
  *entangleRange(prefix: string, start = prefix): Iterable<{ key: string; txId: Uint8Array }> {
    let rows: Iterable<{ key: string; value: Buffer }> = this.rows(this.entangle, prefix, start);
    // Read-only over an old store: its index is (also) in idem; merge the two in key order.
    if (this.indexInIdem) rows = [...rows, ...this.rows(this.idems, prefix, start)].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const r of rows) yield { key: r.key, txId: new Uint8Array(r.value) };
  }
  lastSeq(): number {
    return read(seqCodec, this.meta.get('seq')) ?? 0;
  }

  private writeIngest(w: IngestWrite) {
    for (const t of w.txs) {
      if (t.product) checkKey(t.product, 'product code');
      for (const id of t.identifiers ?? []) checkKey(id, 'identifier');
      if (t.idemKey) checkKey(t.idemKey, 'idempotency key');
    }
    this.batches.putSync(buf(w.batchRoot), write(batchCodec, w.batch));
    for (const t of w.txs) {
      const k = buf(t.txId);
      if (this.txs.doesExist(k)) continue; // same record taken in twice: keep the first
      this.txs.putSync(k, write(txCodec, { coreBytes: t.coreBytes, batchRoot: w.batchRoot, index: t.index }));
      if (t.payload) this.payloads.putSync(k, buf(t.payload));
      this.pend.putSync(k as never, this.arrival++ as never);
      if (t.product) this.products.putSync(t.product, k);
      for (const id of t.identifiers ?? []) this.products.putSync(id, k);
      if (t.idemKey) (isEntangleIndexKey(t.idemKey) ? this.entangle! : this.idems).putSync(t.idemKey, k);
    }
    if (w.seq !== undefined) this.meta.putSync('seq', write(seqCodec, w.seq));
  }

  private writeBlock(w: BlockWrite) {
    this.blocks.putSync(buf(w.hash), write(blockCodec, w.block));
    this.bodies.putSync(buf(w.hash), write(idsCodec, w.txIds));
    if (w.txIds.length > CHUNK) this.levels!.putSync(buf(w.hash), buf(encodeLevels(w.txIds)));
    const m = w.move;
    if (!m) return;
    for (const d of m.disconnect) {
      this.heights.removeSync(d.height);
      for (const id of d.txIds) this.locations.removeSync(buf(id));
    }
    for (const id of m.repending) this.pend.putSync(buf(id) as never, this.arrival++ as never);
    for (const c of m.connect) {
      this.heights.putSync(c.height, buf(c.hash));
      c.txIds.forEach((id, i) => {
        this.locations.putSync(buf(id), write(locationCodec, { blockHash: c.hash, height: c.height, index: i }));
        this.pend.removeSync(buf(id) as never);
      });
    }
    this.meta.putSync('head', write(headCodec, m.head));
  }

  /**
   * Runs `write` as one abortable transaction and resolves once it is on disk. The arrival
   * counter it advances may skip numbers when a commit fails: it only orders, gaps are harmless.
   */
  private commit(write: () => void): Promise<void> {
    return durableCommit(this.env, write);
  }

  async initChain(params: ChainParams, genesis: BlockWrite): Promise<void> {
    if (this.meta.get('params')) throw UrchainError.EXISTS(`${this.path} already holds a chain`);
    await this.commit(() => {
      if (this.meta.get('params')) throw UrchainError.EXISTS(`${this.path} already holds a chain`);
      this.meta.putSync('params', write(paramsCodec, params));
      this.writeBlock(genesis);
    });
  }
  commitIngest(w: IngestWrite): Promise<void> {
    return this.commit(() => this.writeIngest(w));
  }
  commitBlock(w: BlockWrite): Promise<void> {
    return this.commit(() => this.writeBlock(w));
  }
  putPayload(txId: Uint8Array, payload: Uint8Array): Promise<void> {
    return this.commit(() => {
      if (this.txs.doesExist(buf(txId))) this.payloads.putSync(buf(txId), buf(payload));
    });
  }
  size(): number {
    let n = 0;
    for (const f of ['chain.lmdb', 'chain.lmdb-lock']) {
      try {
        n += fs.statSync(path.join(this.path, f)).size;
      } catch {
        /* not there */
      }
    }
    return n;
  }
  async close(): Promise<void> {
    await this.env.close();
  }
}

/** The LMDB environment of a data folder, with the options every opener must share. */
function openEnv(dir: string, readOnly: boolean): RootDatabase {
  return open({
    path: path.join(dir, STORE_FILE),
    maxDbs: 16,
    overlappingSync: !readOnly,
    compression: false,
    encoding: 'binary',
    readOnly,
    // With event-turn batching lmdb-js opens a commit promise of its own for every transaction
    // and leaves it unhandled when the commit fails (a full disk would end the process).
    eventTurnBatching: false,
    permissionsMode: 0o600, // chain.lmdb and chain.lmdb-lock: the node's alone
  } as never);
}

/** The meta bucket alone (all a migration or a description of a store of any format may rely on). */
const metaOf = (env: RootDatabase): TextKeyed => env.openDB({ name: BUCKETS.meta.name, encoding: BUCKETS.meta.value, keyEncoding: BUCKETS.meta.key } as never) as never;

/** The store's file in a data folder (LMDB keeps its lock file beside it, `chain.lmdb-lock`). */
export const STORE_FILE = 'chain.lmdb';

/** Refuses a folder without a store (NOT_FOUND, naming the commands that make one). */
export function mustHoldStore(dir: string) {
  const file = path.join(dir, STORE_FILE);
  if (!fs.existsSync(file))
    throw UrchainError.NOT_FOUND(`no urchain data in ${dir} (expected ${file}); run \`urchain init --data ${dir}\` or \`urchain node run --data ${dir}\``);
}

/** LMDB's limit on a key (lmdb-js: 1978 bytes); indexes keyed by text must stay below it. */
export const MAX_KEY_BYTES = 1978;
// ordered-binary text keys carry no extra bytes for plain strings; keep a margin anyway.
const KEY_MARGIN = 16;

function checkKey(key: string, what: string) {
  const n = Buffer.byteLength(key, 'utf8');
  if (n > MAX_KEY_BYTES - KEY_MARGIN) throw UrchainError.BAD_INPUT(`${what} of ${n} bytes does not fit the store's index (1-${MAX_KEY_BYTES - KEY_MARGIN} bytes)`);
}
