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
import { encodeCore, normalizeMeta, metaGet, txIdOf, decodeCore, KIND_RE, type Meta, type TxCore } from '../chain/transaction.js';
import { signBatch } from '../chain/batch.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { toHex } from '../codec/bytes.js';
import { badInput, UrchainError } from '../errors.js';
import type { Store, IngestTx, IngestWrite } from '../store/types.js';
import type { RecordInput, Receipt } from '../contracts/records.js';
import type { NodeRole } from '../contracts/roles.js';
import { clientKey, internalKey, lookup, checkSame, conflict, fingerprint } from './idem.js';
import { indexOf, HASH_META_KEY } from '../epcis/meta.js';
import { checkEpcisRecord, EPCIS_KIND } from '../epcis/record.js';

export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;
export const DEFAULT_MAX_BATCH = 8192;
const PIPELINE = 2;

interface Item {
  rec: RecordInput;
  kind: string;
  meta: Meta;
  digest: Uint8Array;
  /** The stored idempotency key (client: or internal namespace). */
  key?: string;
  resolve: (r: Receipt) => void;
  reject: (e: Error) => void;
}

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
  /** The commit loop while it runs (close awaits it); undefined when idle. */
  private flushing?: Promise<void>;
  private seq: number;
  private inflightKeys = new Map<string, { p: Promise<Receipt>; fp: string }>();
  private closed = false;
  readonly maxPayload: number;
  committedBatches = 0;
  committedTxs = 0;

  constructor(private readonly o: IntakeOptions) {
    this.seq = o.store.lastSeq();
    this.maxPayload = o.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  }

  submit(rec: RecordInput): Promise<Receipt> {
    if (this.closed) return Promise.reject(UrchainError.UNAVAILABLE('node is shutting down'));
    let it: Omit<Item, 'resolve' | 'reject'>;
    try {
      it = this.check(rec);
    } catch (e) {
      return Promise.reject(e);
    }
    // An EPCIS event is its hash id (checked against the payload in check()); read it once here.
    const hash = it.kind === EPCIS_KIND ? metaGet(it.meta, HASH_META_KEY) : undefined;
    try {
      const prior = hash ? this.sameEvent(hash) : undefined;
      if (prior) return Promise.resolve({ ...this.receiptFor(prior), duplicate: true });
    } catch (e) {
      return Promise.reject(e);
    }
    const { key } = it;
    if (key !== undefined) {
      const content = { kind: it.kind, meta: it.meta, digest: it.digest, length: rec.payload.length };
      // The same event written with other bytes, in flight at the same time, is a duplicate.
      const fp = hash ? `epcis:${hash}` : fingerprint(content);
      try {
        const prior = lookup(this.o.store, key);
        if (prior) {
          checkSame(this.o.store, prior, content, key);
          return Promise.resolve({ ...this.receiptFor(prior), duplicate: true });
        }
      } catch (e) {
        return Promise.reject(e);
      }
      const inflight = this.inflightKeys.get(key);
      if (inflight) {
        if (inflight.fp !== fp) return Promise.reject(conflict(key));
        return inflight.p.then((r) => ({ ...r, duplicate: true }));
      }
      const p = this.enqueue(it);
      this.inflightKeys.set(key, { p, fp });
      const drop = () => this.inflightKeys.delete(key);
      p.then(drop, drop);
      return p;
    }
    return this.enqueue(it);
  }

  /** Checks a record completely, before it may join a batch; throws what is wrong with it. */
  private check(rec: RecordInput): Omit<Item, 'resolve' | 'reject'> {
    if (!(rec.payload instanceof Uint8Array)) throw badInput('record: payload must be bytes');
    if (rec.payload.length > this.maxPayload) throw UrchainError.TOO_LARGE(`record of ${rec.payload.length} bytes exceeds the limit of ${this.maxPayload}`);
    const kind = rec.kind ?? 'record';
    if (typeof kind !== 'string' || !KIND_RE.test(kind)) throw badInput(`kind ${JSON.stringify(kind)}: expected 1-32 of a-z 0-9 . _ - starting with a letter`);
    const meta = normalizeMeta(rec.meta ?? []); // limits in UTF-8 bytes (chain/transaction)
    if (kind === EPCIS_KIND) checkEpcisRecord(rec.payload, meta); // the index holds only what the event names
    // epcis.* metadata is checked against an event only in an epcis record: elsewhere it would put an
    // unchecked event hash id into the index (trace by that id would show a record that is no event).
    else if (meta.some(([k]) => k.startsWith('epcis.'))) throw badInput(`metadata epcis.*: only records of kind ${EPCIS_KIND} carry it (this one is ${kind})`);
    const key = internalKey(kind, rec.payload, meta, this.o.chainId) ?? (rec.idemKey === undefined ? undefined : clientKey(rec.idemKey));
    return { rec, kind, meta, digest: sha256(rec.payload), key };
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

  private enqueue(it: Omit<Item, 'resolve' | 'reject'>): Promise<Receipt> {
    const p = new Promise<Receipt>((resolve, reject) => this.queue.push({ ...it, resolve, reject }));
    this.schedule();
    return p;
  }

  /** Starts the commit loop on the next turn unless it runs (records of this turn join its first batch). */
  private schedule(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((r) => setImmediate(r)).then(() => this.flush());
  }

  /** The receipt of a stored transaction. */
  receiptFor(txId: Uint8Array): Receipt {
    const tx = this.o.store.getTx(txId);
    if (!tx) throw UrchainError.NOT_FOUND(`no transaction ${toHex(txId)}`);
    return receipt(txId, decodeCore(tx.coreBytes), tx.batchRoot);
  }

  /**
   * Commits batches while records wait. Up to PIPELINE commits are in flight: the next batch is
   * signed and written while the previous one is still being synced to disk.
   */
  private async flush(): Promise<void> {
    const inflight: Promise<void>[] = [];
    try {
      while (this.queue.length || inflight.length) {
        if (this.queue.length && inflight.length < PIPELINE) {
          inflight.push(this.commit(this.queue.splice(0, this.o.maxBatch ?? DEFAULT_MAX_BATCH)));
          await new Promise((r) => setImmediate(r)); // let more records join the next batch
        } else await inflight.shift();
      }
    } finally {
      this.flushing = undefined;
      if (this.queue.length && !this.closed) this.schedule();
    }
  }

  /** Commits one batch; never throws: each record is resolved or rejected. */
  private async commit(items: Item[]): Promise<void> {
    let built: ReturnType<Intake['build']>;
    try {
      built = this.build(items);
      await this.o.store.commitIngest(built.write);
    } catch (e) {
      // Nothing of the batch is on disk (the store commits all or nothing); the counter `seq`
      // may stay ahead, which only leaves a gap: a seq is never used twice.
      const why = (e as Error).message;
      const err = UrchainError.STORE(`could not store the records durably: ${why}`, e instanceof UrchainError ? e.meta : {});
      for (const it of items) it.reject(err);
      return;
    }
    const { write, cores } = built;
    const { txIds } = write.batch;
    this.committedBatches++;
    this.committedTxs += items.length;
    try {
      this.o.onCommitted?.(txIds, write);
    } catch {
      /* the records are durable: an observer that fails must not withhold their receipts */
    }
    items.forEach((it, i) => it.resolve(receipt(txIds[i], cores[i], write.batchRoot)));
  }

  /** The cores, the batch signature and the store write of one batch. */
  private build(items: Item[]): { write: IngestWrite; cores: TxCore[] } {
    const timestamp = Date.now();
    const cores: TxCore[] = [];
    const coreBytes: Uint8Array[] = [];
    const txIds: Uint8Array[] = [];
    for (const it of items) {
      const core: TxCore = {
        version: 1,
        chainId: this.o.chainId,
        origin: this.o.key.publicKey,
        timestamp,
        seq: ++this.seq,
        kind: it.kind,
        meta: it.meta,
        payloadDigest: it.digest,
        payloadLength: it.rec.payload.length,
      };
      const bytes = encodeCore(core);
      cores.push(core);
      coreBytes.push(bytes);
      txIds.push(txIdOf(bytes));
    }
    const batch = signBatch(txIds, this.o.key);
    const txs: IngestTx[] = items.map((it, i) => ({
      txId: txIds[i],
      coreBytes: coreBytes[i],
      index: i,
      payload: this.o.role.keepsPayload(true) ? it.rec.payload : undefined,
      ...indexOf(it.meta),
      idemKey: it.key,
    }));
    return { write: { batchRoot: batch.root, batch: { origin: this.o.key.publicKey, signature: batch.signature, txIds }, txs, seq: this.seq }, cores };
  }

  /** Stops taking records; waits for the commits in flight (every record taken is answered). */
  async close(): Promise<void> {
    this.closed = true;
    // The loop runs until the queue is empty, and nothing joins the queue once closed.
    while (this.flushing) await this.flushing;
  }
}

function receipt(txId: Uint8Array, c: TxCore, batchRoot: Uint8Array): Receipt {
  return {
    txId: toHex(txId),
    chainId: toHex(c.chainId),
    origin: toHex(c.origin),
    timestamp: c.timestamp,
    seq: c.seq,
    kind: c.kind,
    payloadDigest: toHex(c.payloadDigest),
    payloadLength: c.payloadLength,
    batchRoot: toHex(batchRoot),
    durable: true,
  };
}
