/**
 * `--only frontends` (bench/frontends.ts) runs: both front ends with the real intake on a store
 * that writes nothing, the client in a child process that is gone afterwards, and one line per
 * load with records moved and CPU per record on both sides.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { frontendsBench } from '../../bench/frontends.js';

test('frontends: one line per load, records moved, server and client CPU per record', async () => {
  const lines: Record<string, any>[] = [];
  await frontendsBench((o) => void lines.push(o), { seconds: 0.3, args: ['--rounds', '1'] });
  assert.equal(lines.map((l) => l.load), ['http', 'profichain']);
  for (const l of lines) {
    assert.is(l.bench, 'frontends');
    assert.ok(l.recordsPerSec.median > 0, JSON.stringify(l));
    assert.ok(l.serverCpuUsPerRecord.median > 0 && l.clientCpuUsPerRecord.median > 0, JSON.stringify(l));
  }
});

test.run();
