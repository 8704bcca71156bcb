/**
 * @module ingest/sink
 * Where ingest commands send records: a node's HTTP API (`--node URL`) or its Profichain port
 * (`--profichain HOST:PORT`, optionally with tier-1 session encryption and a pinned node key).
 * With a tier-2 key the payload is encrypted before it leaves (meta enc=tier2). Like the HTTP
 * client, a Profichain sink retries a record whose connection failed or dropped, with back-off,
 * over a new connection; give records an idempotency key where a retry must not duplicate one.
 */
import { NodeClient } from '../io/nodeClient.js';
import type { ProfichainClient } from './profichain/client.js';
import { encryptTier2, readAesKeyFile } from './profichain/tier2.js';
import { fromHex } from '../codec/bytes.js';
import { badInput, isUrchainError } from '../errors.js';
import { parseHostPort } from '../io/hostPort.js';
import { retry } from '../io/retry.js';
import type { RecordInput, Receipt } from '../contracts/records.js';

export interface Sink {
  /** The receipt: all of it over HTTP; over Profichain what a RECEIPT frame carries (client.ts). */
  submit(r: RecordInput): Promise<Pick<Receipt, 'txId' | 'duplicate'>>;
  close(): Promise<void>;
}

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
    return { submit: (r) => c.submit(wrap(r)), close: () => c.close() };
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
  return {
    submit: async (r) => {
      const rec = wrap(r); // encrypt once: a retry sends the same ciphertext
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
    },
    close: async () => {
      if (conn) await (await conn.catch(() => undefined))?.close();
    },
  };
}
