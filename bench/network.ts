/**
 * `--only network`: a company network on this machine, one producer (full) and three thin nodes
 * verifying every batch and block. Records/s that reach the canonical chain of all four, and the
 * time from a receipt to the block holding it being canonical on every node (from the nodes'
 * block events). Records go in at the producer, then spread over all four nodes.
 *
 * Flags of its own: `--network-at producer|all` runs one of the two (default both);
 * `--network-profile DIR` runs every node under V8's sampling profiler from the first request to
 * its exit (bench/profilePreload.ts), keeps each profile as DIR/NAME-AT.cpuprofile and prints a
 * `network.profile` line per node (top functions, share by area, support/cpuProfile.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request, Agent } from 'undici';
import { encode as cborEncode } from 'cbor-x';
import { BENCH_EVENTS } from '../support/children.js';
import { diskBytes } from '../support/tmp.js';
import { root } from '../support/paths.js';
import { Cluster } from '../support/cluster.js';
import { summariseProfile } from '../support/cpuProfile.js';
import { pct, drive, cpuMicrosOf, cpuMicros, flag, type BenchOptions, type Emit } from './common.js';

const NAMES = ['producer', 'v1', 'v2', 'v3'];
/** Records per request and requests in flight: the batch API's load, as in the release before. */
const PER_REQUEST = 500;
const IN_FLIGHT = 4;

export async function networkBench(emit: Emit, o: BenchOptions): Promise<void> {
  const at = flag(o.args, '--network-at', 'both');
  const profileDir = flag(o.args, '--network-profile', '');
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  for (const spread of [false, true]) {
    if ((at === 'producer' && spread) || (at === 'all' && !spread)) continue;
    await oneRun(emit, o.seconds, spread, profileDir ? path.resolve(profileDir) : '');
  }
}

async function oneRun(emit: Emit, seconds: number, spread: boolean, profileDir: string): Promise<void> {
  const c = new Cluster({ relay: false });
  const names = NAMES;
  // Only the children see these: set around the starts, taken back at once.
  const env = { NODE_OPTIONS: process.env.NODE_OPTIONS, URCHAIN_PROFILE_DIR: process.env.URCHAIN_PROFILE_DIR };
  if (profileDir) {
    process.env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --import=${path.join(root, 'dist', 'bench', 'profilePreload.js')}`.trim();
    process.env.URCHAIN_PROFILE_DIR = profileDir;
  }
  try {
    try {
      await c.admit('full', 'producer');
      await c.admit('thin', 'v1', 'v2', 'v3');
      const quiet = ['--events', BENCH_EVENTS.join(',')]; // no line per record on any node
      await c.init('producer', ['--block-time', '1s']);
      await c.start('producer', 'full', quiet);
      const seed = (await c.peers('producer')).advertise;
      for (const n of names.slice(1)) await c.start(n, 'thin', ['--seed', seed, ...quiet]);
    } finally {
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    // Each node up with a live link to each of the others (a link event not yet undone by an
    // unlink): the mesh the four form within seconds. A link made while records flow hands the
    // new peer every record pending on both ends (net/flood handOverPending: 0.7 s of a thin
    // node's CPU under this load), a start-up cost a long-running network pays once; waiting for
    // two links measured it in the first seconds of the run.
    for (const n of names) {
      const live = new Set<string>();
      await c.nodes[n].waitFor((e) => (e.event === 'link' ? live.add(e.peer) : e.event === 'unlink' && live.delete(e.peer), live.size >= names.length - 1), 60_000);
    }
    const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
    const payload = crypto.randomBytes(1024);
    const body = cborEncode(Array.from({ length: PER_REQUEST }, () => ({ payload })));
    const sent: { txId: string; at: number }[] = [];
    if (profileDir) for (const n of names) c.nodes[n].proc.kill('SIGUSR2');
    // CPU of each node (and of this client) from the first request until every chain holds
    // every record: the figure that other load on a shared machine does not skew.
    const cpuOf = () => names.map((n) => cpuMicrosOf(c.nodes[n].proc.pid!));
    const cpu0 = cpuOf();
    const client0 = cpuMicros();
    const t0 = Date.now();
    const load = os.loadavg()[0];
    await drive(IN_FLIGHT, seconds, async (w) => {
      const res = await request(`${c.nodes[spread ? names[w] : 'producer'].url}/v1/records/batch`, { method: 'POST', body, headers: { 'content-type': 'application/cbor' }, dispatcher: agent });
      const r = (await res.body.json()) as { receipts: { txId: string }[] };
      if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
      const at = Date.now();
      for (const x of r.receipts) sent.push({ txId: x.txId, at });
      return r.receipts.length;
    });
    const clientUs = cpuMicros() - client0;
    // Wait until every node's canonical chain holds the last records of every sender.
    const last = sent.slice(-2000);
    await c.nodes.producer.drained(600_000);
    for (const n of names) for (const x of last.filter((_, i) => i % 250 === 0)) await c.nodes[n].included(x.txId, 600_000);
    const allIn = Date.now();
    const cpuUs = cpuOf().map((x, i) => x - cpu0[i]);
    // Receipt to canonical on all: per sampled record, the block height on the producer, then
    // the first block event for that height on each node.
    const sample = sent.filter((_, i) => i % 97 === 0);
    const lat: number[] = [];
    for (const x of sample) {
      const t = (await (await request(`${c.nodes.producer.url}/v1/txs/${x.txId}`, { dispatcher: agent })).body.json()) as { block: { height: number } };
      let latest = 0;
      for (const n of names) {
        const e = c.nodes[n].events.find((ev) => ev.event === 'block' && ev.height === t.block.height);
        latest = Math.max(latest, e ? Date.parse(e.at) : Infinity);
      }
      lat.push(latest - x.at);
    }
    // Every receipt on every node, counted once the chains are complete.
    let missing = 0;
    for (const n of names)
      for (const x of sent.filter((_, i) => i % 13 === 0)) {
        const t = (await (await request(`${c.nodes[n].url}/v1/txs/${x.txId}`, { dispatcher: agent })).body.json()) as { block?: unknown };
        if (!t.block) missing++;
      }
    const heights = await Promise.all(names.map(async (n) => (await c.status(n)).height));
    await agent.close();
    const [full, thin] = [diskBytes(path.join(c.dir, 'producer')), diskBytes(path.join(c.dir, spread ? 'v3' : 'v1'))];
    const perRecord = (us: number) => Math.round(us / sent.length);
    emit({
      bench: 'network',
      nodes: '1 producer (full) + 3 thin',
      recordsSentAt: spread ? 'all four nodes' : 'the producer',
      payloadBytes: 1024,
      records: sent.length,
      recordsPerSecOnAllChains: Math.round(sent.length / ((allIn - t0) / 1000)),
      receiptToAllNodesMsP50: pct(lat, 50),
      receiptToAllNodesMsP99: pct(lat, 99),
      blockTimeMs: 1000,
      sampledMissing: missing,
      sameHeight: new Set(heights).size === 1,
      thinToFullStorageRatio: Math.round((thin / full) * 1000) / 1000,
      cpuUsPerRecord: Object.fromEntries(names.map((n, i) => [n, perRecord(cpuUs[i])])),
      cpuUsPerRecordAllNodes: perRecord(cpuUs.reduce((a, b) => a + b, 0)),
      clientCpuUsPerRecord: perRecord(clientUs),
      // Other work on the machine slows every node: the CPU figures above are what it skews least.
      loadAverage1m: Math.round(load * 100) / 100,
      mustReach: 'recordsPerSecOnAllChains >= 4x the release before issue 11 (1,760 on 2026-11-26, bench/goals.ts)',
    });
  } finally {
    const pids = new Map(names.filter((n) => c.nodes[n]).map((n) => [c.nodes[n].proc.pid!, n]));
    await c.close();
    if (profileDir) profiles(emit, profileDir, pids, spread ? 'all' : 'producer');
  }
}

/** Summarises the profile each node wrote on exit, named after the node (support/cpuProfile.ts). */
function profiles(emit: Emit, dir: string, pids: Map<number, string>, at: string): void {
  for (const [pid, name] of pids) {
    const raw = path.join(dir, `${pid}.cpuprofile`);
    if (!fs.existsSync(raw)) continue;
    const file = path.join(dir, `${name}-at-${at}.cpuprofile`);
    fs.renameSync(raw, file);
    const s = summariseProfile(file, 25);
    emit({ bench: 'network.profile', node: name, type: name === 'producer' ? 'full' : 'thin', recordsSentAt: at, ...s });
  }
}
