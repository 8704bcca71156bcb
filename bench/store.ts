/**
 * `--only store`: LMDB and PostgreSQL side by side in one run, on the same machine. For each
 * backend a real node process (`node run`, and `--store postgres://…` for PostgreSQL, the server
 * from support/postgres.ts: a throwaway cluster with fsync and synchronous_commit on, or
 * PGTEST_URL) takes durable 1 KiB records over HTTP, one per request and in batches (records/s,
 * receipt p50/p99); then, on the store opened read-only in this process: `trace` of an item with
 * 1,000 records, proof generation, a single read's cost, and the bytes the store takes per record.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request, Agent } from 'undici';
import { encode as cborEncode } from 'cbor-x';
import { startNode, BENCH_EVENTS } from '../support/children.js';
import { startPostgres } from '../support/postgres.js';
import { openStore } from '../src/store/open.js';
import { Query } from '../src/node/query.js';

type Emit = (o: Record<string, unknown>) => void;
type Drive = (workers: number, seconds: number, once: (w: number) => Promise<number>) => Promise<{ n: number; lat: number[]; secs: number }>;

const ITEM_RECORDS = 1000;

export async function storeBench(emit: Emit, seconds: number, drive: Drive, pct: (xs: number[], p: number) => number): Promise<void> {
  const pg = await startPostgres();
  try {
    await one('lmdb', undefined);
    if (pg) await one('postgres', await pg.createDb('bench'));
    else emit({ bench: 'store', store: 'postgres', skipped: 'PostgreSQL is not installed' });
  } finally {
    await pg?.stop();
  }

  async function one(name: string, store: string | undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-store-'));
    const data = path.join(dir, 'data');
    const node = await startNode(data, ['--block-time', '1s', ...(store ? ['--store', store] : [])], { events: BENCH_EVENTS });
    const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
    const payload = crypto.randomBytes(1024);
    const ids: string[] = [];
    let records = 0;
    try {
      const single = await drive(64, seconds, async () => {
        const res = await request(`${node.url}/v1/records`, { method: 'POST', body: payload, dispatcher: agent });
        const r = (await res.body.json()) as { txId: string };
        if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
        ids.push(r.txId);
        return 1;
      });
      emit({ bench: 'store.ingest.http.single', store: name, payloadBytes: 1024, inFlight: 64, records: single.n, recordsPerSec: Math.round(single.n / single.secs), receiptLatencyMsP50: pct(single.lat, 50), receiptLatencyMsP99: pct(single.lat, 99) });
      const body = cborEncode(Array.from({ length: 100 }, () => ({ payload })));
      const batch = await drive(8, seconds, async () => {
        const res = await request(`${node.url}/v1/records/batch`, { method: 'POST', body, headers: { 'content-type': 'application/cbor' }, dispatcher: agent });
        const r = (await res.body.json()) as { receipts: { txId: string }[] };
        if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
        return r.receipts.length;
      });
      emit({ bench: 'store.ingest.http.batch', store: name, payloadBytes: 1024, recordsPerRequest: 100, inFlight: 8, records: batch.n, recordsPerSec: Math.round(batch.n / batch.secs), receiptLatencyMsP50: pct(batch.lat, 50), receiptLatencyMsP99: pct(batch.lat, 99) });
      // One item with 1,000 records (distinct payloads), in batches of 100.
      for (let i = 0; i < ITEM_RECORDS; i += 100) {
        const items = cborEncode(Array.from({ length: 100 }, (_, k) => ({ payload: Buffer.concat([payload.subarray(0, 1000), Buffer.from(`item ${i + k}`.padEnd(24))]), meta: { product: 'ITEM-1' } })));
        const res = await request(`${node.url}/v1/records/batch`, { method: 'POST', body: items, headers: { 'content-type': 'application/cbor' }, dispatcher: agent });
        const r = await res.body.json();
        if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
      }
      records = single.n + batch.n + ITEM_RECORDS;
      await node.drained(600_000);
    } finally {
      await agent.close();
      await node.stop();
    }
    const s = await openStore({ data, store }, { readOnly: true });
    try {
      const q = new Query(s);
      let t = performance.now();
      const first = q.trace('ITEM-1');
      const cold = performance.now() - t;
      t = performance.now();
      for (let i = 0; i < 3; i++) q.trace('ITEM-1');
      const warm = (performance.now() - t) / 3;
      emit({ bench: 'store.trace', store: name, records: (first as { count: number }).count, msCold: Math.round(cold), msWarm: Math.round(warm) });
      const sample = ids.filter((_, i) => i % 23 === 0).slice(0, 300);
      t = performance.now();
      for (const id of sample) q.proof(id);
      emit({ bench: 'store.proof.generate', store: name, proofs: sample.length, perSec: Math.round(sample.length / ((performance.now() - t) / 1000)) });
      const h = s.head()!.height;
      t = performance.now();
      const reads = 2000;
      for (let i = 0; i < reads; i++) s.hashAt(i % (h + 1));
      emit({ bench: 'store.read', store: name, op: 'hashAt', usPerRead: Math.round(((performance.now() - t) * 1000) / reads) });
      const bytes = s.size();
      emit({ bench: 'store.size', store: name, records, bytes, bytesPer1KiBRecord: Math.round(bytes / records) });
    } finally {
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
