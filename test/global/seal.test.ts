import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { seal, open, x25519Public, x25519PublicFromSeed } from '../../src/crypto/seal.js';
import { sealEnvelope, parseEnvelope, openEnvelope } from '../../src/global/envelope.js';
import { signCheckpoint, openCheckpoint } from '../../src/chain/checkpoint.js';
import { verifyRequest, signRequest } from '../../src/global/auth.js';
import { toHex } from '../helpers.js';

test('the ed25519 -> X25519 map agrees with the key OpenSSL derives from the mapped secret', () => {
  for (let i = 0; i < 5; i++) {
    const k = generateKeyPair();
    assert.is(toHex(x25519Public(k.publicKey)), toHex(x25519PublicFromSeed(k.secretKey)));
  }
});

test('sealed data opens only with the receiver key and the same associated data', () => {
  const to = generateKeyPair();
  const other = generateKeyPair();
  const aad = new Uint8Array([1, 2, 3]);
  const s = seal(Buffer.from('checkpoint'), to.publicKey, aad);
  assert.is(Buffer.from(open(s, to.secretKey, to.publicKey, aad)).toString(), 'checkpoint');
  assert.throws(() => open(s, other.secretKey, other.publicKey, aad), /does not decrypt/);
  assert.throws(() => open(s, to.secretKey, to.publicKey, new Uint8Array([1, 2, 4])), /does not decrypt/);
  const bad = { ...s, ct: s.ct.slice() };
  bad.ct[0] ^= 1;
  assert.throws(() => open(bad, to.secretKey, to.publicKey, aad), /does not decrypt/);
});

test('envelopes: signed by the sender, readable by the receiver only', () => {
  const a = generateKeyPair();
  const b = generateKeyPair();
  const cp = signCheckpoint({ chainId: new Uint8Array(32).fill(1), height: 7, blockHash: new Uint8Array(32).fill(2), timestamp: 1000 }, a);
  const env = sealEnvelope({ checkpoint: cp, countersignatures: ['{}'] }, a, b.publicKey);
  const e = parseEnvelope(env);
  assert.is(toHex(e.from), toHex(a.publicKey));
  const m = openEnvelope(e, b);
  assert.is(openCheckpoint(m.checkpoint).height, 7);
  assert.equal(m.countersignatures, ['{}']);
  assert.throws(() => openEnvelope(e, a), /another network/);
  assert.is(Buffer.from(env).indexOf(Buffer.from(new Uint8Array(32).fill(2))), -1, 'block hash not in clear');
  const forged = env.slice();
  forged[10] ^= 1; // inside `from`
  assert.throws(() => parseEnvelope(forged), /does not verify|not an envelope/);
  const cpBad = cp.slice();
  cpBad[cpBad.length - 1] ^= 1;
  assert.throws(() => openCheckpoint(cpBad), /does not verify/);
});

test('signed requests: path, body and time are bound; stale times are refused', () => {
  const k = generateKeyPair();
  const body = new Uint8Array([5]);
  const h = signRequest(k, 'POST', '/v1/messages', body);
  assert.is(toHex(verifyRequest(h, 'POST', '/v1/messages', body).key), toHex(k.publicKey));
  assert.throws(() => verifyRequest(h, 'POST', '/v1/ack', body), /does not verify/);
  assert.throws(() => verifyRequest(h, 'POST', '/v1/messages', new Uint8Array([6])), /does not verify/);
  assert.throws(() => verifyRequest(signRequest(k, 'GET', '/x', body, Date.now() - 10 * 60_000), 'GET', '/x', body), /five minutes/);
  assert.throws(() => verifyRequest({}, 'GET', '/x', body), /not signed/);
});

test.run();
