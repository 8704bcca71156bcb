/**
 * c2sp.org/tlog-proof@v1 (transparency/tlogProof) on an in-memory chain (support/proofChain):
 * the text form and its strict reading, and verification with and without a trust list:
 * checkpoint keys, trusted witnesses (list or partner, never the record's own chain), the
 * inclusion of the block, and trust lists with checkpointKeys/witnesses.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TestChain, signer } from '../../support/proofChain.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { toHex, toBase64 } from '../../src/codec/bytes.js';
import { leafHash, inclusionProof, rootOf } from '../../src/merkle/tree.js';
import { signTreeHead } from '../../src/transparency/checkpoint.js';
import { checkpointOrigin, chainNoteKeys } from '../../src/transparency/origin.js';
import { cosignNote, cosignerKey, formatCosignerKey } from '../../src/transparency/cosignature.js';
import { formatTlogProof, parseTlogProof, verifyTlogProof, makeTlogProof } from '../../src/transparency/tlogProof.js';
import { parseTrustList, checkTrustList } from '../../src/proof/trust.js';
import { errorCodeOf as code } from '../helpers.js';

const key = generateKeyPair();
const A = new TestChain('plant-a', [signer(key)]);
for (let i = 0; i < 5; i++) A.block([A.record(signer(key), `reading ${i}`)]);
const size = A.hashes.length; // genesis + 5
const leaves = A.hashes.map(leafHash);
const origin = checkpointOrigin(A.params);
const partnerKey = generateKeyPair();
const B = new TestChain('plant-b', [signer(partnerKey)]);
const originB = checkpointOrigin(B.params);
const stranger = generateKeyPair();
let note = signTreeHead({ origin, size, root: rootOf(leaves) }, key);
note = cosignNote(note, originB, partnerKey, 1_700_000_000);
note = cosignNote(note, 'witness.example/w', stranger, 1_700_000_001);
const h = 2;
const text = makeTlogProof(A.proof(h), h, inclusionProof(leaves, h), note);
const scope = (c: TestChain, k: Uint8Array) => ({ chains: [toHex(c.chainId)], authorities: [toHex(k)], ...chainNoteKeys(c.params) });
const trust = checkTrustList({ ...scope(A, key.publicKey), partners: [{ name: 'plant-b', ...scope(B, partnerKey.publicKey) }] });

test('format and strict parse: a round trip, and every malformed form refused', () => {
  const p = parseTlogProof(text);
  assert.is(p.index, h);
  assert.is(formatTlogProof(p), text);
  assert.ok(text.startsWith('c2sp.org/tlog-proof@v1\nextra '));
  const bad = [
    text.replace('c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v2'),
    text.replace(`index ${h}\n`, `index 0${h}\n`),
    text.replace(`index ${h}\n`, `index ${h}\nnot base64\n`),
    text.replace(`index ${h}\n`, `index ${h}\n${toBase64(new Uint8Array(31))}\n`),
    text.replace(/\nextra ([A-Za-z0-9+/]+)/, '\nextra $1!'),
    text.replace(`index ${h}\n`, `index ${h}\n${`${toBase64(new Uint8Array(32))}\n`.repeat(64)}`),
    text.replace('\n\n', '\n'),
  ];
  for (const b of bad) assert.is(code(() => parseTlogProof(b)), 'BAD_ENCODING', b.slice(0, 60));
});

test('with a trust list: trusted, the checkpoint signer and the partner cosigner named; the stranger only counted', () => {
  const r = verifyTlogProof(text, trust);
  assert.ok(r.valid, JSON.stringify(r));
  if (!r.valid) return;
  assert.is(r.trusted, true);
  assert.equal(r.checkpoint, { origin, size, signer: origin });
  assert.equal(r.cosignedBy, [{ witness: originB, partner: 'plant-b', time: '2023-11-14T22:13:20.000Z' }]);
  assert.is(r.cosignatures, 2);
  assert.ok(r.checks.includes('checkpoint') && r.checks.includes('cosignature') && r.checks.includes('inclusion'));
  // A third-party witness listed at the top counts, without a partner name.
  const w = verifyTlogProof(text, { ...trust, witnesses: [formatCosignerKey(cosignerKey('witness.example/w', stranger.publicKey))] });
  assert.ok(w.valid);
  if (w.valid) assert.equal(w.cosignedBy.map((c) => [c.witness, c.partner]), [[originB, 'plant-b'], ['witness.example/w', null]]);
});

test('trust rules: no checkpoint key, a wrong one, the own chain as cosigner, a bad vkey in the list', () => {
  const { checkpointKeys, ...noKeys } = trust;
  void checkpointKeys;
  const r1 = verifyTlogProof(text, noKeys);
  assert.equal([r1.valid, !r1.valid && r1.failed], [false, 'checkpoint']);
  const r2 = verifyTlogProof(text, { ...trust, checkpointKeys: trust.partners![0].checkpointKeys });
  assert.equal([r2.valid, !r2.valid && r2.failed], [false, 'checkpoint']);
  // A partner entry naming the record's own chain never counts as cosigner.
  const selfish = { ...trust, partners: [{ name: 'self', ...scope(A, key.publicKey), witnesses: [chainNoteKeys(B.params, partnerKey.publicKey).witnesses[0]] }] };
  const r3 = verifyTlogProof(text, selfish);
  assert.ok(r3.valid && r3.cosignedBy.length === 0, JSON.stringify(r3));
  // The list's top-level witnesses are the exporting chain's own cosigner keys (trust export):
  // the chain cosigning its own checkpoint is not a witness.
  const self = makeTlogProof(A.proof(h), h, inclusionProof(leaves, h), cosignNote(note, origin, key, 1_700_000_002));
  const r4 = verifyTlogProof(self, trust);
  assert.ok(r4.valid, JSON.stringify(r4));
  if (r4.valid) assert.equal(r4.cosignedBy.map((c) => c.witness), [originB]);
  assert.is(code(() => verifyTlogProof(text, { ...trust, witnesses: ['name+00000000+AAAA'] })), 'BAD_INPUT');
  // The strict trust-list reader takes the members, and refuses what is not a vkey.
  assert.ok(parseTrustList(JSON.stringify(trust)).partners![0].witnesses!.length === 1);
  assert.is(code(() => parseTrustList(JSON.stringify({ ...trust, checkpointKeys: ['no key'] }))), 'BAD_INPUT');
  assert.is(code(() => parseTrustList(JSON.stringify({ ...trust, witnesses: [] }))), 'BAD_INPUT');
});

test('without a trust list: the chain key must have signed; never trusted, nobody named', () => {
  const r = verifyTlogProof(text, null);
  assert.ok(r.valid && r.trusted === false && r.cosignedBy.length === 0 && r.cosignatures === 2, JSON.stringify(r));
  const foreign = makeTlogProof(A.proof(h), h, inclusionProof(leaves, h), signTreeHead({ origin, size, root: rootOf(leaves) }, stranger));
  const f = verifyTlogProof(foreign, null);
  assert.equal([f.valid, !f.valid && f.failed], [false, 'checkpoint']);
});

test('tampering: index, path, another block, a cosignature, the extra', () => {
  const fails = (t: string, check: string) => {
    const r = verifyTlogProof(t, trust);
    assert.is(r.valid, false, t.slice(0, 80));
    if (!r.valid) assert.is(r.failed, check, r.reason);
  };
  fails(makeTlogProof(A.proof(h), h + 1, inclusionProof(leaves, h + 1), note), 'inclusion');
  fails(makeTlogProof(A.proof(h), h, inclusionProof(leaves, h - 1), note), 'inclusion');
  fails(makeTlogProof(A.proof(h), h, inclusionProof(leaves, h).slice(1), note), 'inclusion');
  const line = note.split('\n').find((l) => l.startsWith(`\u2014 ${originB} `))!;
  const flipped = line.slice(0, -6) + (line.at(-6) === 'A' ? 'B' : 'A') + line.slice(-5);
  fails(text.replace(line, flipped), 'cosignature');
  fails(formatTlogProof({ ...parseTlogProof(text), extra: undefined }), 'format');
  const proof = A.proof(h);
  proof.block.header.height += 1;
  fails(makeTlogProof(proof, h, inclusionProof(leaves, h), note), 'seal');
});

test.run();
