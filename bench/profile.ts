/**
 * `--only profile`: CPU profiles of a node under load from each front end, for `--seconds` each,
 * summarised: the top 15 functions by self time and the share of each area (lmdb, sha256/crypto,
 * cbor, gc, http/json, node events on stdout, idle) of the main thread's busy time
 * (support/cpuProfile.ts), and each area's µs per record. The loads:
 *
 *   - HTTP batch: 1 KiB records, 100 per request, 8 requests in flight;
 *   - HTTP single: 1 KiB records, one per request (POST /v1/records), 64 requests in flight, as
 *     `--only ingest` (ingest.http.single) runs it;
 *   - Profichain: 1 KiB records, 8 connections, 256 records in flight on each, gathered into
 *     multi-record SUBMIT frames (the client's default), as `--only profichain` runs it.
 *
 * `--profile-load http|single|profichain` runs only one of them. `--data DIR` runs the node on the
 * chain in DIR (a chain kept by `--only bytes --long --keep DIR`, to see where a filled chain's
 * time goes) instead of a fresh one; the load adds its records to it. The bench process, which is the client,
 * is profiled too over the same seconds (a `profile.client` line): on a machine of two cores the
 * client's CPU is taken from the node's. The node runs the real CLI under V8's profiler
 * (support/cpuProfiled.ts). `--keep-profile FILE` keeps the node's .cpuprofile of the last load
 * (open it in Chrome's DevTools, or summarise it again with `npm run profile -- FILE`).
 *
 * The node prints only the events the bench waits for (`--events`, support/children.ts
 * BENCH_EVENTS), not one line per record, which a service node does not do either; what is left
 * of stdout work shows as its own area ("node events on stdout").
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector';
import { Agent, request } from 'undici';
import { root } from '../support/paths.js';
import { startNode, BENCH_EVENTS } from '../support/children.js';
import { summariseProfile, type ProfileSummary } from '../support/cpuProfile.js';
import { ProfichainClient, parseAddress } from '../src/ingest/profichain/client.js';
import { BatchSender, drive, flag, type BenchOptions, type Emit } from './common.js';

type Load = 'http' | 'single' | 'profichain';
const LOADS: Record<Load, string> = {
  http: 'HTTP batch, 1 KiB, 100 per request, 8 in flight',
  single: 'HTTP, one 1 KiB record per request, 64 in flight',
  profichain: 'Profichain, 1 KiB, 8 connections, 256 in flight each, gathered frames',
};

export async function profileBench(emit: Emit, o: BenchOptions): Promise<void> {
  const only = flag(o.args, '--profile-load', '');
  for (const load of Object.keys(LOADS) as Load[]) if (!only || only === load) await profileOne(emit, o, load);
}

/** Each area's µs of the main thread per record moved (the figure to compare across loads). */
const perRecord = (s: ProfileSummary, records: number) =>
  Object.fromEntries(Object.entries(s.areas).map(([a, v]) => [a, Math.round((v.ms * 1000 * 10) / Math.max(1, records)) / 10]));

async function profileOne(emit: Emit, o: BenchOptions, load: Load): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-profile-'));
  const file = path.join(dir, 'node.cpuprofile');
  const clientFile = path.join(dir, 'client.cpuprofile');
  const keepAs = flag(o.args, '--keep-profile', '');
  const data = flag(o.args, '--data', '');
  const extra = load === 'profichain' ? ['--profichain', '127.0.0.1:0'] : [];
  // Only this child sees the variable: it is set around the spawn and taken back at once.
  process.env.URCHAIN_CPU_PROFILE = file;
  const started = startNode(data ? path.resolve(data) : path.join(dir, 'data'), ['--block-time', '1s', ...extra], { entry: path.join(root, 'dist', 'support', 'cpuProfiled.js'), keep: (e) => e.event === 'started', events: BENCH_EVENTS });
  delete process.env.URCHAIN_CPU_PROFILE;
  const node = await started;
  let records = 0;
  let secs = 0;
  const client = new Session();
  client.connect();
  try {
    const payload = crypto.randomBytes(1024);
    let once: (w: number) => Promise<number>;
    let workers: number;
    let close: () => Promise<unknown>;
    if (load === 'http') {
      const sender = new BatchSender(node.url, 100, payload);
      [workers, once, close] = [8, async () => (await sender.send()).length, () => sender.close()];
    } else if (load === 'single') {
      const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
      const one = async () => {
        const res = await request(`${node.url}/v1/records`, { method: 'POST', body: payload, dispatcher: agent });
        const r = await res.body.json();
        if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
        return 1;
      };
      [workers, once, close] = [64, one, () => agent.close()];
    } else {
      const addr = parseAddress(((await fetch(`${node.url}/v1/status`).then((r) => r.json())) as { profichain: string }).profichain);
      const clients = await Promise.all(Array.from({ length: 8 }, () => ProfichainClient.connect(addr)));
      const rec = { payload };
      [workers, once, close] = [8 * 256, async (w) => (await clients[w % 8].submit(rec), 1), () => Promise.all(clients.map((c) => c.close()))];
    }
    await post(client, 'Profiler.enable');
    await post(client, 'Profiler.start');
    node.proc.kill('SIGUSR2'); // start profiling now: the load, not the start-up
    try {
      ({ n: records, secs } = await drive(workers, o.seconds, once));
    } finally {
      const r = (await post(client, 'Profiler.stop')) as { profile: unknown };
      fs.writeFileSync(clientFile, JSON.stringify(r.profile));
      await close();
    }
    await node.drained(600_000);
  } finally {
    client.disconnect();
    await node.stop();
  }
  try {
    const s = summariseProfile(file);
    const c = summariseProfile(clientFile);
    if (keepAs) fs.copyFileSync(file, keepAs);
    emit({ bench: 'profile', load: LOADS[load], ...(data ? { data: path.resolve(data) } : {}), records, recordsPerSec: Math.round(records / secs), usPerRecord: perRecord(s, records), ...s, profile: keepAs || '(removed; --keep-profile FILE keeps it)' });
    emit({ bench: 'profile.client', load: LOADS[load], records, usPerRecord: perRecord(c, records), busyShare: c.busyShare, areas: c.areas, top: c.top.slice(0, 10) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const post = (s: Session, method: string) =>
  new Promise<unknown>((resolve, reject) => s.post(method, (err, r) => (err ? reject(err) : resolve(r))));
