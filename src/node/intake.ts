/**
 * @module node/intake
 * Takes records in with group commit: records that arrive while a commit is in flight form the
 * next batch; each batch is one signature (DESIGN decision 3) and one durable LMDB transaction.
 * A receipt is handed out only after that transaction is on disk, so every receipt survives a
 * crash. An idempotency key (a file's identity, or one a client sends) makes a retry after a
 * lost receipt return the first receipt instead of taking the record in twice.
 */
import { sha256 } from '../crypto/hash.js';
import { encodeCore, normalizeMeta, metaGet, txIdOf, decodeCore, KIND_RE, type Meta, type TxCore } from '../chain/transaction.js';
import { signBatch } from '../chain/batch.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { toHex } from '../codec/bytes.js';
import { badInput, UrchainError } from '../errors.js';
import type { Store, IngestTx, IngestWrite } from '../store/types.js';

export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;
export const DEFAULT_MAX_BATCH = 8192;
const PIPELINE = 2;

export interface RecordInput {
  payload: Uint8Array;
  kind?: string;
  meta?: Record<string, string> | Meta;
  idemKey?: string;
}

export interface Receipt {
  txId: string;
  chainId: string;
  origin: string;
  timestamp: number;
  seq: number;
  kind: string;
  payloadDigest: string;
  payloadLength: number;
  batchRoot: string;
  durable: true;
  duplicate?: true;
}

interface Item {
  rec: RecordInput;
  kind: string;
  meta: Meta;
  digest: Uint8Array;
  resolve: (r: Receipt) => void;
  reject: (e: Error) => void;
}

export interface IntakeOptions {
  store: Store;
  key: KeyPair;
  chainId: Uint8Array;
  keepPayloads: boolean;
  maxPayload?: number;
  maxBatch?: number;
  /** Called after each durable commit with the new txIds, in order, and what was written. */
  onCommitted?: (txIds: Uint8Array[], write: IngestWrite) => void;
}

export class Intake {
  private queue: Item[] = [];
  private flushing = false;
  private seq: number;
  private inflightKeys = new Map<string, Promise<Receipt>>();
  private closed = false;
  readonly maxPayload: number;
  committedBatches = 0;
  committedTxs = 0;

  constructor(private readonly o: IntakeOptions) {
    this.seq = o.store.lastSeq();
    this.maxPayload = o.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  }

  submit(rec: RecordInput): Promise<Receipt> {
    if (this.closed) return Promise.reject(new UrchainError('UNAVAILABLE', 'node is shutting down'));
    if (!(rec.payload instanceof Uint8Array)) return Promise.reject(badInput('record: payload must be bytes'));
    if (rec.payload.length > this.maxPayload)
      return Promise.reject(new UrchainError('TOO_LARGE', `record of ${rec.payload.length} bytes exceeds the limit of ${this.maxPayload}`));
    const kind = rec.kind ?? 'record';
    if (!KIND_RE.test(kind)) return Promise.reject(badInput(`kind ${JSON.stringify(kind)}: expected 1-32 of a-z 0-9 . _ - starting with a letter`));
    let meta: Meta;
    try {
      meta = normalizeMeta(rec.meta ?? []);
    } catch (e) {
      return Promise.reject(e);
    }
    if (rec.idemKey !== undefined) {
      if (typeof rec.idemKey !== 'string' || rec.idemKey.length === 0 || rec.idemKey.length > 256)
        return Promise.reject(badInput('idempotency key: expected 1-256 characters'));
      const prior = this.o.store.idem(rec.idemKey);
      if (prior) return Promise.resolve({ ...this.receiptFor(prior), duplicate: true });
      const inflight = this.inflightKeys.get(rec.idemKey);
      if (inflight) return inflight.then((r) => ({ ...r, duplicate: true }));
    }
    const p = new Promise<Receipt>((resolve, reject) => {
      this.queue.push({ rec, kind, meta, digest: sha256(rec.payload), resolve, reject });
    });
    if (rec.idemKey !== undefined) {
      const k = rec.idemKey;
      this.inflightKeys.set(k, p);
      const drop = () => this.inflightKeys.delete(k);
      p.then(drop, drop);
    }
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
    return p;
  }

  /** The receipt of a stored transaction. */
  receiptFor(txId: Uint8Array): Receipt {
    const tx = this.o.store.getTx(txId);
    if (!tx) throw new UrchainError('NOT_FOUND', `no transaction ${toHex(txId)}`);
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
      this.flushing = false;
      if (this.queue.length && !this.closed) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    }
  }

  private async commit(items: Item[]): Promise<void> {
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
      payload: this.o.keepPayloads ? it.rec.payload : undefined,
      product: metaGet(it.meta, 'product'),
      idemKey: it.rec.idemKey,
    }));
    const write: IngestWrite = { batchRoot: batch.root, batch: { origin: this.o.key.publicKey, signature: batch.signature, txIds }, txs, seq: this.seq };
    try {
      await this.o.store.commitIngest(write);
    } catch (e) {
      const err = new UrchainError('STORE', `could not store the records durably: ${(e as Error).message}`);
      for (const it of items) it.reject(err);
      return;
    }
    this.committedBatches++;
    this.committedTxs += items.length;
    this.o.onCommitted?.(txIds, write);
    items.forEach((it, i) => it.resolve(receipt(txIds[i], cores[i], batch.root)));
  }

  /** Stops taking records; waits for the commit in flight. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing || this.queue.length) await new Promise((r) => setTimeout(r, 5));
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
