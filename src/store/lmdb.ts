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
 */
import { open, type RootDatabase, type Database } from 'lmdb';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode, decode, asArray, asUint, asBig, asBytes } from '../codec/cbor.js';
import { concat, split32 } from '../codec/bytes.js';
import { decodeHeader, encodeHeader } from '../chain/header.js';
import { encodeParams, decodeParams, type ChainParams } from '../chain/params.js';
import { UrchainError } from '../errors.js';
import type { Store, StoredBlock, StoredTx, StoredBatch, TxLocation, Head, IngestWrite, BlockWrite } from './types.js';

type Bin = Database<Buffer, Buffer>;

const u8 = (b: Buffer | undefined): Uint8Array | undefined =>
  b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export function encodeBlock(b: StoredBlock): Uint8Array {
  return encode([encodeHeader(b.signed.header), b.signed.signatures.map((s) => [s.key, s.sig]), b.work, b.frontier]);
}
export function decodeBlock(bytes: Uint8Array): StoredBlock {
  const a = asArray(decode(bytes), 4, 'stored block');
  const sigs = a[1] as unknown[];
  return {
    signed: {
      header: decodeHeader(asBytes(a[0], 'header')),
      signatures: sigs.map((s) => {
        const p = asArray(s as never, 2, 'signature');
        return { key: asBytes(p[0], 'key', 32), sig: asBytes(p[1], 'sig', 64) };
      }),
    },
    work: asBig(a[2], 'work'),
    frontier: (a[3] as unknown[]).map((f) => asBytes(f as never, 'frontier', 32)),
  };
}

export class LmdbStore implements Store {
  readonly path: string;
  readonly readOnly: boolean;
  private env: RootDatabase;
  private meta: Database<Buffer, string>;
  private blocks: Bin;
  private bodies: Bin;
  private heights: Database<Buffer, number>;
  private txs: Bin;
  private batches: Bin;
  private payloads: Bin;
  private locations: Bin;
  private pend: Database<number, Buffer>;
  private products: Database<Buffer, string>;
  private idems: Database<Buffer, string>;
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
    const db = <K extends 'binary' | 'uint32' | 'ordered-binary'>(name: string, keyEncoding: K, dupSort = false) =>
      this.env.openDB({ name, encoding: 'binary', keyEncoding, dupSort } as never) as never;
    this.meta = db('meta', 'ordered-binary');
    this.blocks = db('blocks', 'binary');
    this.bodies = db('bodies', 'binary');
    this.heights = db('heights', 'uint32');
    this.txs = db('txs', 'binary');
    this.batches = db('batches', 'binary');
    this.payloads = db('payloads', 'binary');
    this.locations = db('locations', 'binary');
    this.pend = this.env.openDB({ name: 'pending', encoding: 'ordered-binary', keyEncoding: 'binary' } as never) as never;
    this.products = db('products', 'ordered-binary', true);
    this.idems = db('idem', 'ordered-binary');
  }

  static async open(dir: string, opts: { readOnly?: boolean } = {}): Promise<LmdbStore> {
    const file = path.join(dir, 'chain.lmdb');
    if (opts.readOnly && !fs.existsSync(file))
      throw new UrchainError('NOT_FOUND', `no urchain data in ${dir} (expected ${file}); run \`urchain init --data ${dir}\` or \`urchain node run --data ${dir}\``);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new LmdbStore(dir, !!opts.readOnly);
  }

  getParams(): ChainParams | undefined {
    const b = this.meta.get('params');
    return b ? decodeParams(u8(b)!) : undefined;
  }
  head(): Head | undefined {
    const b = u8(this.meta.get('head'));
    if (!b) return undefined;
    const a = asArray(decode(b), 2, 'head');
    return { hash: asBytes(a[0], 'hash', 32), height: asUint(a[1], 'height') };
  }
  getBlock(hash: Uint8Array): StoredBlock | undefined {
    const b = u8(this.blocks.get(buf(hash)));
    return b ? decodeBlock(b) : undefined;
  }
  getBody(hash: Uint8Array): Uint8Array[] | undefined {
    const b = u8(this.bodies.get(buf(hash)));
    return b ? split32(b) : undefined;
  }
  hashAt(height: number): Uint8Array | undefined {
    return u8(this.heights.get(height));
  }
  getTx(txId: Uint8Array): StoredTx | undefined {
    const b = u8(this.txs.get(buf(txId)));
    if (!b) return undefined;
    const a = asArray(decode(b), 3, 'stored tx');
    return { coreBytes: asBytes(a[0], 'core'), batchRoot: asBytes(a[1], 'batchRoot', 32), index: asUint(a[2], 'index') };
  }
  hasTx(txId: Uint8Array): boolean {
    return this.txs.doesExist(buf(txId));
  }
  getBatch(root: Uint8Array): StoredBatch | undefined {
    const b = u8(this.batches.get(buf(root)));
    if (!b) return undefined;
    const a = asArray(decode(b), 3, 'stored batch');
    return { origin: asBytes(a[0], 'origin', 32), signature: asBytes(a[1], 'signature', 64), txIds: split32(asBytes(a[2], 'txIds')) };
  }
  getPayload(txId: Uint8Array): Uint8Array | undefined {
    return u8(this.payloads.get(buf(txId)));
  }
  location(txId: Uint8Array): TxLocation | undefined {
    const b = u8(this.locations.get(buf(txId)));
    if (!b) return undefined;
    const a = asArray(decode(b), 3, 'location');
    return { blockHash: asBytes(a[0], 'hash', 32), height: asUint(a[1], 'height'), index: asUint(a[2], 'index') };
  }
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
    return u8(this.idems.get(key));
  }
  *idemRange(prefix: string, start = prefix): Iterable<{ key: string; txId: Uint8Array }> {
    for (const { key, value } of this.idems.getRange({ start })) {
      const k = String(key);
      if (!k.startsWith(prefix)) return;
      yield { key: k, txId: new Uint8Array(value as Buffer) };
    }
  }
  lastSeq(): number {
    const b = u8(this.meta.get('seq'));
    return b ? asUint(decode(b), 'seq') : 0;
  }

  private writeIngest(w: IngestWrite) {
    for (const t of w.txs) {
      if (t.product) checkKey(t.product, 'product code');
      if (t.idemKey) checkKey(t.idemKey, 'idempotency key');
    }
    this.batches.putSync(buf(w.batchRoot), buf(encode([w.batch.origin, w.batch.signature, concat(...w.batch.txIds)])));
    for (const t of w.txs) {
      const k = buf(t.txId);
      if (this.txs.doesExist(k)) continue; // same record taken in twice: keep the first
      this.txs.putSync(k, buf(encode([t.coreBytes, w.batchRoot, t.index])));
      if (t.payload) this.payloads.putSync(k, buf(t.payload));
      this.pend.putSync(k as never, this.arrival++ as never);
      if (t.product) this.products.putSync(t.product, k);
      if (t.idemKey) this.idems.putSync(t.idemKey, k);
    }
    if (w.seq !== undefined) this.meta.putSync('seq', buf(encode(w.seq)));
  }

  private writeBlock(w: BlockWrite) {
    this.blocks.putSync(buf(w.hash), buf(encodeBlock(w.block)));
    this.bodies.putSync(buf(w.hash), buf(concat(...w.txIds)));
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
        this.locations.putSync(buf(id), buf(encode([c.hash, c.height, i])));
        this.pend.removeSync(buf(id) as never);
      });
    }
    this.meta.putSync('head', buf(encode([m.head.hash, m.head.height])));
  }

  /**
   * Runs `write` as one abortable transaction and resolves once it is on disk. The arrival
   * counter it advances may skip numbers when a commit fails: it only orders, gaps are harmless.
   */
  private commit(write: () => void): Promise<void> {
    return durableCommit(this.env, write);
  }

  async initChain(params: ChainParams, genesis: BlockWrite): Promise<void> {
    if (this.meta.get('params')) throw new UrchainError('EXISTS', `${this.path} already holds a chain`);
    await this.commit(() => {
      if (this.meta.get('params')) throw new UrchainError('EXISTS', `${this.path} already holds a chain`);
      this.meta.putSync('params', buf(encodeParams(params)));
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
    throw new UrchainError('BAD_INPUT', `${what} of ${n} bytes does not fit the store's index (1-${MAX_KEY_BYTES - KEY_MARGIN} bytes)`);
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
  if (errno === 'ENOSPC') return new UrchainError('STORE', 'the disk holding the store is full (ENOSPC); free space and try again', { cause: errno });
  const why = cause?.message ?? (err?.commitError ? 'LMDB could not write the transaction (a full disk or an I/O error?)' : (err?.message ?? String(e)));
  return new UrchainError('STORE', `the store could not commit${errno ? ` (${errno})` : ''}: ${why}`, errno ? { cause: errno } : {});
}

function errnoName(n: number): string | undefined {
  for (const [name, v] of Object.entries(os.constants.errno)) if (v === n) return name;
  return undefined;
}
