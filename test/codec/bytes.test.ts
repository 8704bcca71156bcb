/**
 * codec/bytes without Node: the portable hex and base64 give Buffer's bytes and strings on every
 * length, and refuse the same malformed input whether or not the native conversions are
 * registered (src/io/fastCrypto.ts registers them in the CLI and the tests).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../src/io/fastCrypto.js';
import { toHex, fromHex, toBase64, fromBase64, utf8, compareBytes, useNativeBytes, type NativeBytes } from '../../src/codec/bytes.js';

const nodeBytes: NativeBytes = {
  toHex: (b) => Buffer.from(b).toString('hex'),
  fromHex: (s) => new Uint8Array(Buffer.from(s, 'hex')),
  toBase64: (b) => Buffer.from(b).toString('base64'),
  fromBase64: (s) => new Uint8Array(Buffer.from(s, 'base64')),
};

/** Runs `fn` with the portable conversions, then puts the native ones back. */
function portable<T>(fn: () => T): T {
  useNativeBytes(undefined);
  try {
    return fn();
  } finally {
    useNativeBytes(nodeBytes);
  }
}

const samples = (): Uint8Array[] => {
  const out: Uint8Array[] = [];
  let x = 12345;
  for (const n of [...Array.from({ length: 70 }, (_, i) => i), 129, 1000, 4097]) {
    out.push(Uint8Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) >>> 0) >>> 24));
  }
  out.push(new Uint8Array(200).fill(0xff), new Uint8Array(200));
  return out;
};

test('portable hex and base64 equal Buffer on every length', () => {
  for (const b of samples()) {
    const hex = Buffer.from(b).toString('hex');
    const b64 = Buffer.from(b).toString('base64');
    portable(() => {
      assert.is(toHex(b), hex);
      assert.is(toBase64(b), b64);
      assert.equal(fromHex(hex), b);
      assert.equal(fromHex(hex.toUpperCase()), b);
      assert.equal(fromBase64(b64), b);
    });
    assert.is(toHex(b), hex);
    assert.is(toBase64(b), b64);
    assert.equal(fromHex(hex), b);
    assert.equal(fromBase64(b64), b);
  }
});

test('a subarray converts only its own bytes', () => {
  const b = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff).subarray(7, 207);
  assert.is(portable(() => toHex(b)), Buffer.from(b).toString('hex'));
  assert.is(portable(() => toBase64(b)), Buffer.from(b).toString('base64'));
});

test('malformed input is refused the same way by both paths', () => {
  const badHex = ['0', 'zz', '0g', 'ab cd', 'é0', 'a'.repeat(129), 'ab'.repeat(70) + 'x0'];
  const badB64 = ['A', 'AB=', 'A===', 'AB=C', '====', 'ab-_', 'AAAA ', 'AAAAA==='];
  for (const run of [(f: () => unknown) => portable(f), (f: () => unknown) => f()]) {
    for (const s of badHex) assert.throws(() => run(() => fromHex(s)), /expected an even-length hex string/, s);
    for (const s of badB64) assert.throws(() => run(() => fromBase64(s)), /expected padded base64/, s);
    assert.throws(() => run(() => fromHex('abcd', 3)), /expected 3 bytes/);
  }
});

test('unused bits of the last base64 character are ignored by both, as Buffer does', () => {
  assert.equal(portable(() => fromBase64('AB==')), Uint8Array.from([0]));
  assert.equal(fromBase64('AB=='), Uint8Array.from([0]));
  assert.equal(portable(() => fromBase64('AAB=')), Uint8Array.from([0, 0]));
});

test('utf8 encodes as Buffer does (lone surrogates become U+FFFD); compareBytes is byte order', () => {
  for (const s of ['', 'abc', 'ä€𝄞', '\ud800x', 'x\udc00']) assert.equal(utf8(s), new Uint8Array(Buffer.from(s, 'utf8')));
  const keys = ['b', 'a', 'ä', 'z', 'B', 'aa', ''];
  const sorted = [...keys].sort((a, b) => compareBytes(utf8(a), utf8(b)));
  assert.equal(sorted, [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
});

test.run();
