import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as ed from '../../src/crypto/ed25519.js';
import { signedMessage } from '../../src/crypto/signed.js';
import { vector, hex, toHex } from '../helpers.js';

const rfc = vector('rfc8032-ed25519.json');

test('RFC 8032 §7.1 vectors: public key derivation and signatures (OpenSSL and noble agree)', () => {
  for (const c of rfc.cases) {
    const sk = hex(c.secretKey);
    assert.is(toHex(ed.publicKeyOf(sk)), c.publicKey);
    assert.is(toHex(ed.portableSign(hex(c.message), sk)), c.signature);
    assert.ok(ed.portableVerify(hex(c.message), hex(c.signature), hex(c.publicKey)));
  }
});

test('domain separation: a batch signature does not verify as a block signature', () => {
  const k = ed.generateKeyPair();
  const h = new Uint8Array(32).fill(7);
  const sig = ed.sign(signedMessage('batch', h), k.secretKey);
  assert.ok(ed.verify(signedMessage('batch', h), sig, k.publicKey));
  assert.not.ok(ed.verify(signedMessage('block', h), sig, k.publicKey));
  assert.ok(ed.portableVerify(signedMessage('batch', h), sig, k.publicKey), 'noble accepts the OpenSSL signature');
});

test('strict rule: S >= L and non-canonical encodings are refused by both paths', () => {
  const k = ed.generateKeyPair();
  const h = new Uint8Array(32).fill(1);
  const sig = ed.sign(signedMessage('block', h), k.secretKey);
  // S + L is the classic malleated signature: same equation, non-canonical S.
  const L = (1n << 252n) + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]);
  s += L;
  const mall = sig.slice();
  for (let i = 32; i < 64; i++) {
    mall[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  assert.not.ok(ed.verify(signedMessage('block', h), mall, k.publicKey));
  assert.not.ok(ed.portableVerify(signedMessage('block', h), mall, k.publicKey));
  const badKey = new Uint8Array(32).fill(0xff);
  badKey[31] = 0x7f; // y = 2^255 - 1 >= p
  assert.not.ok(ed.strictEncodings(badKey, sig));
  assert.not.ok(ed.verify(signedMessage('block', h), sig, badKey));
});

test('flipping any byte of message, signature or key breaks verification', () => {
  const k = ed.generateKeyPair();
  const h = new Uint8Array(32).fill(9);
  const sig = ed.sign(signedMessage('batch', h), k.secretKey);
  for (const i of [0, 31, 32, 63]) {
    const s = sig.slice();
    s[i] ^= 1;
    assert.not.ok(ed.verify(signedMessage('batch', h), s, k.publicKey), `sig byte ${i}`);
  }
  const h2 = h.slice();
  h2[5] ^= 1;
  assert.not.ok(ed.verify(signedMessage('batch', h2), sig, k.publicKey));
});

test.run();
