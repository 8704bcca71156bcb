/**
 * `npm run bench`: prints one JSON line per measurement. Every rate stands beside the limit
 * measured in the same run on the same machine: OpenSSL's own ed25519 sign/verify speed and its
 * SHA-256 speed (`openssl speed`). Runs a real node process on 127.0.0.1 and a temp folder.
 *
 *   node dist/bench/run.js [--seconds N] [--only primitives|ingest|profichain|opcua|network|startup|hypercore|bytes|latency [--block-time D] [--settle D] [--latency-load single,batch]|profile [--profile-load http|profichain|single] [--data DIR] [--keep-profile FILE]|frontends [--rounds N] [--frontends-load http|single|profichain]|paper|graphql|passport|epcis|store|proofs] [--long [--fill N] [--keep DIR]] [--block-sizes 1000,10000,100000,1000000 [--proofs N]]
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request, Agent } from 'undici';
import { encode as cborEncode } from 'cbor-x';
import '../src/io/fastCrypto.js';
import * as ed from '../src/crypto/ed25519.js';
import { signedMessage } from '../src/crypto/signed.js';
import { portableSha256, sha256 } from '../src/crypto/hash.js';
import { nodeHash } from '../src/merkle/tree.js';
import { LmdbStore } from '../src/store/lmdb.js';
import { Query } from '../src/node/query.js';
import { verifyProof } from '../src/proof/proof.js';
import { audit } from '../src/node/audit.js';
import { startNode, killChildren, BENCH_EVENTS } from '../support/children.js';
import { ProfichainClient, parseAddress } from '../src/ingest/profichain/client.js';
import { openSink } from '../src/ingest/sink.js';
import { OpcuaIngest } from '../src/ingest/opcua.js';
import { startOpcuaServer } from '../support/opcuaServer.js';
import { startup } from './startup.js';
import { pct, drive, cpuMicrosOf, cpuMicros } from './common.js';
import { hypercoreBench } from './hypercore.js';
import { bytesBench } from './bytes.js';
import { latencyBench } from './latency.js';
import { paperBench } from './paper.js';
import { profileBench } from './profile.js';
import { frontendsBench } from './frontends.js';
import { checkGoals } from './goals.js';
import { graphqlBench } from './graphql.js';
import { passportBench } from './passport.js';
import { epcisBench } from './epcis.js';
import { storeBench } from './store.js';
import { proofsBench } from './proofs.js';
import { networkBench } from './network.js';

const args = process.argv.slice(2);
const arg = (k: string, d: string) => {
  const i = args.indexOf(k);
  return i >= 0 ? args[i + 1] : d;
};
const SECONDS = Number(arg('--seconds', '5'));
const ONLY = arg('--only', 'all');

/** Every line printed, for the goal lines at the end (bench/goals.ts). */
const printed: Record<string, unknown>[] = [];
const emit = (o: Record<string, unknown>) => (printed.push(o), console.log(JSON.stringify({ ...o, ...baseline })));
let baseline: Record<string, unknown> = {};

function opensslSpeed() {
  const e = spawnSync('openssl', ['speed', '-seconds', '2', 'ed25519'], { encoding: 'utf8' });
  const m = /Ed25519\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/.exec(e.stdout ?? '');
  const s = spawnSync('openssl', ['speed', '-seconds', '2', '-bytes', '64', '-evp', 'sha256'], { encoding: 'utf8' });
  const k = /sha256\s+([\d.]+)k/.exec(s.stdout ?? '');
  return {
    opensslEd25519SignPerSec: m ? Math.round(Number(m[1])) : null,
    opensslEd25519VerifyPerSec: m ? Math.round(Number(m[2])) : null,
    opensslSha256Of64BytesPerSec: k ? Math.round((Number(k[1]) * 1000) / 64) : null,
  };
}

function rate(fn: () => void, ms = 1000): number {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 64; i++) fn();
    n += 64;
  }
  return Math.round((n * 1000) / ms);
}

function primitives() {
  const k = ed.generateKeyPair();
  const h = crypto.randomBytes(32);
  const msg = signedMessage('batch', h);
  const sig = ed.sign(msg, k.secretKey);
  emit({ bench: 'ed25519.sign', impl: 'node:crypto', perSec: rate(() => ed.sign(msg, k.secretKey)) });
  emit({ bench: 'ed25519.verify', impl: 'node:crypto', perSec: rate(() => ed.verify(msg, sig, k.publicKey)) });
  emit({ bench: 'ed25519.sign', impl: '@noble/ed25519', perSec: rate(() => ed.portableSign(msg, k.secretKey), 500) });
  emit({ bench: 'ed25519.verify', impl: '@noble/ed25519', perSec: rate(() => ed.portableVerify(msg, sig, k.publicKey), 500) });
  const node65 = crypto.randomBytes(65);
  emit({ bench: 'sha256.65B', impl: 'node:crypto', perSec: rate(() => sha256(node65)) });
  emit({ bench: 'sha256.65B', impl: '@noble/hashes', perSec: rate(() => portableSha256(node65)) });
  const l = crypto.randomBytes(32);
  const r = crypto.randomBytes(32);
  emit({ bench: 'merkle.nodeHash', impl: 'node:crypto', perSec: rate(() => nodeHash(l, r)) });
}

async function ingest() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-'));
  const data = path.join(dir, 'data');
  const node = await startNode(data, ['--block-time', '1s'], { events: BENCH_EVENTS });
  const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
  const payload = crypto.randomBytes(1024);
  const receipts: { txId: string; at: number }[] = [];
  try {
    // 1. One record per request, many in flight.
    for (const conc of [64]) {
      const { n, lat, secs } = await drive(conc, SECONDS, async () => {
        const res = await request(`${node.url}/v1/records`, { method: 'POST', body: payload, dispatcher: agent });
        const r = (await res.body.json()) as { txId: string };
        if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
        receipts.push({ txId: r.txId, at: Date.now() });
        return 1;
      });
      emit({ bench: 'ingest.http.single', payloadBytes: 1024, inFlight: conc, records: n, recordsPerSec: Math.round(n / secs), receiptLatencyMsP50: pct(lat, 50), receiptLatencyMsP99: pct(lat, 99) });
    }
    // 2. Batches of 100 records per request (the batch API), a few requests in flight.
    for (const [batch, conc] of [[100, 8], [1000, 4]] as const) {
      const body = cborEncode(Array.from({ length: batch }, () => ({ payload })));
      const [cpu0, self0] = [cpuMicrosOf(node.proc.pid!), cpuMicros()];
      const { n, lat, secs } = await drive(conc, SECONDS, async () => {
        const res = await request(`${node.url}/v1/records/batch`, { method: 'POST', body, headers: { 'content-type': 'application/cbor' }, dispatcher: agent });
        const r = (await res.body.json()) as { receipts: { txId: string }[] };
        if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
        const at = Date.now();
        for (const x of r.receipts) receipts.push({ txId: x.txId, at });
        return r.receipts.length;
      });
      // CPU per record, node and client (this process): the figures load on a shared machine does not skew.
      const [nodeCpu, clientCpu] = [cpuMicrosOf(node.proc.pid!) - cpu0, cpuMicros() - self0];
      emit({
        bench: 'ingest.http.batch', payloadBytes: 1024, recordsPerRequest: batch, inFlight: conc, records: n, recordsPerSec: Math.round(n / secs), receiptLatencyMsP50: pct(lat, 50), receiptLatencyMsP99: pct(lat, 99),
        nodeCpuUsPerRecord: Math.round(nodeCpu / n), clientCpuUsPerRecord: Math.round(clientCpu / n),
      });
    }
    // 3. Inclusion latency: receipt to block, for records sent one by one while the node idles.
    const incl: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await request(`${node.url}/v1/records`, { method: 'POST', body: payload, dispatcher: agent });
      const r = (await res.body.json()) as { txId: string };
      const got = Date.now();
      receipts.push({ txId: r.txId, at: got });
      await node.included(r.txId);
      incl.push(Date.now() - got);
      await new Promise((x) => setTimeout(x, Math.random() * 300)); // random send moments: the load pattern
    }
    emit({ bench: 'inclusion.latency', blockTimeMs: 1000, samples: incl.length, msP50: pct(incl, 50), msP99: pct(incl, 99) });
    // 4. Zero loss: wait for the pool to drain, stop the node, audit, count.
    await node.drained(600_000);
  } finally {
    await agent.close();
    await node.stop();
  }
  const store = await LmdbStore.open(data, { readOnly: true });
  const t0 = performance.now();
  const a = audit(store);
  const auditSecs = (performance.now() - t0) / 1000;
  let missing = 0;
  for (const r of receipts) if (!store.location(Buffer.from(r.txId, 'hex'))) missing++;
  emit({ bench: 'ingest.loss', receipts: receipts.length, missingFromChain: missing, auditOk: a.ok, auditTxPerSec: Math.round(a.transactions / auditSecs), storeBytes: store.size() });

  // 5. Proofs out of the store, and offline verification.
  const q = new Query(store);
  const ids = receipts.filter((_, i) => i % 97 === 0).map((r) => r.txId);
  const proofs: unknown[] = [];
  let t = performance.now();
  for (const id of ids) proofs.push(q.proof(id));
  let secs = (performance.now() - t) / 1000;
  emit({ bench: 'proof.generate', proofs: ids.length, perSec: Math.round(ids.length / secs) });
  t = performance.now();
  let valid = 0;
  for (const p of proofs) if (verifyProof(p, null).valid) valid++;
  secs = (performance.now() - t) / 1000;
  emit({ bench: 'proof.verify', proofs: proofs.length, valid, perSec: Math.round(proofs.length / secs) });
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Waits for the node's pool to drain, stops it, and counts receipts missing from the chain. */
async function lossCheck(node: Awaited<ReturnType<typeof startNode>>, data: string, txIds: string[], bench: string) {
  await node.drained(600_000);
  await node.stop();
  const store = await LmdbStore.open(data, { readOnly: true });
  let missing = 0;
  for (const id of txIds) if (!store.location(Buffer.from(id, 'hex'))) missing++;
  await store.close();
  emit({ bench, receipts: txIds.length, missingFromChain: missing });
}

/** Profichain: records/s and receipt latency over 1 and 8 connections, 100 B, 1 KiB, 100 KiB. */
async function profichain() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-'));
  const data = path.join(dir, 'data');
  const node = await startNode(data, ['--block-time', '1s', '--profichain', '127.0.0.1:0'], { events: BENCH_EVENTS });
  const addr = parseAddress(((await fetch(`${node.url}/v1/status`).then((r) => r.json())) as { profichain: string }).profichain);
  const txIds: string[] = [];
  try {
    // 1 KiB also one frame per record (gather: false, the client before issue 11), in the same run:
    // the node's CPU per record is the figure that load on a shared machine does not skew.
    for (const bytes of [100, 1024, 100 * 1024]) {
      for (const conns of [1, 8]) {
        for (const [tier1, gather] of bytes === 1024 ? ([[false, false], [false, true], [true, true]] as const) : ([[false, true]] as const)) {
          const payload = crypto.randomBytes(bytes);
          // Records in flight in all: 2048 (enough to fill group commits), at most 4 MiB.
          const window = Math.max(8, Math.floor(Math.min(2048, (4 << 20) / bytes) / conns));
          const clients = await Promise.all(Array.from({ length: conns }, () => ProfichainClient.connect({ ...addr, tier1, gather })));
          const seconds = bytes > 10_000 ? Math.max(2, SECONDS / 2) : SECONDS;
          const [cpu0, self0] = [cpuMicrosOf(node.proc.pid!), cpuMicros()];
          const { n, lat, secs } = await drive(conns * window, seconds, async (w) => {
            txIds.push((await clients[w % conns].submit({ payload })).txId);
            return 1;
          });
          const [nodeCpu, clientCpu] = [cpuMicrosOf(node.proc.pid!) - cpu0, cpuMicros() - self0];
          const frames = clients.reduce((k, c) => k + c.framesSent, 0);
          await Promise.all(clients.map((c) => c.close()));
          emit({
            bench: 'ingest.profichain', payloadBytes: bytes, connections: conns, tier1, gather, inFlightPerConnection: window, records: n, recordsPerSec: Math.round(n / secs),
            mbPerSec: Math.round((n * bytes) / secs / 1e5) / 10, receiptLatencyMsP50: pct(lat, 50), receiptLatencyMsP99: pct(lat, 99),
            recordsPerFrame: Math.round((n / Math.max(1, frames)) * 10) / 10, nodeCpuUsPerRecord: Math.round(nodeCpu / n), clientCpuUsPerRecord: Math.round(clientCpu / n),
          });
        }
      }
    }
  } finally {
    await lossCheck(node, data, txIds, 'ingest.profichain.loss');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** OPC UA: samples/s taken in from a real node-opcua server, 1/10/100 samples of 100 B per record. */
async function opcuaBench() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-'));
  const data = path.join(dir, 'data');
  const node = await startNode(data, ['--block-time', '1s', '--profichain', '127.0.0.1:0']);
  const pc = ((await fetch(`${node.url}/v1/status`).then((r) => r.json())) as { profichain: string }).profichain;
  const variables = 200;
  const server = await startOpcuaServer(path.join(dir, 'opc'), { intervalMs: 50, payloadBytes: 100, blobs: variables });
  const txIds: string[] = [];
  try {
    for (const batch of [1, 10, 100]) {
      const sink = openSink({ profichain: pc });
      const ingest = await OpcuaIngest.start({
        endpoint: server.endpoint,
        nodeIds: Array.from({ length: variables }, (_, i) => `ns=1;s=Blob${i}`),
        submit: (r) => sink.submit(r),
        batch,
        maxWaitMs: 0,
        samplingInterval: 0,
        publishingInterval: 50,
        pki: path.join(dir, 'cpki'),
        onRecord: (r) => txIds.push(r.receipt.txId),
      });
      const c0 = server.counter();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      const { unsent } = await ingest.close();
      const secs = (performance.now() - t0) / 1000;
      await sink.close();
      emit({
        bench: 'ingest.opcua',
        samplesPerRecord: batch,
        sampleBytes: 100,
        variables,
        samplesChangedOnServer: (server.counter() - c0) * variables,
        samplesTakenIn: ingest.samplesOut,
        samplesPerSec: Math.round(ingest.samplesOut / secs),
        records: ingest.recordsOut,
        unsent,
      });
    }
  } finally {
    await server.stop();
    await lossCheck(node, data, txIds, 'ingest.opcua.loss');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The benches by name, in the order a plain run takes them (`paper` only when asked for). */
const BENCHES = ['primitives', 'ingest', 'profichain', 'opcua', 'network', 'startup', 'hypercore', 'bytes', 'latency', 'profile', 'frontends', 'paper', 'graphql', 'passport', 'epcis', 'store', 'proofs'];
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    [
      'Usage: npm run bench -- [--seconds N] [--only NAME] [options of that bench]',
      '',
      'Prints one JSON line per measurement, each with OpenSSL\'s ed25519 and SHA-256 speed of the same run;',
      'goal lines (bench/goals.ts) come last. Without --only, every bench but paper runs.',
      '',
      `NAME: ${BENCHES.join(', ')}`,
      '  profile    --profile-load http|profichain|single, --data DIR (a kept chain), --keep-profile FILE',
      '  frontends  --rounds N --frontends-load http|single|profichain',
      '  hypercore  --rounds N',
      '  bytes      --long [--fill N] [--keep DIR]',
      '  latency    --block-time D, --settle D (half load before the measured run, default 2s),',
      '             --latency-load single|batch|single,batch (which ways in; default both)',
      '  proofs     --block-sizes 1000,10000,100000,1000000 [--proofs N]',
      '',
      'README.md, section Benchmarks, says what each line measures.',
      '',
    ].join('\n'),
  );
  process.exit(0);
}
if (ONLY !== 'all' && !BENCHES.includes(ONLY)) {
  process.stderr.write(`bench: --only ${ONLY}: no such bench; one of ${BENCHES.join(', ')} (--help lists their options)\n`);
  process.exit(2);
}

baseline = { machine: `${os.cpus().length} cores`, ...opensslSpeed() };
try {
  if (ONLY === 'all' || ONLY === 'primitives') primitives();
  if (ONLY === 'all' || ONLY === 'ingest') await ingest();
  if (ONLY === 'all' || ONLY === 'profichain') await profichain();
  if (ONLY === 'all' || ONLY === 'opcua') await opcuaBench();
  if (ONLY === 'all' || ONLY === 'network') await networkBench(emit, { seconds: SECONDS, args });
  if (ONLY === 'all' || ONLY === 'startup') await startup(emit);
  if (ONLY === 'all' || ONLY === 'hypercore') await hypercoreBench(emit, { seconds: SECONDS, args });
  if (ONLY === 'all' || ONLY === 'bytes') await bytesBench(emit, { seconds: SECONDS, args });
  if (ONLY === 'all' || ONLY === 'latency') await latencyBench(emit, { seconds: SECONDS, args });
  if (ONLY === 'all' || ONLY === 'profile') await profileBench(emit, { seconds: SECONDS, args });
  if (ONLY === 'all' || ONLY === 'frontends') await frontendsBench(emit, { seconds: SECONDS, args });
  if (ONLY === 'paper') await paperBench(emit, { seconds: SECONDS, args }); // 25 minutes at the paper's 150 s per run: asked for by name
  if (ONLY === 'all' || ONLY === 'graphql') await graphqlBench(emit, SECONDS);
  if (ONLY === 'all' || ONLY === 'passport') passportBench(emit);
  if (ONLY === 'all' || ONLY === 'epcis') await epcisBench(emit, SECONDS);
  if (ONLY === 'all' || ONLY === 'store') await storeBench(emit, SECONDS, drive, pct);
  if (ONLY === 'all' || ONLY === 'proofs') await proofsBench(emit, { seconds: SECONDS, args });
  checkGoals(printed, emit);
} finally {
  killChildren();
}
