/** io/retry: back-off between attempts, stopping on a final error, spent retries or the deadline. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { retry } from '../../src/io/retry.js';

const failing = (n: number, then: string) => {
  const seen: number[] = [];
  const attempt = async (i: number) => {
    seen.push(i);
    if (i < n) throw Object.assign(new Error(`fail ${i}`), { code: 'ECONNREFUSED' });
    return then;
  };
  return { seen, attempt };
};
const passing = (e: unknown) => (e as { code?: string }).code === 'ECONNREFUSED';

test('retries a passing failure until the attempt succeeds', async () => {
  const f = failing(3, 'ok');
  assert.is(await retry(f.attempt, passing, { retries: 5, baseDelayMs: 1 }), 'ok');
  assert.equal(f.seen, [0, 1, 2, 3]);
});

test('a failure the caller calls final is thrown at once', async () => {
  let calls = 0;
  const boom = new Error('final');
  const err = await retry(async () => (calls++, Promise.reject(boom)), () => false, { retries: 5, baseDelayMs: 1 }).catch((e) => e);
  assert.is(err, boom);
  assert.is(calls, 1);
});

test('spent retries throw the last error as it came', async () => {
  const f = failing(100, 'never');
  const err = await retry(f.attempt, passing, { retries: 2, baseDelayMs: 1 }).catch((e) => e);
  assert.is((err as Error).message, 'fail 2');
  assert.equal(f.seen, [0, 1, 2]);
});

test('the waits double from the base up to the cap', async () => {
  const waits: number[] = [];
  const real = globalThis.setTimeout;
  // Record the waits instead of sleeping them (the only timers here are retry's).
  globalThis.setTimeout = ((fn: () => void, ms: number) => (waits.push(ms), real(fn, 0))) as typeof setTimeout;
  try {
    await retry(failing(5, 'ok').attempt, passing, { retries: 5, baseDelayMs: 100, maxDelayMs: 300 });
  } finally {
    globalThis.setTimeout = real;
  }
  assert.equal(waits, [100, 200, 300, 300, 300]);
});

test('no wait starts past the deadline: the last error is thrown', async () => {
  const f = failing(100, 'never');
  const err = await retry(f.attempt, passing, { retries: 100, baseDelayMs: 1, deadline: Date.now() - 1 }).catch((e) => e);
  assert.is((err as Error).message, 'fail 0');
  assert.equal(f.seen, [0]);
});

test.run();
