/**
 * `--only frontends`: what the front ends cost without the store. The HTTP batch API and the
 * Profichain server run in this process with the node's real intake (checks, SHA-256, CBOR cores,
 * batch signature, receipts) on a store whose commit returns after 2 ms without writing anything,
 * so the store's CPU and its sync drop out; the client runs in a child process (this file, with
 * `client` as its first argument), so the server's CPU per record is its own. Lines
 * `frontends`: records/s, the server's CPU µs per record (all its threads), its main thread's
 * busy µs per record (event-loop utilisation), the client's CPU µs per record, the request
 * latency p50/p99; `--rounds N` (default 3) interleaved rounds, min/median/max of each. The loads
 * are those of `--only ingest` and `--only profichain`: 1 KiB records, 100 per HTTP request with
 * 8 in flight (`http`); one per HTTP request with 64 in flight (`single`, as ingest.http.single);
 * 8 Profichain connections with 256 records in flight each. `--frontends-load http|single|profichain`
 * runs only one of them.
 *
 * The gap between these figures and a real node's is what the store costs.
 */
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { encode as cborEncode } from 'cbor-x';
import '../src/io/fastCrypto.js';
import { Intake } from '../src/node/intake.js';
import { createApi } from '../src/node/api.js';
import { nodeRole } from '../src/contracts/roles.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { ProfichainServer } from '../src/ingest/profichain/server.js';
import { ProfichainClient, parseAddress } from '../src/ingest/profichain/client.js';
import type { Store } from '../src/store/types.js';
import type { Query } from '../src/node/query.js';
import { closeServer } from '../src/io/listen.js';
import { drive, flag, pct, spread, type BenchOptions, type Emit } from './common.js';

type Load = 'http' | 'single' | 'profichain';
const LOADS = ['http', 'single', 'profichain'] as const;
interface ClientDone {
  n: number;
  cpu: number;
  /** Request latency percentiles, ms. */
  p50: number;
  p99: number;
}

export async function frontendsBench(emit: Emit, o: BenchOptions): Promise<void> {
  const rounds = Math.max(1, Number(flag(o.args, '--rounds', '3')));
  const only = flag(o.args, '--frontends-load', '');
  const loads = LOADS.filter((l) => !only || l === only);
  type Figures = Record<'perSec' | 'serverCpu' | 'mainBusy' | 'clientCpu' | 'p50' | 'p99', number[]>;
  const got = Object.fromEntries(LOADS.map((l): [Load, Figures] => [l, { perSec: [], serverCpu: [], mainBusy: [], clientCpu: [], p50: [], p99: [] }])) as Record<Load, Figures>;
  for (let r = 0; r < rounds; r++)
    for (const load of loads) {
      const x = await oneRound(load, o.seconds);
      const g = got[load];
      g.perSec.push(x.perSec);
      g.serverCpu.push(x.serverCpu);
      g.mainBusy.push(x.mainBusy);
      g.clientCpu.push(x.clientCpu);
      g.p50.push(x.p50);
      g.p99.push(x.p99);
    }
  for (const load of loads) {
    const g = got[load];
    emit({
      bench: 'frontends', load, store: 'none (commit returns after 2 ms)', rounds,
      recordsPerSec: spread(g.perSec), serverCpuUsPerRecord: spread(g.serverCpu), mainThreadBusyUsPerRecord: spread(g.mainBusy), clientCpuUsPerRecord: spread(g.clientCpu),
      requestLatencyMsP50: spread(g.p50), requestLatencyMsP99: spread(g.p99),
    });
  }
}

async function oneRound(load: Load, seconds: number) {
  const store = { lastSeq: () => 0, commitIngest: () => new Promise<void>((r) => setTimeout(r, 2)) } as unknown as Store;
  const key = generateKeyPair();
  const intake = new Intake({ store, key, chainId: new Uint8Array(32), role: nodeRole('full') });
  let addr: string;
  let close: () => Promise<void>;
  if (load !== 'profichain') {
    const server = createApi({ intake, query: {} as Query, status: () => ({}), maxBody: 16 << 20 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    addr = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    close = () => (server.closeAllConnections(), closeServer(server));
  } else {
    const s = await ProfichainServer.start({ listen: { host: '127.0.0.1', port: 0 }, intake, key, chainId: new Uint8Array(32), maxPayload: 16 << 20 });
    addr = s.address;
    close = () => s.close();
  }
  const child = fork(fileURLToPath(import.meta.url), ['client', load, addr, String(seconds)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    let cpu0 = process.cpuUsage();
    let elu0 = performance.eventLoopUtilization();
    let t0 = performance.now();
    const done = await new Promise<ClientDone>((resolve, reject) => {
      child.on('message', (m: 'go' | ClientDone) => {
        if (m !== 'go') return resolve(m);
        [cpu0, elu0, t0] = [process.cpuUsage(), performance.eventLoopUtilization(), performance.now()];
      });
      child.once('exit', (code) => reject(new Error(`frontends client exited with ${code}`)));
    });
    const cpu = process.cpuUsage(cpu0);
    const busy = performance.eventLoopUtilization(elu0).active * 1000;
    const n = Math.max(1, done.n);
    const r1 = (x: number) => Math.round(x * 10) / 10;
    return { perSec: Math.round(n / ((performance.now() - t0) / 1000)), serverCpu: r1((cpu.user + cpu.system) / n), mainBusy: r1(busy / n), clientCpu: r1(done.cpu / n), p50: done.p50, p99: done.p99 };
  } finally {
    child.kill();
    await intake.close();
    await close();
  }
}

/** The child: one warm-up second, then `seconds` of load; tells the parent when it starts and what it moved. */
async function client(load: Load, addr: string, seconds: number) {
  const payload = crypto.randomBytes(1024);
  let once: (w: number) => Promise<number>;
  let workers: number;
  let close: () => Promise<unknown>;
  if (load === 'http') {
    const agent = new Agent({ connections: 64 });
    const body = Buffer.from(cborEncode(Array.from({ length: 100 }, () => ({ payload }))));
    workers = 8;
    once = async () => {
      const res = await request(`${addr}/v1/records/batch`, { method: 'POST', body, headers: { 'content-type': 'application/cbor' }, dispatcher: agent });
      const r = (await res.body.json()) as { receipts: unknown[] };
      if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
      return r.receipts.length;
    };
    close = () => agent.close();
  } else if (load === 'single') {
    const agent = new Agent({ connections: 64 });
    workers = 64;
    once = async () => {
      const res = await request(`${addr}/v1/records`, { method: 'POST', body: payload, dispatcher: agent });
      const r = await res.body.json();
      if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
      return 1;
    };
    close = () => agent.close();
  } else {
    const cs = await Promise.all(Array.from({ length: 8 }, () => ProfichainClient.connect(parseAddress(addr))));
    const rec = { payload };
    workers = 8 * 256;
    once = async (w) => (await cs[w % 8].submit(rec), 1);
    close = () => Promise.all(cs.map((c) => c.close()));
  }
  await drive(workers, 1, once);
  process.send!('go');
  const c0 = process.cpuUsage();
  const { n, lat } = await drive(workers, seconds, once);
  const c = process.cpuUsage(c0);
  process.send!({ n, cpu: c.user + c.system, p50: pct(lat, 50), p99: pct(lat, 99) } satisfies ClientDone);
  await close();
}

if (process.argv[2] === 'client' && process.argv[1] === fileURLToPath(import.meta.url)) await client(process.argv[3] as Load, process.argv[4], Number(process.argv[5]));
