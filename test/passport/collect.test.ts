/**
 * passport/collect: a passport asked for by an item's EPC URN lists the URN and its index key
 * (the Digital Link URI an EPCIS record names), so it passes the verifier's items check.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collectPassport } from '../../src/passport/collect.js';
import { passportText } from '../../src/proof/passport.js';
import { verifyPassportText } from '../../src/proof/passportVerify.js';
import { TestChain, signer } from '../../support/proofChain.js';
import { toHex } from '../../src/codec/bytes.js';
import type { Source } from '../../src/node/source.js';

test('a passport asked for by EPC URN holds both forms and verifies', async () => {
  const k = signer();
  const C = new TestChain('plant-e', [k]);
  const dl = 'https://id.gs1.org/01/04012345111118/21/5';
  const urn = 'urn:epc:id:sgtin:4012345.011111.5';
  C.block([C.record(k, '{}', { 'epcis.hash': `ni:///sha-256;${'2'.repeat(64)}?ver=CBV2.0`, 'id.0000': dl }, 'epcis')]);
  const proof = C.proof(1, 0);
  const source = { trace: async () => ({ records: [{ txId: proof.txId, block: { height: 1 } }] }), proof: async () => proof } as unknown as Source;
  const c = await collectPassport(source, urn);
  assert.equal(c.passport.items, [dl, urn]);
  const trust = { chains: [toHex(C.chainId)], authorities: [toHex(k.publicKey)], origins: [toHex(k.publicKey)] };
  const r = verifyPassportText(passportText(c.passport), trust);
  assert.is(r.valid, true, r.reason);
  assert.equal((await collectPassport(source, 'SN-1')).passport.items, ['SN-1'], 'a plain code is listed once');
});

test.run();
