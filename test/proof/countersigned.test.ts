/**
 * Countersignatures: the partner rule (only a chain other than the record's own, named as a
 * partner in the trust list, and the answer names the partner), the self-countersigning
 * company, and every field of the link checked.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyProof, type VerifyResult } from '../../src/proof/proof.js';
import { toHex } from '../../src/codec/bytes.js';
import { TestChain, entangle, signer, twoCompanies } from './make.js';

const C = suite('countersigned');
const clone = (x: any) => JSON.parse(JSON.stringify(x));
const fails = (r: VerifyResult, reason: RegExp, check = 'countersignature') => {
  assert.is(r.valid, false, 'expected a failure');
  if (!r.valid) {
    assert.is(r.failed, check, r.reason);
    assert.match(r.reason, reason);
  }
};

C('a partner named in the trust list countersigns; the answer names the partner', () => {
  const { proof, trust, B } = twoCompanies();
  const r = verifyProof(proof, trust);
  assert.is(r.valid, true, JSON.stringify(r));
  if (r.valid) {
    assert.is(r.trusted, true);
    assert.is(r.countersignedBy!.length, 1);
    assert.is(r.countersignedBy![0].partner, 'plant-b');
    assert.is(r.countersignedBy![0].chainId, toHex(B.chainId));
    assert.is(r.countersignedBy![0].linkHeight, 2);
  }
  const s = verifyProof(proof, null);
  assert.is(s.valid && s.countersignedBy![0].partner, null, 'structural: no partner is named');
});

C('a chain not named as a partner does not count (also when its chain is trusted for records)', () => {
  const { proof, trust, scope, A, B, ka, kb } = twoCompanies();
  const { partners: _, ...noPartners } = trust;
  fails(verifyProof(proof, noPartners), /is not named as a partner in the trust list/);
  const bothChains = { chains: [toHex(A.chainId), toHex(B.chainId)], authorities: [toHex(ka.publicKey), toHex(kb.publicKey)], origins: [toHex(ka.publicKey), toHex(kb.publicKey)] };
  fails(verifyProof(proof, bothChains), /is not named as a partner/);
  // and the partner's proof is checked against the partner's own entry
  const wrongKeys = { ...scope(A, ka), partners: [{ name: 'plant-b', ...scope(B, kb), origins: [toHex(ka.publicKey)] }] };
  fails(verifyProof(proof, wrongKeys), /partner: trust check failed: origin/);
});

C('a company cannot countersign itself: it rebuilds its chain and writes its own checkpoint', () => {
  // plant-a rebuilds its chain with a changed record, re-signs every block and takes in its own
  // checkpoint of the rewritten block 2, calling itself its partner.
  const ka = signer();
  const kb = signer();
  const A = new TestChain('plant-a', [ka]);
  const B = new TestChain('plant-b', [kb]);
  A.block([A.record(ka, 'torque 12 Nm (changed)')]);
  A.block([A.record(ka, 'later')]);
  const self = entangle(A, 2, ka, A, ka, 'plant-a');
  const forged = { ...A.proof(1, 0), countersignatures: [{ link: A.link(1, 2), partner: self }] };
  const a = { chains: [toHex(A.chainId)], authorities: [toHex(ka.publicKey)], origins: [toHex(ka.publicKey)] };
  const b = { chains: [toHex(B.chainId)], authorities: [toHex(kb.publicKey)], origins: [toHex(kb.publicKey)] };
  // trust lists naming only that company; naming it also as a partner; naming both companies
  for (const t of [a, { ...a, partners: [{ name: 'plant-a', ...a }] }, { chains: [...a.chains, ...b.chains], authorities: [...a.authorities, ...b.authorities], origins: [...a.origins, ...b.origins], partners: [{ name: 'plant-b', ...b }] }]) {
    fails(verifyProof(forged, t), /proof of the record's own chain: a chain cannot countersign itself/);
  }
  fails(verifyProof(forged, null), /cannot countersign itself/);
});

C('the link history path is checked when the link block is the record block', () => {
  const ka = signer();
  const kb = signer();
  const A = new TestChain('plant-a', [ka]);
  const B = new TestChain('plant-b', [kb]);
  A.block([A.record(ka, 'x')]);
  const partner = entangle(A, 1, ka, B, kb);
  const proof = { ...A.proof(1, 0), countersignatures: [{ link: A.link(1, 1), partner }] };
  const trust = { chains: [toHex(A.chainId)], authorities: [toHex(ka.publicKey)], partners: [{ name: 'plant-b', chains: [toHex(B.chainId)] }] };
  assert.is(verifyProof(proof, trust).valid, true);
  for (const bad of [1e308, {}, 'x', null, [toHex(A.hashes[0])]]) {
    const p = clone(proof);
    p.countersignatures[0].link.history.path = bad;
    const r = verifyProof(p, trust);
    assert.is(r.valid, false, `path ${JSON.stringify(bad)} accepted`);
    if (!r.valid) assert.match(r.reason, /countersignatures\[0\]\.link\.history\.path/);
  }
});

C('every field of a countersignature is read: unknown members, checkpoint time and entangle meta', () => {
  const { proof, trust } = twoCompanies();
  const p = clone(proof);
  p.countersignatures[0].link.extra = 1;
  fails(verifyProof(p, trust), /countersignatures\[0\]\.link\.extra: unknown field/, 'format');
  const q = clone(proof);
  q.countersignatures[0].partner.countersignatures = [];
  fails(verifyProof(q, trust), /partner\.countersignatures: unknown field/, 'format');
  const r = clone(proof);
  r.countersignatures.push(clone(r.countersignatures[0]));
  fails(verifyProof(r, trust), /a second countersignature from chain/);
});

C('a checkpoint signed by a key the trust list does not accept for the chain does not count', () => {
  const ka = signer();
  const kb = signer();
  const stranger = signer();
  const A = new TestChain('plant-a', [ka]);
  const B = new TestChain('plant-b', [kb]);
  A.block([A.record(ka, 'x')]);
  const partner = entangle(A, 1, stranger, B, kb);
  const proof = { ...A.proof(1, 0), countersignatures: [{ link: A.link(1, 1), partner }] };
  const trust = { chains: [toHex(A.chainId)], partners: [{ name: 'plant-b', chains: [toHex(B.chainId)] }] };
  fails(verifyProof(proof, trust), /checkpoint signer .* is neither an authority of this chain nor in the trust list/);
});

C.run();
