/**
 * `--only graphql`: GraphQL queries per second for the trace of one item with 1,000 records (each
 * record's id, kind, time and block), on a real node started with --graphql, with the REST route
 * that answers the same (GET /v1/products/{code}) measured in the same run as the yardstick, and
 * one GraphQL query asking for the proofs of 100 of them. Clients run on the same cores as the node.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { request, Agent } from 'undici';
import { encode as cborEncode } from 'cbor-x';
import { startNode, BENCH_EVENTS } from '../support/children.js';

type Emit = (o: Record<string, unknown>) => void;

const TRACE = `query Trace($code: String!) {
  trace(identifier: $code, first: 1000) { count records { nodes { txId kind time block { height hash } index } } }
}`;
const PROOFS = `query Proofs($code: String!) { records(identifier: $code, first: 100) { nodes { txId proof } } }`;

function pct(xs: number[], p: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
}

/** `workers` loops calling `once` for `seconds`: queries per second and latency percentiles. */
async function drive(workers: number, seconds: number, once: () => Promise<void>) {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        await once();
        lat.push(performance.now() - s);
      }
    }),
  );
  return { perSec: Math.round((lat.length * 1000) / (performance.now() - t0)), p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), n: lat.length };
}

export async function graphqlBench(emit: Emit, seconds: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-gql-'));
  const node = await startNode(path.join(dir, 'data'), ['--graphql', '--block-time', '1s'], { events: BENCH_EVENTS });
  const agent = new Agent({ connections: 16, keepAliveTimeout: 30_000 });
  const code = 'SN-BENCH-1000';
  try {
    const batch = Array.from({ length: 1000 }, (_, i) => ({ payload: crypto.randomBytes(1024), kind: i % 10 ? 'reading' : 'report', meta: { product: code } }));
    const r = await request(`${node.url}/v1/records/batch`, { method: 'POST', body: cborEncode(batch), headers: { 'content-type': 'application/cbor' }, dispatcher: agent });
    const receipts = ((await r.body.json()) as { receipts: { txId: string }[] }).receipts;
    await node.drained();
    await node.included(receipts.at(-1)!.txId);
    const post = async (query: string) => {
      const res = await request(`${node.url}/graphql`, { method: 'POST', body: JSON.stringify({ query, variables: { code } }), headers: { 'content-type': 'application/json' }, dispatcher: agent });
      const j = (await res.body.json()) as { errors?: unknown; data?: any };
      if (res.statusCode !== 200 || j.errors) throw new Error(`graphql: ${res.statusCode} ${JSON.stringify(j.errors)}`);
      return j.data;
    };
    const first = await post(TRACE);
    if (first.trace.count !== 1000) throw new Error(`trace counted ${first.trace.count}`);
    for (const workers of [1, 4]) {
      const g = await drive(workers, seconds, async () => void (await post(TRACE)));
      const rest = await drive(workers, seconds, async () => {
        const res = await request(`${node.url}/v1/products/${code}`, { dispatcher: agent });
        await res.body.json();
      });
      emit({ bench: 'graphql.trace', records: 1000, clients: workers, queriesPerSec: g.perSec, p50Ms: g.p50Ms, p99Ms: g.p99Ms, restProductsPerSec: rest.perSec, restP50Ms: rest.p50Ms });
    }
    const p = await drive(1, seconds, async () => void (await post(PROOFS)));
    emit({ bench: 'graphql.proofs', proofsPerQuery: 100, clients: 1, queriesPerSec: p.perSec, proofsPerSec: p.perSec * 100, p50Ms: p.p50Ms });
  } finally {
    await agent.close();
    await node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
