/**
 * @module ingest/sink
 * Where ingest commands send records: a node's HTTP API (`--node URL`) or its Profichain port
 * (`--profichain HOST:PORT`, optionally with tier-1 session encryption and a pinned node key).
 * With a tier-2 key the payload is encrypted before it leaves (meta enc=tier2). Like the HTTP
 * client, a Profichain sink retries a record whose connection failed or dropped, with back-off,
 * over a new connection; give records an idempotency key where a retry must not duplicate one.
 * `submitBatch` sends many records at once: over HTTP as one POST /v1/records/batch, over
 * Profichain in multi-record SUBMIT frames (the client gathers records sent together).
 */
import { NodeClient } from '../io/nodeClient.js';
import type { ProfichainClient } from './profichain/client.js';
import { encryptTier2, readAesKeyFile } from './profichain/tier2.js';
import { fromHex } from '../codec/bytes.js';
import { badInput, isUrchainError, asUrchainError, UrchainError, ERRORS, type ErrorCode } from '../errors.js';
import type { Outcome } from './batch.js';
import { parseHostPort } from '../io/hostPort.js';
import { retry } from '../io/retry.js';
import type { RecordInput, Receipt } from '../contracts/records.js';

export interface Sink {
  /** The receipt: all of it over HTTP; over Profichain what a RECEIPT frame carries (client.ts). */
  submit(r: RecordInput): Promise<SinkReceipt>;
  /** Many records at once, an outcome per record in order; throws only when the node refused the whole batch (TOO_LARGE, UNAVAILABLE, ...). */
  submitBatch(recs: RecordInput[]): Promise<Outcome<SinkReceipt>[]>;
  close(): Promise<void>;
}

export type SinkReceipt = Pick<Receipt, 'txId' | 'duplicate'>;

export interface SinkOptions {
  node?: string;
  profichain?: string;
  tier1?: boolean;
  nodeKey?: string;
  tier2Key?: string;
  /** Retries of a record whose connection failed (default 5), from `baseDelayMs` (200) doubling. */
  retries?: number;
  baseDelayMs?: number;
}

export function openSink(o: SinkOptions): Sink {
  if (!!o.node === !!o.profichain) throw badInput('give exactly one of --node URL or --profichain HOST:PORT');
  if ((o.tier1 || o.nodeKey) && !o.profichain) throw badInput('--tier1 and --node-key go with --profichain');
  const tier2 = o.tier2Key ? readAesKeyFile(o.tier2Key) : undefined;
  const wrap = (r: RecordInput): RecordInput => {
    if (!tier2) return r;
    const meta = Array.isArray(r.meta) ? Object.fromEntries(r.meta) : { ...(r.meta ?? {}) };
    return { ...r, payload: encryptTier2(r.payload, tier2), meta: { ...meta, enc: 'tier2' } };
  };
  if (o.node) {
    const c = new NodeClient(o.node, { retries: o.retries, baseDelayMs: o.baseDelayMs });
    return {
      submit: (r) => c.submit(wrap(r)),
      submitBatch: async (recs) =>
        (await c.submitBatch(recs.map(wrap))).receipts.map((x) => {
          if (!('error' in x)) return { receipt: x };
          // A code this version does not know has no row in the error table: not a reply it can read.
          const code = Object.hasOwn(ERRORS, x.error.code) ? (x.error.code as ErrorCode) : 'BAD_REPLY';
          return { error: new UrchainError(code, x.error.message) };
        }),
      close: () => c.close(),
    };
  }
  const addr = parseHostPort(o.profichain!, '--profichain');
  const pinned = o.nodeKey ? fromHex(o.nodeKey.toLowerCase(), 32, '--node-key') : undefined;
  let conn: Promise<ProfichainClient> | undefined;
  const get = () => {
    // Loaded here: a client of the HTTP API never needs the Profichain code (start-up time).
    conn ??= import('./profichain/client.js').then(({ ProfichainClient }) => ProfichainClient.connect({ ...addr, tier1: o.tier1, nodeKey: pinned })).catch((e) => {
      conn = undefined;
      throw e;
    });
    return conn;
  };
  /** One record (already wrapped), retried over a new connection while the node is unreachable. */
  const send = (rec: RecordInput): Promise<SinkReceipt> => {
    const once = async () => {
      const used = get();
      try {
        return await (await used).submit(rec);
      } catch (e) {
        if (isUrchainError(e, 'UNAVAILABLE') && conn === used) conn = undefined; // gone: the next attempt opens a new one
        throw e;
      }
    };
    return retry(once, (e) => isUrchainError(e, 'UNAVAILABLE'), { retries: o.retries, baseDelayMs: o.baseDelayMs });
  };
  return {
    submit: (r) => send(wrap(r)), // encrypted once: a retry sends the same ciphertext
    // All in shared SUBMIT frames (one group commit at the node); a record whose connection
    // failed goes again on its own, with the retries of `send`.
    submitBatch: async (recs) => {
      const wrapped = recs.map(wrap);
      const used = get();
      let first: PromiseSettledResult<SinkReceipt>[];
      try {
        first = await Promise.allSettled((await used).submitAll(wrapped));
      } catch (e) {
        first = wrapped.map(() => ({ status: 'rejected', reason: e }));
      }
      return Promise.all(
        first.map(async (r, i): Promise<Outcome<SinkReceipt>> => {
          if (r.status === 'fulfilled') return { receipt: r.value };
          if (!isUrchainError(r.reason, 'UNAVAILABLE')) return { error: asUrchainError(r.reason) };
          if (conn === used) conn = undefined;
          return send(wrapped[i]).then((receipt) => ({ receipt }), (e: unknown) => ({ error: asUrchainError(e) }));
        }),
      );
    },
    close: async () => {
      if (conn) await (await conn.catch(() => undefined))?.close();
    },
  };
}
