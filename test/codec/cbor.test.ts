import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encode, decode } from '../../src/codec/cbor.js';
import { fromHex, toHex } from '../../src/codec/bytes.js';
import { vector } from '../helpers.js';

interface Golden { name: string; value: any; hex: string }
const golden = vector<{ cases: Golden[] }>('cbor-canonical.json');

// Values in the vector file are JSON: {"u": "123"} is an unsigned integer, {"b": "hex"} bytes,
// {"t": "text"} a text string, arrays are arrays.
function fromJson(v: any): any {
  if (Array.isArray(v)) return v.map(fromJson);
  if ('u' in v) return BigInt(v.u) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.u) : BigInt(v.u);
  if ('b' in v) return fromHex(v.b);
  if ('t' in v) return v.t;
  throw new Error('bad vector');
}

for (const c of golden.cases) {
  test(`golden bytes: ${c.name}`, () => {
    const v = fromJson(c.value);
    assert.is(toHex(encode(v)), c.hex);
    assert.equal(decode(fromHex(c.hex)), v);
  });
}

test('decoder refuses non-canonical and foreign encodings', () => {
  const bad = {
    'integer not shortest (24 as 0x1818 ok, 23 as 0x1817 not)': '1817',
    'two-byte length for short bytes': '590001ff',
    'indefinite array': '9f00ff',
    'map': 'a0',
    'tag 64': 'd84040',
    'float': 'f93c00',
    'negative integer': '20',
    'trailing byte': '0000',
    'truncated bytes': '4401',
    'invalid utf-8': '61ff',
    'array longer than input': '9a00ffffff',
  };
  for (const [name, h] of Object.entries(bad)) {
    assert.throws(() => decode(fromHex(h)), /cbor/, name);
  }
});

test('encoder refuses what hashed structures may not hold', () => {
  assert.throws(() => encode(-1), /unsigned/);
  assert.throws(() => encode(1.5), /unsigned/);
  assert.throws(() => encode({} as any), /cannot encode/);
  assert.throws(() => encode(1n << 64n), /out of range/);
});

test('round-trips nested arrays and 64-bit integers', () => {
  const v = [1, [2, [3, new Uint8Array([4, 5])]], 'ü', 0xffffffffffffffffn, 2 ** 40];
  assert.equal(decode(encode(v)), v);
});

test.run();
