/** io/checks: payload against its core, a batch against its root and its origin's signature. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { payloadMatches, txRoot, checkBatch } from '../../src/io/checks.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { leafHash, rootOf } from '../../src/merkle/tree.js';
import { toHex } from '../../src/codec/bytes.js';

const payload = new TextEncoder().encode('torque 42 Nm, press-7');

test('a payload matches only its own digest and length', () => {
  const core = { payloadLength: payload.length, payloadDigest: sha256(payload) };
  assert.ok(payloadMatches(core, payload));
  const changed = payload.slice();
  changed[0] ^= 1;
  assert.not.ok(payloadMatches(core, changed));
  assert.not.ok(payloadMatches({ ...core, payloadLength: payload.length + 1 }, payload), 'length is checked too');
});

const ids = [1, 2, 3].map((i) => sha256(new Uint8Array([i])));

test('txRoot is the RFC 9162 root over the leaf hashes of the ids', () => {
  assert.is(toHex(txRoot(ids)), toHex(rootOf(ids.map(leafHash))));
});

test('a signed batch holds; other ids or another signer do not', () => {
  const key = generateKeyPair();
  const signed = signBatch(ids, key);
  const b = { origin: key.publicKey, signature: signed.signature, txIds: ids };
  assert.equal(checkBatch(b, signed.root), { root: signed.root });
  assert.equal(checkBatch(b).root, signed.root, 'without a stored root the root is computed');
  assert.is(checkBatch({ ...b, txIds: ids.slice(0, 2) }, signed.root).fault, 'root');
  assert.is(checkBatch({ ...b, txIds: ids.slice(0, 2) }).fault, 'signature', 'received whole: fewer ids are not what was signed');
  assert.is(checkBatch({ ...b, origin: generateKeyPair().publicKey }, signed.root).fault, 'signature');
});

test.run();
