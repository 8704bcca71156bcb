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

test('the reused writer and writeCore give the bytes of a fresh encode of the same values', async () => {
  const { CborWriter } = await import('../../src/codec/cbor.js');
  const { writeCore, encodeCore, decodeCore } = await import('../../src/chain/transaction.js');
  const fresh = (v: Parameters<typeof encode>[0]) => {
    const w = new CborWriter(1);
    w.value(v);
    return w.take();
  };
  const values = [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 1_764_000_000_123, Number.MAX_SAFE_INTEGER, 2n ** 64n - 1n, 'a'.repeat(64), 'é'.repeat(40), 'x'.repeat(65), ''];
  for (const v of values) assert.equal(encode(v), fresh(v), String(v));
  try {
    encode([1, -1]);
    assert.unreachable();
  } catch {
    /* a failed encode leaves nothing behind for the next */
  }
  assert.equal(encode([1, 2]), Uint8Array.of(0x82, 1, 2));
  const core = { version: 1, chainId: new Uint8Array(32).fill(1), origin: new Uint8Array(32).fill(2), timestamp: 1_764_000_000_123, seq: 70_000, kind: 'epcis', meta: [['id.0000', 'é'.repeat(300)], ['product', 'P']] as [string, string][], payloadDigest: new Uint8Array(32).fill(3), payloadLength: 1 << 20 };
  const w = new CborWriter(8);
  writeCore(w, core);
  writeCore(w, { ...core, seq: 1 });
  const both = w.take();
  const one = encodeCore(core);
  assert.equal(one, encode([1, core.chainId, core.origin, core.timestamp, core.seq, core.kind, core.meta, core.payloadDigest, core.payloadLength]));
  assert.equal(both.subarray(0, one.length), one);
  assert.equal(decodeCore(both.subarray(one.length)).seq, 1);
});
