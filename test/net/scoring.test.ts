/**
 * Scores decay: a key's debt halves every SCORE_HALF_LIFE_MS, so small local failures spread over
 * a week never ban an honest peer, while the same failures in a burst still do. The clock is
 * injected: the test steps it instead of waiting.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scores, BAN_SCORE, BAN_MS, SCORE_HALF_LIFE_MS, penalty } from '../../src/net/scoring.js';
import { UrchainError } from '../../src/errors.js';

const SMALL = 5; // what a local failure costs (the table's penalty for TIMEOUT, NOT_FOUND, …)
const clock = (t = 1_700_000_000_000) => ({ now: () => t, step: (ms: number) => (t += ms) });

test('the thresholds are the ones the man page names', () => {
  assert.is(BAN_SCORE, 100);
  assert.is(BAN_MS, 60_000);
  assert.is(SCORE_HALF_LIFE_MS, 60 * 60_000);
  assert.is(penalty(new UrchainError('TIMEOUT', 'x')), SMALL);
});

test('twenty small failures within a minute ban the key', () => {
  const c = clock();
  const s = new Scores(c.now);
  for (let i = 0; i < 19; i++) {
    assert.not.ok(s.punish('k', SMALL).banned, `failure ${i + 1}`);
    c.step(3000);
  }
  assert.equal(s.punish('k', SMALL), { score: -100, banned: true });
  assert.equal(s.banned(), ['k']);
  assert.is(s.bannedUntil('k'), c.now() + BAN_MS);
  c.step(BAN_MS);
  assert.is(s.bannedUntil('k'), undefined, 'the ban runs out');
  assert.is(s.score('k'), 0, 'and starts again from 0');
});

test('the same twenty spread over a week never ban it', () => {
  const c = clock();
  const s = new Scores(c.now);
  const week = 7 * 24 * 3600_000;
  let worst = 0;
  for (let i = 0; i < 20; i++) {
    const r = s.punish('k', SMALL);
    assert.not.ok(r.banned, `failure ${i + 1}`);
    worst = Math.min(worst, r.score);
    c.step(week / 20);
  }
  assert.ok(worst > -2 * SMALL, `the score stays near one failure (worst ${worst})`);
  assert.equal(s.banned(), []);
});

test('points halve per whole period since the first one lost, and are forgotten below one', () => {
  const c = clock();
  const s = new Scores(c.now);
  s.punish('k', 80);
  c.step(SCORE_HALF_LIFE_MS - 1);
  assert.is(s.score('k'), -80, 'not yet a whole period');
  c.step(1);
  assert.is(s.score('k'), -40);
  c.step(2 * SCORE_HALF_LIFE_MS);
  assert.is(s.score('k'), -10);
  assert.not.ok(s.punish('k', 80).banned, '10 + 80 < 100');
  c.step(10 * SCORE_HALF_LIFE_MS);
  assert.is(s.score('k'), 0);
  assert.is(s.punish('other', 0).score, 0, 'a failure of this node (STORE) costs nothing');
});

test('a non-member relayed batch is FORBIDDEN and still bans at once', () => {
  const e = UrchainError.FORBIDDEN('batch from …, which is not a member', { penalty: BAN_SCORE });
  assert.is(penalty(e), BAN_SCORE);
  assert.is(penalty(UrchainError.FORBIDDEN('x')), 5, 'the table value otherwise');
  assert.ok(new Scores().punish('k', penalty(e)).banned);
});

test.run();
