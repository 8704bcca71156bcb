/**
 * The bench's measuring helpers (bench/common.ts) where a wrong figure would go unnoticed: the
 * open-loop pacer times a call from the moment it was due, so a slow server's queue shows in the
 * latencies (a closed loop would report each call's own time only), and the process counters.
 * Only lower bounds on time are asserted: a busy machine makes timers later, never earlier.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { paced, procIo, ioDelta, spread, pct, deviceWrites, deviceStatFile } from '../../bench/common.js';
import { tmpDir, cleanupAfter } from '../helpers.js';

cleanupAfter(test);

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('paced: latency counts from the due time, so calls that queue behind a slow one show it', async () => {
  // 20 calls due over 190 ms, at most one at a time, each taking at least 20 ms: the last one
  // cannot finish before 400 ms, 210 ms after it was due. Its own run time is only ~20 ms.
  const r = await paced(100, 0.2, async () => (await wait(20), 1), 1);
  assert.is(r.n, 20);
  assert.is(r.failed, 0);
  assert.ok(Math.max(...r.lat) >= 200, `max latency ${Math.max(...r.lat)} ms`);
  assert.ok(r.secs >= 0.4);
});

test('paced: starts calls on schedule without waiting for earlier ones; failures are counted, not thrown', async () => {
  // No call returns before all 20 have started (a pacer that waited would only get there through
  // the 10 s way out, and then `most` would be 1).
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const out = setTimeout(() => release(), 10_000);
  let running = 0;
  let most = 0;
  let i = 0;
  const r = await paced(200, 0.1, async () => {
    running++;
    most = Math.max(most, running);
    if (running === 20) release();
    await gate;
    running--;
    if (i++ % 2) throw new Error('refused');
    return 1;
  });
  clearTimeout(out);
  assert.is(most, 20);
  assert.is(r.failed, 10);
  assert.is(r.n, 10);
});

test('procIo: wchar grows by what the process wrote', () => {
  const file = path.join(tmpDir(), 'w');
  const a = procIo();
  fs.writeFileSync(file, Buffer.alloc(1 << 20));
  const d = ioDelta(a, procIo());
  assert.ok(d.wchar >= 1 << 20, `wchar grew by ${d.wchar}`);
});

test('spread and pct', () => {
  assert.equal(spread([3, 1, 2]), { min: 1, median: 2, max: 3 });
  assert.is(pct([1, 2, 3, 4], 50), 3);
  assert.is(pct([1, 2, 3, 4], 100), 4);
});

test('paced: dueAt gives each answered call its due time, in the order of lat', async () => {
  const t0 = performance.now();
  const r = await paced(200, 0.05, async () => (await wait(1), 1));
  assert.is(r.dueAt.length, r.lat.length);
  assert.ok(r.dueAt.every((d) => d >= t0 - 1 && d <= t0 + 60), 'due within the 50 ms run');
});

test('deviceWrites: a synced write of 4 MB in the folder shows on its block device (or the folder is on none)', () => {
  const dir = tmpDir('devwrites-');
  const before = deviceWrites(dir);
  if (before === undefined) {
    // tmpfs or overlay: no /sys/dev/block entry for its device, which is why there is no figure
    assert.not.ok(fs.existsSync(deviceStatFile(dir)));
    return;
  }
  const fd = fs.openSync(path.join(dir, 'f'), 'w');
  try {
    fs.writeSync(fd, Buffer.alloc(4 << 20, 7));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const after = deviceWrites(dir)!;
  assert.ok(after - before >= 4 << 20, `device counter grew by ${after - before} bytes`);
});

test.run();
