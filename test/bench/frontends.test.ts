/**
 * `--only frontends` (bench/frontends.ts) runs: both front ends with the real intake on a store
 * that writes nothing, the client in a child process that is gone afterwards, and one line per
 * load with records moved and CPU per record on both sides.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { frontendsBench } from '../../bench/frontends.js';

test('frontends: one line per load, records moved, server and client CPU per record, request latency', async () => {
  const lines: Record<string, any>[] = [];
  await frontendsBench((o) => void lines.push(o), { seconds: 0.3, args: ['--rounds', '1'] });
  assert.equal(lines.map((l) => l.load), ['http', 'single', 'profichain']);
  for (const l of lines) {
    assert.is(l.bench, 'frontends');
    assert.ok(l.recordsPerSec.median > 0, JSON.stringify(l));
    assert.ok(l.serverCpuUsPerRecord.median > 0 && l.clientCpuUsPerRecord.median > 0, JSON.stringify(l));
    assert.ok(l.requestLatencyMsP50.median > 0 && l.requestLatencyMsP99.median >= l.requestLatencyMsP50.median, JSON.stringify(l));
  }
});

test('frontends: --frontends-load runs one load alone', async () => {
  const lines: Record<string, any>[] = [];
  await frontendsBench((o) => void lines.push(o), { seconds: 0.3, args: ['--rounds', '1', '--frontends-load', 'single'] });
  assert.equal(lines.map((l) => l.load), ['single']);
});

test.run();
