/**
 * `--only bytes`: what one 1 KiB record costs the disk. A real node process takes records in
 * over the HTTP batch API (100 per request, 8 requests in flight) for `--seconds`; its
 * `/proc/PID/io` before and after (the records' blocks stored too: the count ends once no record
 * is pending) gives write_bytes (what reached the disk) and wchar (what the process asked to
 * write, stdout and sockets included) per record, and the data folder's block device its sectors
 * written over the same window (every writer on it: read it on an idle machine). write_bytes
 * charges a whole page-cache folio when a write dirties part of one: on a kernel with large folios
 * (Linux 6.18 and ext4 here) a random 4 KiB page write can be charged far more than reaches the
 * device. Then the node stops, and proofs of records taken in during the phase are generated from
 * the store in this process, cold (a new Query: nothing cached) and warm (the same proofs again),
 * one proof per block sampled.
 *
 * `--long` first fills the chain to `--fill N` records (default 1,000,000; the issue's goal is
 * measured at 10,000,000) and measures again, then once more on a new fresh chain: the "cost
 * growth" line sets ingest rate, bytes per record and proof time on the filled chain beside the
 * mean of the two fresh ones (and how far those two differ: the machine's load may change during
 * a long fill). `--keep DIR` keeps the filled chain in DIR; a later run tops it up to N and
 * measures again without the long fill. Not for CI: 10e6 records take about half an hour and
 * 13 GB of disk.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNode, type RunningNode, BENCH_EVENTS } from '../support/children.js';
import { LmdbStore } from '../src/store/lmdb.js';
import { Query } from '../src/node/query.js';
import { BatchSender, cpuMicrosOf, deviceWrites, drive, flag, ioDelta, pct, procIo, type BenchOptions, type Emit } from './common.js';

/** Records taken in during one phase, and what the node wrote for them. */
interface Phase {
  chain: string;
  recordsBefore: number;
  records: number;
  recordsPerSec: number;
  writeBytesPerRecord: number;
  wcharPerRecord: number;
  /** Bytes written to the data folder's block device over the same window (all writers: idle machine), after a `sync`; absent off a block device. */
  deviceWriteBytesPerRecord?: number;
  nodeCpuUsPerRecord: number;
  /** Receipted txIds, every 50th, for the proofs. */
  sample: string[];
}

/** Only the events the bench waits on are kept: one line per record would fill memory. */
const started = (e: { event: string }) => e.event === 'started';

async function measure(node: RunningNode, sender: BatchSender, seconds: number, chain: string, recordsBefore: number, data: string): Promise<Phase> {
  const pid = node.proc.pid!;
  execFileSync('sync'); // what others left dirty is written before the window, not in it
  const dev0 = deviceWrites(data);
  const io0 = procIo(pid);
  const cpu0 = cpuMicrosOf(pid);
  const sample: string[] = [];
  let k = 0;
  const { n, secs } = await drive(8, seconds, async () => {
    const ids = await sender.send();
    for (const id of ids) if (k++ % 50 === 0) sample.push(id);
    return ids.length;
  });
  await node.drained(600_000); // the blocks holding them are written too
  const io = ioDelta(io0, procIo(pid));
  // The node syncs every commit; a sync here adds what the file system still holds back (its
  // journal commits metadata on a timer), so the device count has all of the window's writes.
  execFileSync('sync');
  const dev1 = deviceWrites(data);
  return {
    chain,
    recordsBefore,
    records: n,
    recordsPerSec: Math.round(n / secs),
    writeBytesPerRecord: Math.round(io.writeBytes / n),
    wcharPerRecord: Math.round(io.wchar / n),
    ...(dev0 !== undefined && dev1 !== undefined ? { deviceWriteBytesPerRecord: Math.round((dev1 - dev0) / n) } : {}),
    nodeCpuUsPerRecord: Math.round((cpuMicrosOf(pid) - cpu0) / n),
    sample,
  };
}

/** Proof generation out of the stopped node's store: one record per block, cold then warm. */
async function proofTimes(data: string, sample: string[]) {
  const store = await LmdbStore.open(data, { readOnly: true });
  try {
    // One record per block: each cold proof then rebuilds its block's Merkle levels.
    const perBlock = new Map<string, { id: string; hash: Uint8Array }>();
    for (const id of sample) {
      const loc = store.location(Buffer.from(id, 'hex'));
      const key = loc && Buffer.from(loc.blockHash).toString('hex');
      if (loc && !perBlock.has(key!)) perBlock.set(key!, { id, hash: loc.blockHash });
    }
    // The first proof also pays for loading and compiling the code: it warms up, uncounted.
    const ids = [...perBlock.values()].map((x) => x.id);
    const q0 = new Query(store);
    if (ids.length > 1) q0.proof(ids.shift()!);
    const q = new Query(store);
    const time = () =>
      ids.map((id) => {
        const t = performance.now();
        q.proof(id);
        return (performance.now() - t) * 1000;
      });
    const cold = time();
    const warm = time();
    const sizes = (ids.length ? [...perBlock.values()].slice(-ids.length) : []).map((x) => store.getBody(x.hash)?.length ?? 0);
    return { proofs: ids.length, blockTxsP50: pct(sizes, 50), coldUsP50: pct(cold, 50), coldUsMax: pct(cold, 100), warmUsP50: pct(warm, 50) };
  } finally {
    await store.close();
  }
}

export async function bytesBench(emit: Emit, o: BenchOptions): Promise<void> {
  const long = o.args.includes('--long');
  const fill = Number(flag(o.args, '--fill', '1e6'));
  const keep = flag(o.args, '--keep', '');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-bytes-'));
  const payload = crypto.randomBytes(1024);
  const phases: (Phase & Awaited<ReturnType<typeof proofTimes>>)[] = [];
  try {
    /** One phase on the chain in `data` holding `before` records; `prepare` runs first (the fill). */
    const run = async (chain: string, data: string, before: number, prepare?: (node: RunningNode) => Promise<number>) => {
      const node = await startNode(data, ['--block-time', '1s'], { keep: started, events: BENCH_EVENTS });
      const sender = new BatchSender(node.url, 100, payload);
      try {
        const total = before + ((await prepare?.(node)) ?? 0);
        const p = await measure(node, sender, o.seconds, chain, total, data);
        await sender.close();
        await node.stop();
        const proofs = await proofTimes(data, p.sample);
        const line = { ...p, ...proofs };
        phases.push(line);
        const { sample, ...shown } = line;
        emit({ bench: 'bytes.per-record', payloadBytes: 1024, api: 'HTTP batch, 100 per request, 8 in flight', ...shown, mustReach: 'writeBytesPerRecord <= 4096 (issue 11)' });
      } finally {
        await sender.close().catch(() => {});
        await node.stop();
      }
    };
    await run('fresh', path.join(tmp, 'fresh'), 0);
    if (!long) return;
    // --keep DIR keeps the filled chain for the next run, which fills only what is missing: the
    // growth can be measured again (on an idle machine) without another long fill.
    const filled = keep ? path.resolve(keep) : path.join(tmp, 'filled');
    const had = await recordsIn(filled);
    await run(`filled to ${fill}`, filled, had, async (node) => {
      // 1,000 records per request, 4 in flight: the fastest way in; progress on stderr.
      const filler = new BatchSender(node.url, 1000, payload);
      let total = had;
      let next = Math.ceil((had / fill) * 10 + 1e-9) / 10 || 0.1;
      try {
        while (total < fill) {
          const { n } = await drive(4, 2, async () => (await filler.send()).length);
          total += n;
          if (total >= next * fill) {
            process.stderr.write(`bytes: filled ${total} of ${fill} records\n`);
            while (total >= next * fill) next += 0.1;
          }
        }
        await node.drained(3_600_000);
      } finally {
        await filler.close();
      }
      return total - had;
    });
    // A second fresh chain after the filled one: if the machine's load changed during the long
    // run, the two fresh phases differ, and the growth below says by how much (freshSpread).
    await run('fresh again', path.join(tmp, 'fresh2'), 0);
    const [a, b, c] = phases;
    const r = (x: number, y: number) => Math.round((x / y) * 100) / 100;
    const mean = (k: 'recordsPerSec' | 'writeBytesPerRecord' | 'coldUsP50') => (a[k] + c[k]) / 2;
    emit({
      bench: 'bytes.cost-growth',
      of: `chain filled to ${b.recordsBefore} records / fresh chains (mean of the runs before and after)`,
      recordsPerSec: r(b.recordsPerSec, mean('recordsPerSec')),
      writeBytesPerRecord: r(b.writeBytesPerRecord, mean('writeBytesPerRecord')),
      proofColdUsP50: r(b.coldUsP50, mean('coldUsP50')),
      freshSpread: { recordsPerSec: r(c.recordsPerSec, a.recordsPerSec), proofColdUsP50: r(c.coldUsP50, a.coldUsP50) },
      mustReach: 'recordsPerSec and proof time within 20% of fresh at 10,000,000 records (issue 11)',
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Records already in the chain at `data` (a kept filled chain): the node's own sequence number. */
async function recordsIn(data: string): Promise<number> {
  if (!fs.existsSync(path.join(data, 'chain.lmdb'))) return 0;
  const store = await LmdbStore.open(data, { readOnly: true });
  try {
    return store.lastSeq();
  } finally {
    await store.close();
  }
}
