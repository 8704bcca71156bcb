/**
 * `--only profile`: a CPU profile of a node under HTTP batch load (1 KiB records, 100 per request,
 * 8 requests in flight, for `--seconds`), summarised: the top 15 functions by self time and the
 * share of each area (lmdb, sha256/crypto, cbor, gc, http/json, node events on stdout, idle) of
 * the main thread's busy time (support/cpuProfile.ts). The node runs the real CLI under V8's
 * profiler (support/cpuProfiled.ts). `--keep-profile FILE` keeps the .cpuprofile (open it in
 * Chrome's DevTools, or summarise it again with `npm run profile -- FILE`).
 *
 * The node prints only the events the bench waits for (`--events`, support/children.ts
 * BENCH_EVENTS), not one line per record, which a service node does not do either; what is left
 * of stdout work shows as its own area ("node events on stdout").
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../support/paths.js';
import { startNode, BENCH_EVENTS } from '../support/children.js';
import { summariseProfile } from '../support/cpuProfile.js';
import { BatchSender, drive, flag, type BenchOptions, type Emit } from './common.js';

export async function profileBench(emit: Emit, o: BenchOptions): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-profile-'));
  const file = path.join(dir, 'node.cpuprofile');
  const keepAs = flag(o.args, '--keep-profile', '');
  // Only this child sees the variable: it is set around the spawn and taken back at once.
  process.env.URCHAIN_CPU_PROFILE = file;
  const started = startNode(path.join(dir, 'data'), ['--block-time', '1s'], { entry: path.join(root, 'dist', 'support', 'cpuProfiled.js'), keep: (e) => e.event === 'started', events: BENCH_EVENTS });
  delete process.env.URCHAIN_CPU_PROFILE;
  const node = await started;
  node.proc.kill('SIGUSR2'); // start profiling now: the load, not the start-up
  const sender = new BatchSender(node.url, 100, crypto.randomBytes(1024));
  let records = 0;
  let secs = 0;
  try {
    ({ n: records, secs } = await drive(8, o.seconds, async () => (await sender.send()).length));
    await node.drained(600_000);
  } finally {
    await sender.close();
    await node.stop();
  }
  try {
    const s = summariseProfile(file);
    if (keepAs) fs.copyFileSync(file, keepAs);
    emit({ bench: 'profile', load: 'HTTP batch, 1 KiB, 100 per request, 8 in flight', records, recordsPerSec: Math.round(records / secs), ...s, profile: keepAs || '(removed; --keep-profile FILE keeps it)' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
