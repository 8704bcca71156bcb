/**
 * The broker request signature vector of urchain-formats(5), checked from the page's rules with
 * hand-read CBOR and the portable (pure JS) primitives, not with the code that made it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vector, hex, toHex } from '../helpers.js';
import { portableVerify } from '../../src/crypto/ed25519.js';
import { portableSha256 } from '../../src/crypto/hash.js';
import { verifyRequest } from '../../src/global/auth.js';

const v = vector('formats.json');

test('request = [method, path, query, time, nonce, H(body)] with the CBOR types the page states', () => {
  const b = Buffer.from(hex(v.request.cbor));
  let i = 0;
  const head = () => {
    const ib = b[i++];
    const major = ib >> 5;
    const info = ib & 31;
    let n = info;
    if (info === 24) n = b[i++];
    else if (info === 25) (n = b.readUInt16BE(i)), (i += 2);
    else if (info === 26) (n = b.readUInt32BE(i)), (i += 4);
    else if (info === 27) (n = Number(b.readBigUInt64BE(i))), (i += 8);
    return { major, n };
  };
  const text = () => {
    const h = head();
    assert.is(h.major, 3, 'text string');
    const s = b.subarray(i, i + h.n).toString('utf8');
    i += h.n;
    return s;
  };
  const bytes = () => {
    const h = head();
    assert.is(h.major, 2, 'byte string');
    const s = b.subarray(i, i + h.n);
    i += h.n;
    return toHex(s);
  };
  assert.equal(head(), { major: 4, n: 6 });
  assert.is(text(), v.request.method);
  assert.is(text(), v.request.path);
  assert.is(text(), v.request.query);
  assert.equal(head(), { major: 0, n: v.request.time });
  assert.is(bytes(), v.request.nonce);
  assert.is(v.request.nonce.length, 32, '16-byte nonce');
  assert.is(bytes(), toHex(portableSha256(new Uint8Array(0))));
  assert.is(i, b.length);
  assert.is(toHex(portableSha256(hex(v.request.cbor))), v.request.hash);
  const msg = Buffer.concat([Buffer.from('urchain/broker-request/v1'), hex(v.request.hash)]);
  assert.ok(portableVerify(msg, hex(v.request.signature), hex(v.key.publicKey)));
});

test('the broker accepts the vector request only at its own path and query', () => {
  const headers = { 'x-urchain-key': v.key.publicKey, 'x-urchain-time': String(v.request.time), 'x-urchain-nonce': v.request.nonce, 'x-urchain-signature': v.request.signature };
  const target = `${v.request.path}?${v.request.query}`;
  assert.is(toHex(verifyRequest(headers, 'GET', target, new Uint8Array(0), v.request.time).key), v.key.publicKey);
  for (const t of [v.request.path, `${v.request.path}?max=11`, `${target}&a=1`, `/v1/ack?${v.request.query}`])
    assert.throws(() => verifyRequest(headers, 'GET', t, new Uint8Array(0), v.request.time), /does not verify/, t);
  assert.throws(() => verifyRequest({ ...headers, 'x-urchain-time': `${v.request.time}.0` }, 'GET', target, new Uint8Array(0), v.request.time), /time/);
});

test.run();
