/** The one error table: every code has its row, the factories and the INTERNAL fallback. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERRORS, UrchainError, asUrchainError, isUrchainError, type ErrorCode } from '../src/errors.js';

test('every code has a factory that makes an error of that code, with its row of the table', () => {
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    const make = (UrchainError as unknown as Record<string, (m: string, meta?: Record<string, unknown>) => UrchainError>)[code];
    assert.type(make, 'function', code);
    const e = make('why', { at: 1 });
    assert.instance(e, UrchainError);
    assert.is(e.code, code);
    assert.is(e.message, 'why');
    assert.equal(e.toJSON(), { code, message: 'why', at: 1 });
    assert.is(e.spec, ERRORS[code]);
    assert.ok(e.spec.http >= 400 && e.spec.http < 600, code);
    assert.ok(e.spec.penalty >= 0 && e.spec.penalty <= 100, code);
    assert.ok(e.spec.about.length > 10, code);
  }
});

test('only bad input exits 2; a full disk costs a peer nothing; only transient codes say retry', () => {
  const two = Object.entries(ERRORS).filter(([, s]) => s.exit === 2).map(([c]) => c);
  assert.equal(two, ['BAD_INPUT']);
  assert.is(ERRORS.STORE.penalty, 0);
  assert.is(ERRORS.BAD_SIGNATURE.penalty, 100);
  const retry = Object.entries(ERRORS).filter(([, s]) => s.retry).map(([c]) => c).sort();
  assert.equal(retry, ['BAD_REPLY', 'RATE_LIMITED', 'STORE', 'TIMEOUT', 'UNAVAILABLE']);
});

test('anything that is not an UrchainError is INTERNAL and keeps the original as its cause', () => {
  const boom = new TypeError('x is undefined');
  const e = asUrchainError(boom);
  assert.is(e.code, 'INTERNAL');
  assert.match(e.message, /x is undefined/);
  assert.is(e.cause, boom);
  assert.is(asUrchainError('text').code, 'INTERNAL');
  const known = UrchainError.NOT_FOUND('no block');
  assert.is(asUrchainError(known), known);
  assert.ok(isUrchainError(known));
  assert.ok(isUrchainError(known, 'NOT_FOUND', 'EXISTS'));
  assert.not.ok(isUrchainError(known, 'EXISTS'));
  assert.not.ok(isUrchainError(boom));
});

test.run();
