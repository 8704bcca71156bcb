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

test.run();
