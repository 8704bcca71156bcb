/**
 * The crypto backend injection point (src/crypto/backend.ts): the portable @noble backend and the
 * OpenSSL one (src/io/fastCrypto.ts) give the same bytes and the same verdicts, the strict
 * ed25519 rule holds whichever is registered, and sealing without OpenSSL says so.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openSslBackend } from '../../src/io/fastCrypto.js';
import { backend, portableBackend, useCryptoBackend } from '../../src/crypto/backend.js';
import { sha256, sha256Parts, sha256Into } from '../../src/crypto/hash.js';
import { sign, verify, publicKeyOf } from '../../src/crypto/ed25519.js';
import { blockMessage } from '../../src/crypto/signed.js';
import { seal, hkdf } from '../../src/crypto/seal.js';
import { toHex } from '../../src/codec/bytes.js';
import { isUrchainError } from '../../src/errors.js';

/** Runs `fn` with the portable backend registered, then puts OpenSSL back. */
function portable<T>(fn: () => T): T {
  const old = useCryptoBackend(portableBackend);
  try {
    return fn();
  } finally {
    useCryptoBackend(old);
  }
}

test('importing io/fastCrypto registers OpenSSL', () => {
  assert.is(backend.name, 'node:crypto');
  assert.is(backend, openSslBackend);
});

test('both backends hash, derive keys, sign and verify alike', () => {
  for (let i = 0; i < 20; i++) {
    const data = openSslBackend.randomBytes(i * 37);
    const seed = openSslBackend.randomBytes(32);
    const h = sha256(data);
    const msg = blockMessage(h);
    const pub = publicKeyOf(seed);
    const sig = sign(msg, seed);
    assert.is(toHex(portable(() => sha256(data))), toHex(h));
    assert.is(toHex(portable(() => sha256Parts(data.subarray(0, 5), data.subarray(5)))), toHex(h));
    assert.is(toHex(portable(() => publicKeyOf(seed))), toHex(pub));
    assert.is(toHex(portable(() => sign(msg, seed))), toHex(sig), 'ed25519 signatures are deterministic');
    assert.ok(portable(() => verify(msg, sig, pub)));
    const bad = sig.slice();
    bad[i % 64] ^= 1;
    assert.not.ok(verify(msg, bad, pub));
    assert.not.ok(portable(() => verify(msg, bad, pub)));
    assert.is(toHex(portable(() => hkdf(data, seed, h, 42))), toHex(hkdf(data, seed, h, 42)));
  }
});

test('the strict rule runs before either backend: a small-order key is refused by both', () => {
  // The identity point (y = 1): R = identity and S = 0 satisfy the cofactorless equation for any message.
  const key = new Uint8Array(32);
  key[0] = 1;
  const sig = new Uint8Array(64);
  sig[0] = 1;
  const msg = blockMessage(new Uint8Array(32));
  assert.not.ok(verify(msg, sig, key));
  assert.not.ok(portable(() => verify(msg, sig, key)));
});

test('sealing without the OpenSSL backend is UNAVAILABLE, not a wrong answer', () => {
  const to = publicKeyOf(new Uint8Array(32).fill(3));
  assert.ok(seal(new Uint8Array(3), to, new Uint8Array(0)).ct.length === 19);
  try {
    portable(() => seal(new Uint8Array(3), to, new Uint8Array(0)));
    assert.unreachable('sealed without X25519');
  } catch (e) {
    assert.ok(isUrchainError(e, 'UNAVAILABLE'), String(e));
  }
});

test('sha256Into writes the digest at the offset and nothing else, with either backend', () => {
  for (const b of [openSslBackend, portableBackend]) {
    const old = useCryptoBackend(b);
    try {
      for (const len of [0, 33, 65, 1024]) {
        const data = openSslBackend.randomBytes(len);
        const out = new Uint8Array(100).fill(0xaa);
        sha256Into(data, out, 40);
        assert.is(toHex(out.subarray(40, 72)), toHex(sha256(data)), `${b.name}, ${len} bytes`);
        assert.ok(out.subarray(0, 40).every((x) => x === 0xaa) && out.subarray(72).every((x) => x === 0xaa), `${b.name}: only 32 bytes written`);
      }
    } finally {
      useCryptoBackend(old);
    }
  }
});

test.run();
