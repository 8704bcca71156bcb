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
 * writing, in one durable commit; opened read-only, it is read as it is.
 */
import { open, type RootDatabase, type Database } from 'lmdb';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChainParams } from '../chain/params.js';
import { UrchainError } from '../errors.js';
import type { Store, StoredBlock, StoredTx, StoredBatch, TxLocation, Head, IngestWrite, BlockWrite } from './types.js';
import {
  BUCKETS,
  ENTANGLE_INDEX_PREFIXES,
  isEntangleIndexKey,
  blockCodec,
  idsCodec,
  txCodec,
  batchCodec,
  locationCodec,
  headCodec,
  seqCodec,
  paramsCodec,
  type BucketSpec,
  type Codec,
} from './buckets.js';

type Bin = Database<Buffer, Buffer>;
type TextKeyed = Database<Buffer, string>;

const u8 = (b: Buffer | undefined): Uint8Array | undefined =>
  b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
  private idems: TextKeyed;
  /** Absent only in a store from before this bucket, opened read-only (LMDB cannot create it then). */
  private entangle: TextKeyed | undefined;
  /** Opened read-only, a store from before the entangle bucket keeps its index in idem. */
  private indexInIdem = false;
  private arrival = 0;

  private constructor(dir: string, readOnly: boolean) {
    this.path = dir;
    this.readOnly = readOnly;
    this.env = open({
      path: path.join(dir, 'chain.lmdb'),
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
    const db = (b: BucketSpec) => this.env.openDB({ name: b.name, encoding: b.value, keyEncoding: b.key, dupSort: b.dupSort } as never) as never;
    this.meta = db(BUCKETS.meta);
    this.blocks = db(BUCKETS.blocks);
    this.bodies = db(BUCKETS.bodies);
    this.heights = db(BUCKETS.heights);
    this.txs = db(BUCKETS.txs);
    this.batches = db(BUCKETS.batches);
    this.payloads = db(BUCKETS.payloads);
    this.locations = db(BUCKETS.locations);
    this.pend = db(BUCKETS.pending);
    this.products = db(BUCKETS.products);
    this.idems = db(BUCKETS.idem);
    this.entangle = db(BUCKETS.entangle);
  }

  static async open(dir: string, opts: { readOnly?: boolean } = {}): Promise<LmdbStore> {
    const file = path.join(dir, 'chain.lmdb');
    if (opts.readOnly && !fs.existsSync(file))
      throw UrchainError.NOT_FOUND(`no urchain data in ${dir} (expected ${file}); run \`urchain init --data ${dir}\` or \`urchain node run --data ${dir}\``);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = new LmdbStore(dir, !!opts.readOnly);
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
  productTxs(code: string): Uint8Array[] {
    return [...this.products.getValues(code)].map((b) => new Uint8Array(b));
  }
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
      if (t.idemKey) (isEntangleIndexKey(t.idemKey) ? this.entangle! : this.idems).putSync(t.idemKey, k);
    }
    if (w.seq !== undefined) this.meta.putSync('seq', write(seqCodec, w.seq));
  }

  private writeBlock(w: BlockWrite) {
    this.blocks.putSync(buf(w.hash), write(blockCodec, w.block));
    this.bodies.putSync(buf(w.hash), write(idsCodec, w.txIds));
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

/** LMDB's limit on a key (lmdb-js: 1978 bytes); indexes keyed by text must stay below it. */
export const MAX_KEY_BYTES = 1978;
// ordered-binary text keys carry no extra bytes for plain strings; keep a margin anyway.
const KEY_MARGIN = 16;

function checkKey(key: string, what: string) {
  const n = Buffer.byteLength(key, 'utf8');
  if (n > MAX_KEY_BYTES - KEY_MARGIN)
    throw UrchainError.BAD_INPUT(`${what} of ${n} bytes does not fit the store's index (1-${MAX_KEY_BYTES - KEY_MARGIN} bytes)`);
}

/**
 * Runs `write` as one abortable LMDB transaction and resolves once it is synced; a failure
 * rejects with a STORE error (the cause, e.g. ENOSPC, in its message) and leaves nothing written.
 * Open the environment with `eventTurnBatching: false` (see the constructor above). Any lmdb-js
 * environment that must survive a full disk can use it (the broker's store, too).
 */
export async function durableCommit(env: RootDatabase, write: () => void): Promise<void> {
  const committed = env.childTransaction(write);
  // `env.flushed` means the flush of the newest transaction queued when it is asked: asked
  // after the await, it may be that of a later commit, which never comes if that one fails
  // (a full disk), and this commit would wait forever. So it is taken now, for this one.
  const flushed = new Promise((resolve, reject) => void env.flushed.then(resolve, reject));
  flushed.catch(() => undefined); // awaited below unless the commit failed first
  try {
    await committed;
    await flushed;
  } catch (e) {
    throw await storeError(e);
  }
}

/**
 * A failed commit as a STORE error that says why. lmdb-js rejects with "Commit failed" and puts
 * the cause (ENOSPC, EIO, ...) in a second promise, `commitError`, which must be handled too or
 * it ends the process as an unhandled rejection. It settles in the same turn as the first.
 */
async function storeError(e: unknown): Promise<UrchainError> {
  if (e instanceof UrchainError) return e;
  const err = e as Error & { commitError?: Promise<unknown> };
  let cause: (Error & { code?: unknown }) | undefined;
  if (err?.commitError) {
    let timer: NodeJS.Timeout | undefined;
    cause = (await Promise.race([
      err.commitError.then(() => undefined, (c: unknown) => c),
      new Promise((r) => (timer = setTimeout(r, 2000))),
    ])) as typeof cause;
    clearTimeout(timer);
  }
  const errno = typeof cause?.code === 'number' ? errnoName(cause.code) : undefined;
  if (errno === 'ENOSPC') return UrchainError.STORE('the disk holding the store is full (ENOSPC); free space and try again', { cause: errno });
  const why = cause?.message ?? (err?.commitError ? 'LMDB could not write the transaction (a full disk or an I/O error?)' : (err?.message ?? String(e)));
  return UrchainError.STORE(`the store could not commit${errno ? ` (${errno})` : ''}: ${why}`, errno ? { cause: errno } : {});
}

function errnoName(n: number): string | undefined {
  for (const [name, v] of Object.entries(os.constants.errno)) if (v === n) return name;
  return undefined;
}
