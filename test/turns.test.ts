/** turns: cut work gives the event loop back by time, and only then. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Turns, nextTurn } from '../src/turns.js';

const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test('a turn is due once its budget is spent, not before', () => {
  const t = new Turns(50, 1);
  assert.not.ok(t.due(), 'a fresh budget');
  spin(60);
  assert.ok(t.due(), 'after 60 ms of a 50 ms budget');
});

test('the clock is read every `every`-th call only', () => {
  const t = new Turns(0, 4);
  spin(1);
  assert.equal([t.due(), t.due(), t.due(), t.due()], [false, false, false, true]);
});

test('next() lets waiting I/O and timers run, then starts a new budget', async () => {
  const t = new Turns(5, 1);
  let ran = false;
  setImmediate(() => (ran = true));
  spin(6);
  assert.ok(t.due());
  await t.next();
  assert.ok(ran, 'what was queued before ran during the turn given back');
  assert.not.ok(t.due(), 'a new budget');
  assert.is(t.yielded, 1);
});

test('work cut by Turns lets a request in within about a budget', async () => {
  // 200 ms of work in 0.1 ms items, and a callback queued 20 ms in: it runs long before the end.
  const t = new Turns(2);
  let at = 0;
  const start = performance.now();
  setTimeout(() => (at = performance.now() - start), 20);
  for (let i = 0; i < 2000; i++) {
    if (t.due()) await t.next();
    spin(0.1);
  }
  const total = performance.now() - start;
  assert.ok(at > 0 && at < 60, `the timer ran at ${at.toFixed(1)} ms of ${total.toFixed(1)}`);
  await nextTurn();
});

/** Other work on the loop: `n` callbacks one after another, each holding the thread `ms`; resolves with their end times. */
function busyChain(n: number, ms: number): Promise<number[]> {
  const ends: number[] = [];
  return new Promise((resolve) => {
    const step = () => {
      spin(ms);
      ends.push(performance.now());
      if (ends.length < n) setImmediate(step);
      else resolve(ends);
    };
    setImmediate(step);
  });
}

test('next() on an idle loop comes back after one turn', async () => {
  const t = new Turns(2, 1, 50);
  const start = performance.now();
  await t.next();
  assert.ok(performance.now() - start < 25, 'no waiting (up to 50 ms) for work that is not there');
  assert.is(t.yielded, 1);
});

test('next() lets other work go on until the loop is idle: a chain of callbacks runs to its end first', async () => {
  // Six callbacks of 1 ms each, queued one after the other: one turn given back lets only the
  // first run; next() waits for all six (a request's read, commit callback and answer).
  const t = new Turns(2, 1, 50);
  const chain = busyChain(6, 1);
  spin(3);
  await t.next();
  const back = performance.now();
  const ends = await chain;
  assert.ok(ends.every((e) => e <= back), `all ${ends.length} callbacks ran before next() came back`);
});

test('next() waits for other work at most maxWaitMs: cut work still gets its turns on a thread that is never idle', async () => {
  const t = new Turns(2, 1, 10);
  const chain = busyChain(60, 1); // 60 ms of other work
  const start = performance.now();
  await t.next();
  const waited = performance.now() - start;
  const ends = await chain;
  assert.ok(waited >= 10 && waited < 40, `came back after ${waited.toFixed(1)} ms`);
  assert.ok(ends.filter((e) => e > start + waited).length > 30, 'most of the other work was still to run');
  const one = new Turns(2, 1, 0);
  const chain2 = busyChain(6, 1);
  const s2 = performance.now();
  await one.next();
  const w2 = performance.now() - s2;
  await chain2;
  assert.ok(w2 < 3, `maxWaitMs 0: one turn (${w2.toFixed(1)} ms)`);
});

test('all the waits of one piece of work together stay under maxTotalWaitMs: past it, one turn per next()', async () => {
  const t = new Turns(2, 1, 10, 15);
  const chain = busyChain(80, 1); // 80 ms of other work
  const took: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    await t.next();
    took.push(performance.now() - s);
  }
  await chain;
  assert.ok(took[0] >= 10, `the first waits its maxWaitMs (${took[0].toFixed(1)} ms)`);
  assert.ok(took[1] < 10, `the second only what is left of the total (${took[1].toFixed(1)} ms)`);
  assert.ok(took[2] < 8, `the third one turn (${took[2].toFixed(1)} ms)`);
  assert.ok(took[0] + took[1] + took[2] < 40, `${took.map((x) => x.toFixed(1)).join(' + ')} ms in all`);
});

test.run();
