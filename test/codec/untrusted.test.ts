import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encode as cborxEncode } from 'cbor-x';
import { decodeUntrusted } from '../../src/codec/untrusted.js';
import { hex } from '../helpers.js';

const refused = (h: string | Uint8Array, re: RegExp, opts = {}) => {
  try {
    decodeUntrusted(typeof h === 'string' ? hex(h) : h, opts);
  } catch (e) {
    assert.is((e as { code?: string }).code, 'BAD_ENCODING');
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`accepted ${typeof h === 'string' ? h : `${h.length} bytes`}`);
};

test('plain values, maps with text keys, arrays, bytes, text, negative integers, simple values', () => {
  // {"a": [1, -2, h'0102', "x", true, false, null, undefined]}
  const v = decodeUntrusted(hex('a1616188012142010261 78f5f4f6f7'.replace(/ /g, ''))) as any;
  assert.equal(Object.keys(v), ['a']);
  assert.equal(v.a, [1, -2, new Uint8Array([1, 2]), 'x', true, false, null, undefined]);
  // longer heads than needed are fine here (generic encoders write 16-bit map heads)
  assert.equal(decodeUntrusted(hex('b9000161611819')), Object.assign(Object.create(null), { a: 25 }));
});

test('shared references (tags 28/29) are refused, even when the caller lists them', () => {
  // [28(h'01'), 29(0)] — the 210 MB amplification of the batch API
  refused('82d81c4101d81d00', /shared references \(tag 28/);
  refused('82d81c4101d81d00', /shared references/, { tags: [28, 29] });
  refused('d81d00', /shared references \(tag 29/);
});

test('only listed tags; record extensions, typed arrays, dates, bignums refused', () => {
  refused('d8404101', /tag 64 at byte 0 is not accepted/);
  assert.equal(decodeUntrusted(hex('d8404101'), { tags: [64] }), new Uint8Array([1]));
  refused('d9dfff8100', /tag 57343/); // cbor-x record definition
  refused('c11a5f000000', /tag 1/);
  refused('c249010000000000000000', /tag 2/);
});

test('floats, other simple values, indefinite lengths, reserved info refused', () => {
  refused('f93c00', /floating-point/);
  refused('fb3ff0000000000000', /floating-point/);
  refused('f0', /simple value 16/);
  refused('9f01ff', /indefinite length/);
  refused('bf6161 01ff'.replace(/ /g, ''), /indefinite length/);
  refused('5f4101ff', /indefinite length/);
  refused('1c', /reserved additional info 28/);
});

test('maps: text keys only, each once; "__proto__" is data, not a prototype', () => {
  refused('a10101', /map key at byte 1 is not a text string/);
  refused('a2616101616102', /map key "a" given twice/);
  const v = decodeUntrusted(hex('a1695f5f70726f746f5f5fa1617801')) as any;
  assert.is(Object.getPrototypeOf(v), null);
  assert.is(({} as any).x, undefined);
  assert.is(v.__proto__.x, 1);
});

test('limits: depth, items, string bytes, lengths beyond the input, trailing bytes', () => {
  refused('81'.repeat(20) + '00', /nested deeper than 16/);
  assert.ok(decodeUntrusted(hex('81'.repeat(20) + '00'), { maxDepth: 20 }));
  refused('83010203', /more than 3 data items/, { maxItems: 3 });
  refused('8243010203420405', /strings longer than 4 bytes in all/, { maxBytes: 4 });
  // an array or string head that claims more than the input holds is refused before allocating
  refused('9bffffffffffffffff', /array at byte 0 is longer than the input/);
  refused('9a7fffffff00', /array at byte 0 is longer than the input/);
  refused('5a7fffffff00', /byte string at byte 0 is longer than the input/);
  refused('0000', /1 trailing bytes/);
  refused('', /unexpected end/);
  refused('62c328', /invalid UTF-8/);
});

test('the record keys (payload, kind, meta, key) decode as any text key: twice refused, counted against the limits, a truncated one refused', () => {
  const rec = cborxEncode({ payload: new Uint8Array([1, 2]), kind: 'k', meta: { key: 'v' }, key: 'i' });
  const v = decodeUntrusted(rec, { tags: [64] }) as any;
  assert.equal(Object.keys(v), ['payload', 'kind', 'meta', 'key']);
  assert.equal([...v.payload], [1, 2]);
  assert.is(v.meta.key, 'v');
  // a map of {payload: 1, payload: 2} by hand: the known key given twice
  refused('a2677061796c6f616401677061796c6f616402', /map key "payload" given twice/);
  // its 7 bytes count in maxBytes and its item in maxItems, as any key's do
  refused('a1677061796c6f616401', /strings longer than 6 bytes in all/, { maxBytes: 6 });
  refused('a1677061796c6f616401', /more than 2 data items/, { maxItems: 2 });
  // a key cut short: the input ends inside it
  refused('a1677061796c6f61', /longer than the input/);
  // a known key one byte off, or a prefix of one, is an ordinary key
  assert.equal(Object.keys(decodeUntrusted(hex('a2677061796c6f616501667061796c6f6102')) as any), ['payloae', 'payloa']);
  // at the deepest level a map's key is still refused as nested too deep
  refused('81'.repeat(16) + 'a1677061796c6f616401', /nested deeper than 16 \(at byte 17\)/);
  assert.ok(decodeUntrusted(hex('81'.repeat(15) + 'a1677061796c6f616401')));
});

test('keys repeated across maps (kept after their first map) decode as the first time: ASCII, non-ASCII, 23 and 24 bytes, __proto__', () => {
  const keys = ['lot', 'ünï', 'k'.repeat(23), 'k'.repeat(24), '__proto__', '1'];
  const maps = Array.from({ length: 4 }, (_, i) => Object.fromEntries(keys.map((k) => [k, i])));
  const v = decodeUntrusted(cborxEncode(maps)) as any[];
  for (let i = 0; i < 4; i++) {
    assert.equal(Object.keys(v[i]).sort(), keys.slice().sort(), `map ${i}`);
    for (const k of keys) assert.is(Object.getOwnPropertyDescriptor(v[i], k)?.value, i, `map ${i}, key ${k}`);
    assert.is(Object.getPrototypeOf(v[i]), null);
  }
});

test('byte strings are copies by default, views with copy: false', () => {
  const input = hex('420102');
  const copy = decodeUntrusted(input) as Uint8Array;
  const view = decodeUntrusted(input, { copy: false }) as Uint8Array;
  input[1] = 9;
  assert.is(copy[0], 1);
  assert.is(view[0], 9);
});

test('what cbor-x writes for a batch by default decodes with tag 64 listed', () => {
  const body = cborxEncode([{ payload: new Uint8Array([1, 2, 3]), kind: undefined, meta: { a: 'b' } }]);
  const v = decodeUntrusted(new Uint8Array(body), { tags: [64] }) as any[];
  assert.equal(v[0].payload, new Uint8Array([1, 2, 3]));
  assert.is(v[0].kind, undefined);
  assert.is(v[0].meta.a, 'b');
});

test.run();
