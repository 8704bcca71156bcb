/**
 * @module node/intake
 * Takes records in with group commit: records that arrive while a commit is in flight form the
 * next batch; each batch is one signature (DESIGN decision 3) and one durable LMDB transaction.
 * A receipt is handed out only after that transaction is on disk, so every receipt survives a
 * crash. An idempotency key (a file's identity, or one a client sends) makes a retry after a
 * lost receipt return the first receipt instead of taking the record in twice; the same key with
 * other content is a CONFLICT (node/idem.ts, also for the keys the node derives itself).
 *
 * Every record is checked completely when it is submitted (limits count UTF-8 bytes, the keys
 * the store indexes must fit), so a batch holds only records the store can take: one bad record
 * gets its own error and never fails the others. A commit that still fails (a full disk) fails
 * its whole batch with STORE and leaves nothing behind; the next batch tries again.
 */
import { sha256 } from '../crypto/hash.js';
import { writeCore, normalizeMeta, metaGet, txIdOf, decodeCore, KIND_RE, type Meta, type TxCore } from '../chain/transaction.js';
import { CborWriter } from '../codec/cbor.js';
import { signBatch } from '../chain/batch.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { toHex } from '../codec/bytes.js';
import { badInput, UrchainError } from '../errors.js';
import type { Store, IngestTx, IngestWrite } from '../store/types.js';
import type { RecordInput, Receipt } from '../contracts/records.js';
import type { NodeRole } from '../contracts/roles.js';
import { clientKey, internalKey, lookup, checkSame, conflict, fingerprint } from './idem.js';
import { indexOf, HASH_META_KEY } from '../epcis/meta.js';
import { BatchRef, Durable, Source } from './receipt.js';
import { checkEpcisRecord, EPCIS_KIND } from '../epcis/record.js';

export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;
export const DEFAULT_MAX_BATCH = 8192;
const PIPELINE = 2;

/** A checked record waiting in the queue for its batch. */
class Item {
  constructor(
    readonly payload: Uint8Array,
    readonly kind: string,
    readonly meta: Meta,
    readonly digest: Uint8Array,
    /** The stored idempotency key (client: or internal namespace). */
    readonly key: string | undefined,
    readonly resolve: (d: Durable) => void,
    readonly reject: (e: Error) => void,
  ) {}
}

type Checked = { payload: Uint8Array; kind: string; meta: Meta; digest: Uint8Array; key?: string };
type Waiter = [(d: Durable) => void, (e: Error) => void];

export interface IntakeOptions {
  store: Store;
  key: KeyPair;
  chainId: Uint8Array;
  /** The node's type: its storage filter says whether records taken in here keep their payload. */
  role: NodeRole;
  maxPayload?: number;
  maxBatch?: number;
  /** Called after each durable commit with the new txIds, in order, and what was written. */
  onCommitted?: (txIds: Uint8Array[], write: IngestWrite) => void;
}

export class Intake {
  private queue: Item[] = [];
  /** Commits running (at most PIPELINE: the next batch is signed and written while the one before is synced). */
  private running = 0;
  /** Records the last commit took: as many waiting start the next while it runs. */
  private lastBatch = 0;
  /** A commit is due on the next turn (startCommit). */
  private starting = false;
  /** What close() awaits: the moment no commit runs or waits (every caller of close the same one). */
  private idle?: { done: Promise<void>; end: () => void };
  private seq: number;
  /** Records in flight by idempotency key: their content's fingerprint and who waits for them besides. */
  private inflightKeys = new Map<string, { fp: string; waiters: Waiter[] }>();
  private closed = false;
  /** One writer for every batch's cores: they go out of it with one copy per batch. */
  private readonly writer = new CborWriter(64 * 1024);
  /** This node's chain id and key as hex, made once for all its receipts. */
  private readonly source: Source;
  readonly maxPayload: number;
  committedBatches = 0;
  committedTxs = 0;

  constructor(private readonly o: IntakeOptions) {
    this.seq = o.store.lastSeq();
    this.maxPayload = o.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    this.source = new Source(toHex(o.chainId), toHex(o.key.publicKey));
  }

  /** Takes a record in; its receipt once it is durable. */
  submit(rec: RecordInput): Promise<Receipt> {
    return new Promise((resolve, reject) => this.admit(rec, (d) => resolve(d.receipt()), reject));
  }

  /** As submit, but answers the raw durable record: hex and receipt objects only when asked for. */
  accept(rec: RecordInput): Promise<Durable> {
    return new Promise((resolve, reject) => this.admit(rec, resolve, reject));
  }

  /** As accept, with callbacks for the HTTP API's one-record route: no promise per record. One of them is called, once. */
  acceptThen(rec: RecordInput, done: (d: Durable) => void, fail: (e: Error) => void): void {
    this.admit(rec, done, fail);
  }

  /** Takes many records in at once (one HTTP batch); per record its durable form or its error, in order. */
  acceptAll(recs: readonly RecordInput[]): Promise<(Durable | Error)[]> {
    return new Promise((done) => {
      const out: (Durable | Error)[] = new Array(recs.length);
      let left = recs.length;
      if (left === 0) return done(out);
      const settle = (i: number, v: Durable | Error) => {
        out[i] = v;
        if (--left === 0) done(out);
      };
      for (let i = 0; i < recs.length; i++)
        this.admit(
          recs[i],
          (d) => settle(i, d),
          (e) => settle(i, e),
        );
    });
  }

  /** Checks a record and queues it, or answers it at once (an error, or a duplicate's first receipt). */
  private admit(rec: RecordInput, resolve: (d: Durable) => void, reject: (e: Error) => void): void {
    if (this.closed) return reject(UrchainError.UNAVAILABLE('node is shutting down'));
    try {
      const it = this.check(rec);
      // An EPCIS event is its hash id (checked against the payload in check()); read it once here.
      const hash = it.kind === EPCIS_KIND ? metaGet(it.meta, HASH_META_KEY) : undefined;
      const same = hash ? this.sameEvent(hash) : undefined;
      if (same) return resolve(this.durableOf(same).again());
      const { key } = it;
      if (key === undefined) return this.enqueue(it, resolve, reject);
      const content = { kind: it.kind, meta: it.meta, digest: it.digest, length: it.payload.length };
      // The same event written with other bytes, in flight at the same time, is a duplicate.
      const fp = hash ? `epcis:${hash}` : fingerprint(content);
      const prior = lookup(this.o.store, key);
      if (prior) {
        checkSame(this.o.store, prior, content, key);
        return resolve(this.durableOf(prior).again());
      }
      const inflight = this.inflightKeys.get(key);
      if (inflight) {
        if (inflight.fp !== fp) return reject(conflict(key));
        inflight.waiters.push([(d) => resolve(d.again()), reject]);
        return;
      }
      const entry = { fp, waiters: [] as Waiter[] };
      this.inflightKeys.set(key, entry);
      this.enqueue(
        it,
        (d) => {
          this.inflightKeys.delete(key);
          resolve(d);
          for (const [r] of entry.waiters) r(d);
        },
        (e) => {
          this.inflightKeys.delete(key);
          reject(e);
          for (const [, j] of entry.waiters) j(e);
        },
      );
    } catch (e) {
      reject(e as Error);
    }
  }

  /** Checks a record completely, before it may join a batch; throws what is wrong with it. */
  private check(rec: RecordInput): Checked {
    if (!(rec.payload instanceof Uint8Array)) throw badInput('record: payload must be bytes');
    if (rec.payload.length > this.maxPayload) throw UrchainError.TOO_LARGE(`record of ${rec.payload.length} bytes exceeds the limit of ${this.maxPayload}`);
    const kind = rec.kind ?? 'record';
    if (typeof kind !== 'string' || !KIND_RE.test(kind)) throw badInput(`kind ${JSON.stringify(kind)}: expected 1-32 of a-z 0-9 . _ - starting with a letter`);
    const meta = rec.meta == null ? [] : normalizeMeta(rec.meta); // limits in UTF-8 bytes (chain/transaction)
    if (kind === EPCIS_KIND) checkEpcisRecord(rec.payload, meta); // the index holds only what the event names
    // epcis.* metadata is checked against an event only in an epcis record: elsewhere it would put an
    // unchecked event hash id into the index (trace by that id would show a record that is no event).
    else if (meta.some(([k]) => k.startsWith('epcis.'))) throw badInput(`metadata epcis.*: only records of kind ${EPCIS_KIND} carry it (this one is ${kind})`);
    const key = internalKey(kind, rec.payload, meta, this.o.chainId) ?? (rec.idemKey === undefined ? undefined : clientKey(rec.idemKey));
    return { payload: rec.payload, kind, meta, digest: sha256(rec.payload), key };
  }

  /**
   * An EPCIS event already in this chain under the same hash id (any node's record: the index
   * holds every record's `epcis.hash`), whatever bytes it came in: the same event, not stored twice.
   */
  private sameEvent(hash: string): Uint8Array | undefined {
    for (const txId of this.o.store.productTxs(hash)) {
      const tx = this.o.store.getTx(txId);
      const core = tx && decodeCore(tx.coreBytes);
      if (core && core.kind === EPCIS_KIND && metaGet(core.meta, HASH_META_KEY) === hash) return txId;
    }
    return undefined;
  }

  private enqueue(it: Checked, resolve: (d: Durable) => void, reject: (e: Error) => void): void {
    this.queue.push(new Item(it.payload, it.kind, it.meta, it.digest, it.key, resolve, reject));
    this.schedule();
  }

  /**
   * Starts a commit on the next turn (the records of this turn join it) when none runs, or when
   * one runs and as many records wait as the last commit took: records that arrive while a commit
   * is being synced are written meanwhile, and their sync follows at once, but a few early ones do
   * not take a commit (a sync) of their own. Otherwise they wait for the running commit to end.
   */
  private schedule(): void {
    if (this.starting || this.running >= PIPELINE || (this.running && this.queue.length < this.lastBatch)) return;
    this.starting = true;
    setImmediate(this.startCommit);
  }

  private readonly startCommit = (): void => {
    this.starting = false;
    if (!this.queue.length || this.running >= PIPELINE) return this.settled();
    this.running++;
    const items = this.queue.splice(0, this.o.maxBatch ?? DEFAULT_MAX_BATCH);
    this.lastBatch = items.length;
    void this.commit(items).then(this.committed, this.committed);
    if (this.queue.length) this.schedule(); // more than one batch waits
  };

  private readonly committed = (): void => {
    this.running--;
    // Records taken in before close() are still committed.
    if (this.queue.length) this.schedule();
    this.settled();
  };

  private settled(): void {
    if (this.running || this.starting || this.queue.length || !this.idle) return;
    const { end } = this.idle;
    this.idle = undefined;
    end();
  }

  /** The receipt of a stored transaction. */
  receiptFor(txId: Uint8Array): Receipt {
    return this.durableOf(txId).receipt();
  }

  /** A stored transaction as a durable record (any node's: its own chain id and origin). */
  private durableOf(txId: Uint8Array): Durable {
    const tx = this.o.store.getTx(txId);
    if (!tx) throw UrchainError.NOT_FOUND(`no transaction ${toHex(txId)}`);
    const c = decodeCore(tx.coreBytes);
    return new Durable(txId, new Source(toHex(c.chainId), toHex(c.origin)), c.timestamp, c.seq, c.kind, c.payloadDigest, c.payloadLength, new BatchRef(tx.batchRoot));
  }

  /** Commits one batch; never throws: each record is resolved or rejected. */
  private async commit(items: Item[]): Promise<void> {
    let write: IngestWrite;
    let timestamp: number;
    try {
      ({ write, timestamp } = this.build(items));
      await this.o.store.commitIngest(write);
    } catch (e) {
      // Nothing of the batch is on disk (the store commits all or nothing); the counter `seq`
      // may stay ahead, which only leaves a gap: a seq is never used twice.
      const why = (e as Error).message;
      const err = UrchainError.STORE(`could not store the records durably: ${why}`, e instanceof UrchainError ? e.meta : {});
      for (const it of items) it.reject(err);
      return;
    }
    const { txIds } = write.batch;
    this.committedBatches++;
    this.committedTxs += items.length;
    try {
      this.o.onCommitted?.(txIds, write);
    } catch {
      /* the records are durable: an observer that fails must not withhold their receipts */
    }
    const ref = new BatchRef(write.batchRoot);
    const seq0 = (write.seq as number) - items.length + 1;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      it.resolve(new Durable(txIds[i], this.source, timestamp, seq0 + i, it.kind, it.digest, it.payload.length, ref));
    }
  }

  /** The cores, the batch signature and the store write of one batch. */
  private build(items: Item[]): { write: IngestWrite; timestamp: number } {
    const timestamp = Date.now();
    const n = items.length;
    const w = this.writer;
    w.len = 0; // a build that threw may have left bytes behind
    const ends: number[] = new Array(n);
    const core: TxCore = { version: 1, chainId: this.o.chainId, origin: this.o.key.publicKey, timestamp, seq: 0, kind: '', meta: [], payloadDigest: this.o.chainId, payloadLength: 0 };
    for (let i = 0; i < n; i++) {
      const it = items[i];
      core.seq = ++this.seq;
      core.kind = it.kind;
      core.meta = it.meta;
      core.payloadDigest = it.digest;
      core.payloadLength = it.payload.length;
      writeCore(w, core);
      ends[i] = w.len;
    }
    // All cores in one buffer (one copy out of the writer); each record's core is a view into it.
    const all = w.take();
    const keep = this.o.role.keepsPayload(true);
    const txIds: Uint8Array[] = new Array(n);
    const txs: IngestTx[] = new Array(n);
    for (let i = 0, at = 0; i < n; at = ends[i], i++) {
      const it = items[i];
      const coreBytes = all.subarray(at, ends[i]);
      const txId = txIdOf(coreBytes);
      txIds[i] = txId;
      const ix = it.meta.length ? indexOf(it.meta) : undefined; // no metadata: nothing to index
      txs[i] = { txId, coreBytes, index: i, payload: keep ? it.payload : undefined, product: ix?.product, identifiers: ix?.identifiers, idemKey: it.key };
    }
    const batch = signBatch(txIds, this.o.key);
    return { write: { batchRoot: batch.root, batch: { origin: this.o.key.publicKey, signature: batch.signature, txIds }, txs, seq: this.seq }, timestamp };
  }

  /** Stops taking records; waits for the commits in flight (every record taken is answered). */
  async close(): Promise<void> {
    this.closed = true;
    // Nothing joins the queue once closed; what is in it is still committed.
    while (this.running || this.starting || this.queue.length) {
      if (!this.idle) {
        let end!: () => void;
        const done = new Promise<void>((r) => (end = r));
        this.idle = { done, end };
      }
      await this.idle.done;
    }
  }
}
