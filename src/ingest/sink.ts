/**
 * @module ingest/sink
 * Where ingest commands send records: a node's HTTP API (`--node URL`) or its Profichain port
 * (`--profichain HOST:PORT`, optionally with tier-1 session encryption and a pinned node key).
 * With a tier-2 key the payload is encrypted before it leaves (meta enc=tier2). Like the HTTP
 * client, a Profichain sink retries a record whose connection failed or dropped, with back-off,
 * over a new connection; give records an idempotency key where a retry must not duplicate one.
 */
import { NodeClient } from '../node/client.js';
import { ProfichainClient, parseAddress } from './profichain/client.js';
import { encryptTier2, readAesKeyFile } from './profichain/tier2.js';
import { fromHex } from '../codec/bytes.js';
import { badInput } from '../errors.js';
import type { RecordInput } from '../contracts/records.js';

export interface SinkReceipt {
  txId: string;
  duplicate?: boolean;
}

export interface Sink {
  submit(r: RecordInput): Promise<SinkReceipt>;
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
  const addr = parseAddress(o.profichain!);
  const pinned = o.nodeKey ? fromHex(o.nodeKey.toLowerCase(), 32, '--node-key') : undefined;
  let conn: Promise<ProfichainClient> | undefined;
  const get = () => {
    conn ??= ProfichainClient.connect({ ...addr, tier1: o.tier1, nodeKey: pinned }).catch((e) => {
      conn = undefined;
      throw e;
    });
    return conn;
  };
  return {
    submit: async (r) => {
      const rec = wrap(r); // encrypt once: a retry sends the same ciphertext
      let delay = o.baseDelayMs ?? 200;
      for (let attempt = 0; ; attempt++) {
        const used = get();
        try {
          return await (await used).submit(rec);
        } catch (e) {
          if ((e as { code?: string }).code !== 'UNAVAILABLE') throw e;
          if (conn === used) conn = undefined; // gone: the next attempt opens a new one
          if (attempt >= (o.retries ?? 5)) throw e;
          await new Promise((res) => setTimeout(res, delay));
          delay *= 2;
        }
      }
    },
    close: async () => {
      if (conn) await (await conn.catch(() => undefined))?.close();
    },
  };
}
