/**
 * The goal lines a bench run ends with (bench/goals.ts): ratios to Hypercore use the same run's
 * Hypercore median, "at most" goals compare the other way, and a goal not measured is not printed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkGoals } from '../../bench/goals.js';

test('ratios to the same run\'s Hypercore, limits both ways, unmeasured goals left out', () => {
  const out: Record<string, any>[] = [];
  checkGoals(
    [
      { bench: 'hypercore.side-by-side', impl: 'hypercore', mode: 'batched', recordsPerSec: { min: 1, median: 40_000, max: 2 } },
      { bench: 'ingest.http.batch', recordsPerSec: 10_000 },
      { bench: 'ingest.http.batch', recordsPerSec: 30_000 },
      { bench: 'bytes.per-record', chain: 'fresh', writeBytesPerRecord: 9000 },
      { bench: 'latency.half-load', api: 'x', receiptLatencyMsP99: 12 },
    ],
    (o) => out.push(o),
  );
  const by = Object.fromEntries(out.map((o) => [o.goal, o]));
  assert.equal(Object.keys(by).length, 3);
  assert.equal(by['HTTP batch API records/s / Hypercore batched'], { bench: 'goal', goal: 'HTTP batch API records/s / Hypercore batched', value: 0.75, target: '>= 0.7', met: true });
  assert.is(by['bytes written per 1 KiB record, fresh chain'].met, false);
  assert.is(by['receipt latency p99 ms at half load, x'].met, true);
});

test.run();
