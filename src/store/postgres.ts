/**
 * @module store/postgres
 * The PostgreSQL store (DESIGN decision 16), behind the same Store interface as LMDB. The
 * interface's reads are synchronous (the node, the block tree and the query layer call them in
 * tight loops), and no PostgreSQL client is: so a worker thread (store/postgresWorker.ts) owns
 * the connections, and each read posts a request to it on a MessageChannel and blocks on a
 * shared flag (Atomics.wait) until the answer is there to take (receiveMessageOnPort). Blocking
 * the event loop for one indexed lookup costs about what a synchronous LMDB read of a cold page
 * does, and keeps every caller unchanged. What never changes once written (blocks, bodies,
 * transactions, batches: content-addressed by their hash) is cached here, so the hot paths of
 * the block tree and proofs rarely cross to the worker twice.
 *
 * Commits are asynchronous messages to the same worker, run one at a time, each one transaction
 * that resolves only after COMMIT returned with `synchronous_commit = on`: the same "durable
 * when the promise resolves, all or nothing" as LMDB. A writable store holds a PostgreSQL
 * advisory lock (one node writes to a database) and keeps the head and counter it writes.
 * Nothing trusts the database: `urchain audit --store` re-verifies every row it reads.
 */
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { ChainParams } from '../chain/params.js';
import { UrchainError, type ErrorCode } from '../errors.js';
import type { Store, StoredBlock, StoredTx, StoredBatch, TxLocation, Head, IngestWrite, BlockWrite } from './types.js';
import { headCodec, seqCodec, paramsCodec, isEntangleIndexKey } from './buckets.js';
import { parsePgUrl, redactUrl, type PgTarget } from './postgresUrl.js';
import { checkPgFormat, checkTextKey } from './postgresSchema.js';
import { encodeBlock, decodeBlock, decodeTx, decodeBatch, decodeLocation } from './postgresRows.js';
import { split32, toHex } from '../codec/bytes.js';

/** How long one read may take before the store gives up on the server. */
const READ_TIMEOUT_MS = 60_000;
/** Immutable rows kept per kind (blocks, bodies, txs, batches). */
const CACHE_ROWS = 20_000;

export interface PostgresOpenOptions {
  readOnly?: boolean;
  /** Heights per partition, fixed when the schema is created (tests use small ones). */
  partitionSpan?: number;
  env?: NodeJS.ProcessEnv;
}

type Reply = { ok: true; value: unknown } | { ok: false; error: { message: string; code?: string; urchain?: string } };

/** A bounded map that forgets its oldest entry first. */
class Lru<V> {
  private m = new Map<string, V>();
  get(k: string): V | undefined {
    return this.m.get(k);
  }
  set(k: string, v: V): V {
    if (this.m.size >= CACHE_ROWS) this.m.delete(this.m.keys().next().value!);
    this.m.set(k, v);
    return v;
  }
}

export class PostgresStore implements Store {
  readonly path: string;
  readonly readOnly: boolean;
  private seq = 0;
  private asyncId = 0;
  private inFlight = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private closed = false;
  private params?: ChainParams;
  /** Kept by a writer (the only one to move them); a reader asks each time. */
  private headKept?: Head;
  private seqKept?: number;
  private blocks = new Lru<StoredBlock>();
  private bodies = new Lru<Uint8Array[]>();
  private txs = new Lru<StoredTx>();
  private batches = new Lru<StoredBatch>();

  private constructor(
    private readonly target: PgTarget,
    readOnly: boolean,
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
  ) {
    this.path = target.shown;
    this.readOnly = readOnly;
    worker.on('message', (m: { id: number } & Reply) => {
      const p = this.inFlight.get(m.id);
      if (!p) return;
      this.inFlight.delete(m.id);
      if (this.inFlight.size === 0) worker.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(this.error(m.error));
    });
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', () => this.failAll(new Error('the PostgreSQL worker stopped')));
  }

  /** Opens (a writer: creates the schema of) the database a `postgres://` URL names. */
  static async open(url: string, opts: PostgresOpenOptions = {}): Promise<PostgresStore> {
    const target = parsePgUrl(url, opts.env);
    const readOnly = !!opts.readOnly;
    const { port1, port2 } = new MessageChannel();
    // Both threads wait and notify on the same shared memory.
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./postgresWorker.js', import.meta.url), {
      workerData: { target, readOnly, partitionSpan: opts.partitionSpan, flag, syncPort: port2 },
      transferList: [port2],
    });
    const s = new PostgresStore(target, readOnly, worker, port1, flag);
    try {
      const { format } = (await s.send('open')) as { format: number };
      checkPgFormat(format, target.shown);
      s.params = s.readParams();
      if (!readOnly) {
        s.headKept = s.readHead();
        s.seqKept = s.readSeq();
      }
      return s;
    } catch (e) {
      await s.close().catch(() => undefined);
      throw e;
    }
  }

  /** A failure from the worker as an UrchainError that never shows the password. */
  private error(e: { message: string; code?: string; urchain?: string }): UrchainError {
    let msg = redactUrl(e.message);
    if (this.target.password) msg = msg.split(this.target.password).join('***');
    if (e.urchain) return UrchainError[e.urchain as ErrorCode](msg);
    const conn = /^(08|57P|53)/.test(e.code ?? '') || /^E(CONNREFUSED|CONNRESET|NOTFOUND|TIMEDOUT|HOSTUNREACH)|CONNECT_TIMEOUT|CONNECTION_(CLOSED|ENDED|DESTROYED)/.test(e.code ?? '');
    const text = `PostgreSQL ${this.target.shown}: ${msg}${e.code ? ` (${e.code})` : ''}`;
    return conn ? UrchainError.UNAVAILABLE(text) : UrchainError.STORE(text, e.code ? { cause: e.code } : {});
  }

  private failAll(e: unknown) {
    for (const p of this.inFlight.values()) p.reject(UrchainError.STORE(`PostgreSQL ${this.target.shown}: ${redactUrl(String((e as Error)?.message ?? e))}`));
    this.inFlight.clear();
    this.closed = true;
  }

  /** One read, synchronously: post it, block until the worker flags its answer. */
  private call<T>(op: string, ...args: unknown[]): T {
    if (this.closed) throw UrchainError.STORE(`the store ${this.target.shown} is closed`);
    const id = ++this.seq;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ op, args, id });
    const deadline = Date.now() + READ_TIMEOUT_MS;
    for (;;) {
      const got = receiveMessageOnPort(this.port)?.message as (Reply & { id: number }) | undefined;
      if (got) {
        if (got.id !== id) continue; // the late answer of a read that timed out
        if (!got.ok) throw this.error(got.error);
        return got.value as T;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw UrchainError.UNAVAILABLE(`PostgreSQL ${this.target.shown} did not answer a read within ${READ_TIMEOUT_MS / 1000} s`);
      Atomics.wait(this.flag, 0, 0, Math.min(left, 1000));
      Atomics.store(this.flag, 0, 0);
    }
  }

  /** One write (or open/close), asynchronously, queued behind the others in the worker. */
  private send(op: string, arg?: unknown): Promise<unknown> {
    if (this.closed && op !== 'close') return Promise.reject(UrchainError.STORE(`the store ${this.target.shown} is closed`));
    const id = ++this.asyncId;
    this.worker.ref(); // an outstanding commit keeps the process alive
    return new Promise((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, arg });
    });
  }

  private metaRow(name: string): Uint8Array | undefined {
    return this.call<Uint8Array | undefined>('meta', name);
  }
  private readParams() {
    const v = this.metaRow('params');
    return v && paramsCodec.decode(v);
  }
  private readHead() {
    const v = this.metaRow('head');
    return v && headCodec.decode(v);
  }
  private readSeq() {
    const v = this.metaRow('seq');
    return v ? seqCodec.decode(v) : 0;
  }

  getParams(): ChainParams | undefined {
    return (this.params ??= this.readParams());
  }
  head(): Head | undefined {
    return this.readOnly ? this.readHead() : this.headKept;
  }
  getBlock(hash: Uint8Array): StoredBlock | undefined {
    const k = toHex(hash);
    const hit = this.blocks.get(k);
    if (hit) return hit;
    const r = this.call<Parameters<typeof decodeBlock>[0] | undefined>('block', hash);
    return r && this.blocks.set(k, decodeBlock(r));
  }
  getBody(hash: Uint8Array): Uint8Array[] | undefined {
    const k = toHex(hash);
    const hit = this.bodies.get(k);
    if (hit) return hit;
    const r = this.call<Uint8Array | undefined>('body', hash);
    return r && this.bodies.set(k, split32(r));
  }
  getBodySlice(hash: Uint8Array, from: number, to: number): Uint8Array[] | undefined {
    const whole = this.bodies.get(toHex(hash));
    if (whole) return whole.slice(from, to);
    // Only the slice crosses from the server: a proof out of a block of a million ids reads 8 KiB.
    const r = this.call<Uint8Array | undefined>('bodySlice', hash, from, to);
    return r && split32(r);
  }
  blockLevels = (hash: Uint8Array): Uint8Array | undefined => this.call<Uint8Array | undefined>('levels', hash);
  hashAt(height: number): Uint8Array | undefined {
    return this.call<Uint8Array | undefined>('hashAt', height);
  }
  getTx(txId: Uint8Array): StoredTx | undefined {
    const k = toHex(txId);
    const hit = this.txs.get(k);
    if (hit) return hit;
    const r = this.call<Parameters<typeof decodeTx>[0] | undefined>('tx', txId);
    return r && this.txs.set(k, decodeTx(r));
  }
  hasTx(txId: Uint8Array): boolean {
    return this.txs.get(toHex(txId)) !== undefined || this.call<boolean>('hasTx', txId);
  }
  getBatch(root: Uint8Array): StoredBatch | undefined {
    const k = toHex(root);
    const hit = this.batches.get(k);
    if (hit) return hit;
    const r = this.call<Parameters<typeof decodeBatch>[0] | undefined>('batch', root);
    return r && this.batches.set(k, decodeBatch(r));
  }
  getPayload(txId: Uint8Array): Uint8Array | undefined {
    return this.call<Uint8Array | undefined>('payload', txId);
  }
  location(txId: Uint8Array): TxLocation | undefined {
    const r = this.call<Parameters<typeof decodeLocation>[0] | undefined>('location', txId);
    return r && decodeLocation(r);
  }
  pending(): Uint8Array[] {
    return this.call<Uint8Array[]>('pending');
  }
  productTxs(code: string): Uint8Array[] {
    return this.call<Uint8Array[]>('codeTxs', code);
  }
  idem(key: string): Uint8Array | undefined {
    return this.call<Uint8Array | undefined>('idem', isEntangleIndexKey(key) ? 'entangle' : 'idem', key);
  }
  entangleRange(prefix: string, start = prefix): Iterable<{ key: string; txId: Uint8Array }> {
    return this.call<{ key: string; txId: Uint8Array }[]>('entangleRange', prefix, start);
  }
  lastSeq(): number {
    return this.readOnly ? this.readSeq() : (this.seqKept ?? 0);
  }

  private mustWrite() {
    if (this.readOnly) throw UrchainError.STORE(`the store ${this.target.shown} is open read-only`);
  }
  private block(w: BlockWrite) {
    return { ...w, encoded: encodeBlock(w.block) };
  }

  async initChain(params: ChainParams, genesis: BlockWrite): Promise<void> {
    this.mustWrite();
    await this.send('init', { params: paramsCodec.encode(params), genesis: this.block(genesis) });
    this.params = params;
    if (genesis.move) this.headKept = genesis.move.head;
  }
  async commitIngest(w: IngestWrite): Promise<void> {
    this.mustWrite();
    for (const t of w.txs) {
      if (t.product) checkTextKey(t.product, 'product code');
      for (const id of t.identifiers ?? []) checkTextKey(id, 'identifier');
      if (t.idemKey) checkTextKey(t.idemKey, 'idempotency key');
    }
    await this.send('ingest', w);
    if (w.seq !== undefined) this.seqKept = w.seq;
  }
  async commitBlock(w: BlockWrite): Promise<void> {
    this.mustWrite();
    await this.send('block', this.block(w));
    if (w.move) this.headKept = w.move.head;
  }
  async putPayload(txId: Uint8Array, payload: Uint8Array): Promise<void> {
    this.mustWrite();
    await this.send('payload', { txId, payload });
  }
  /** Drops the schema if the chain holds nothing but its genesis block (a failed first start). */
  async dropIfUntouched(): Promise<void> {
    this.mustWrite();
    await this.send('dropIfUntouched');
  }
  /** Test hook of the conformance suite: a commit that fails inside its transaction, after writing. */
  async failingIngest(w: IngestWrite): Promise<void> {
    await this.send('failingIngest', w);
  }
  size(): number {
    return this.closed ? 0 : this.call<number>('size');
  }
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await Promise.race([this.send('close'), new Promise((r) => setTimeout(r, 6000).unref())]);
    } catch {
      /* closing anyway */
    }
    this.closed = true;
    this.port.close();
    await this.worker.terminate();
  }
}
