import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProofVectors } from '../proofVectors.js';
import { vector } from '../helpers.js';
import { verifyProof } from '../../src/proof/proof.js';
import { checkTrustList } from '../../src/proof/trust.js';
import { verify, portableVerify, validPublicKey } from '../../src/crypto/ed25519.js';
import { signedMessage } from '../../src/crypto/signed.js';

const golden = vector('proofs.json');

test('the proof vectors match test/vectors/proofs.json byte for byte', () => {
  assert.equal(buildProofVectors(), golden);
});

test('the countersigned vector verifies against its trust list and names the partner', () => {
  const r = verifyProof(golden.countersigned, checkTrustList(golden.trust));
  assert.is(r.valid, true, JSON.stringify(r));
  assert.is(r.valid && r.countersignedBy![0].partner, 'plant-b');
});

test('the small-order vector: both verification paths and the trust-list rule refuse the key', () => {
  const h = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
  const { key, message, signature } = golden.smallOrder;
  assert.not.ok(verify(signedMessage('block', h(message).subarray(16)), h(signature), h(key)));
  assert.not.ok(portableVerify(h(message), h(signature), h(key)));
  assert.not.ok(validPublicKey(h(key)));
});

test.run();
