import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildFormatVectors } from '../formatVectors.js';
import { vector, hex, toHex } from '../helpers.js';
import { decodeCore, coreToJson } from '../../src/chain/transaction.js';
import { decodeHeader } from '../../src/chain/header.js';
import { decodeParams } from '../../src/chain/params.js';
import { verifyProof } from '../../src/proof/proof.js';
import { portableVerify } from '../../src/crypto/ed25519.js';
import { portableSha256 } from '../../src/crypto/hash.js';

const golden = vector('formats.json');

test('every hashed and signed structure matches the committed vectors byte for byte', () => {
  assert.equal(buildFormatVectors(), golden);
});

test('vectors decode back and verify with the portable (pure JS) primitives alone', () => {
  const params = decodeParams(hex(golden.params.cbor));
  assert.is(params.name, 'vector-chain');
  assert.is(toHex(portableSha256(hex(golden.params.cbor))), golden.params.chainId);
  for (const t of golden.transactions) {
    assert.is(toHex(portableSha256(hex(t.core))), t.txId);
    assert.is(toHex(portableSha256(hex(t.payload))), t.payloadDigest);
    assert.is(coreToJson(decodeCore(hex(t.core))).payloadDigest, t.payloadDigest);
  }
  assert.is(toHex(portableSha256(hex(golden.block.cbor))), golden.block.hash);
  assert.is(decodeHeader(hex(golden.block.cbor)).height, 1);
  assert.ok(portableVerify(hex(golden.batch.signedMessage), hex(golden.batch.signature), hex(golden.key.publicKey)));
  assert.ok(portableVerify(hex(golden.block.signedMessage), hex(golden.block.signature), hex(golden.key.publicKey)));
  const r = verifyProof(golden.proof, { origins: [golden.key.publicKey], authorities: [golden.key.publicKey], chains: [golden.params.chainId] });
  assert.is(r.valid, true);
});

test('the signed messages start with their domain tags', () => {
  assert.is(Buffer.from(hex(golden.batch.signedMessage)).subarray(0, 16).toString(), 'urchain/batch/v1');
  assert.is(Buffer.from(hex(golden.block.signedMessage)).subarray(0, 16).toString(), 'urchain/block/v1');
});

test.run();
