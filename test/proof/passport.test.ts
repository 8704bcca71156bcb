/**
 * The passport: one file per item with every record's proof, headers shared, mergeable across
 * companies; verifies as a whole and per record, and fails when any byte of a record, proof,
 * header or trust entry changes (every byte of a two-company passport is changed in turn).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { twoCompanyPassports, flip } from './passportMake.js';
import { mergePassports, verifyPassportText, readPassport } from '../../src/proof/passportVerify.js';
import { passportText, buildPassport } from '../../src/proof/passport.js';
import { canonicalJson } from '../../src/proof/canonical.js';
import { errorCodeOf } from '../helpers.js';
import { TestChain, signer } from '../../support/proofChain.js';
import { toHex } from '../../src/codec/bytes.js';

const fx = twoCompanyPassports();
const merged = passportText(mergePassports([fx.a, fx.b]));

test('a company passport verifies against the trust list; records in chain order, headers stored once', () => {
  const r = verifyPassportText(fx.a, fx.trust);
  assert.is(r.valid, true, JSON.stringify(r.reason));
  assert.is(r.trusted, true);
  assert.equal(r.records.map((x) => [x.block.height, x.kind, x.bizStep]), [
    [1, 'record', 'commissioning'],
    [1, 'record', null],
    [2, 'measure', 'shipping'],
  ]);
  assert.is(r.records[0].countersignedBy![0].partner, 'plant-b');
  const doc = JSON.parse(fx.a);
  assert.is(doc.chains.length, 1);
  assert.is(doc.chains[0].blocks.length, 2, 'block 1 (two records) and block 2 (record and link), once each');
  assert.is(doc.chains[0].blocks[0].countersignatures[0].link.block, 1);
  assert.equal(doc.chains[0].trust.origins, [fx.trust.origins[0]]);
});

test('merged across two companies: one history, both chains, every record verified against its own company', () => {
  const r = verifyPassportText(merged, fx.trust);
  assert.is(r.valid, true, r.reason);
  assert.is(r.records.length, 5);
  assert.equal(r.chains.map((c) => c.party).sort(), ['plant-a', 'plant-b']);
  const times = r.records.map((x) => x.block.time);
  assert.equal(times, [...times].sort(), 'ordered by block time');
  assert.equal(r.summary, { records: 5, valid: 5, invalid: 0 });
  // Merging is order-free and idempotent.
  assert.is(passportText(mergePassports([fx.b, fx.a])), merged);
  assert.is(passportText(mergePassports([merged, fx.a])), merged);
});

test('trust is strict: a chain the list does not name fails the trust check; --no-trust is never trusted', () => {
  const { partners: _, ...onlyA } = fx.trust;
  const r = verifyPassportText(merged, onlyA);
  assert.is(r.valid, false);
  assert.is(r.failed, 'countersignature', r.reason); // A's countersignature from an unnamed partner
  const bOnly = r.records.filter((x) => x.chain === 'plant-b');
  assert.ok(bOnly.every((x) => !x.valid && x.failed === 'trust'), JSON.stringify(bOnly));
  const s = verifyPassportText(merged, null);
  assert.is(s.valid, true);
  assert.is(s.trusted, false);
});

test('stripped passports verify: digests stand in for the payloads', () => {
  const st = twoCompanyPassports({ stripped: true });
  const r = verifyPassportText(st.a, st.trust);
  assert.is(r.valid, true, r.reason);
  assert.ok(r.records.every((x) => !x.payloadIncluded));
  assert.ok(!st.a.includes('"payload"') || JSON.parse(st.a).records.every((x: any) => x.payload === undefined));
});

test('the bytes are canonical: white space, member order or a re-ordered record is refused by name', () => {
  const pretty = JSON.stringify(JSON.parse(fx.a), null, 1) + '\n';
  const r = verifyPassportText(pretty, fx.trust);
  assert.is(r.failed, 'canonical');
  const doc = JSON.parse(merged);
  doc.records.reverse();
  const rev = verifyPassportText(canonicalJson(doc) + '\n', fx.trust);
  assert.is(rev.failed, 'canonical');
  assert.match(rev.reason!, /^records\[0\]/);
  const extra = JSON.parse(fx.a);
  extra.chains[0].trust.origins.push(fx.kb.publicKey.reduce((s: string, b: number) => s + b.toString(16).padStart(2, '0'), ''));
  assert.match(verifyPassportText(canonicalJson(extra) + '\n', fx.trust).reason!, /chains\[0\]\.trust\.origins/);
});

test('strict reading: unknown members, bad references and an empty passport are format failures', () => {
  const bad = (mut: (d: any) => void, re: RegExp) => {
    const d = JSON.parse(fx.a);
    mut(d);
    const r = verifyPassportText(canonicalJson(d) + '\n', fx.trust);
    assert.is(r.failed, 'format', r.reason);
    assert.match(r.reason!, re);
  };
  bad((d) => (d.extra = 1), /extra: unknown field/);
  bad((d) => (d.records[0].block = 9), /records\[0\]\.block: at most 1/);
  bad((d) => (d.records = []), /records: expected at least 1/);
  bad((d) => (d.format = 'urchain-proof/1'), /format/);
  bad((d) => (d.records[0].core.kind = 'Bad Kind'), /records\[0\].*core\.kind/);
  assert.is(verifyPassportText('{"format":1', fx.trust).failed, 'format');
});

test('the item list is bound to the records: a record that names none of the items fails the items check', () => {
  // A passport relabelled for another item: every proof still holds, but it is not that item's history.
  const relabelled = fx.a.replace('"items":["SN-1"]', '"items":["SN-9"]');
  assert.is.not(relabelled, fx.a);
  const r = verifyPassportText(relabelled, fx.trust);
  assert.is(r.valid, false, 'a passport of SN-1 presented as SN-9 went unnoticed');
  assert.is(r.failed, 'items');
  assert.match(r.reason!, /names none of the passport's items \(SN-9\)/);
  assert.equal(r.checks, ['format', 'canonical']);
  assert.is(errorCodeOf(() => readPassport(relabelled)), 'BAD_INPUT');
  assert.is(errorCodeOf(() => mergePassports([relabelled, fx.b])), 'BAD_INPUT', 'merge reads its inputs strictly');
  // the merged passport holds SN-1's records only: a stray record of SN-2 in it fails too
  const stray = passportText(buildPassport(['SN-1'], [...fx.aProofs, fx.A.proof(1, 1)]));
  assert.is(verifyPassportText(stray, fx.trust).failed, 'items');
  assert.equal(verifyPassportText(fx.a, fx.trust).checks, ['format', 'canonical', 'items']);
});

test('items match the identifiers a record names, and an EPCIS record shows its epcis.bizStep', () => {
  const k = signer();
  const C = new TestChain('plant-c', [k]);
  const dl = 'https://id.gs1.org/01/04012345111118/21/5';
  C.block([C.record(k, '{}', { 'epcis.hash': `ni:///sha-256;${'1'.repeat(64)}?ver=CBV2.0`, 'epcis.bizStep': 'https://ref.gs1.org/cbv/BizStep-shipping', 'id.0000': dl }, 'epcis')]);
  const trust = { chains: [toHex(C.chainId)], authorities: [toHex(k.publicKey)], origins: [toHex(k.publicKey)] };
  // as passport/collect writes it: the code asked for and its index key
  for (const item of [[dl], ['urn:epc:id:sgtin:4012345.011111.5', dl], ['https://example.com/gtin/4012345111118/ser/5', dl]]) {
    const r = verifyPassportText(passportText(buildPassport(item, [C.proof(1, 0)])), trust);
    assert.is(r.valid, true, `${item}: ${r.reason}`);
    assert.is(r.records[0].bizStep, 'https://ref.gs1.org/cbv/BizStep-shipping');
  }
  assert.is(verifyPassportText(passportText(buildPassport(['urn:epc:id:sgtin:4012345.011111.5'], [C.proof(1, 0)])), trust).failed, 'items', 'compared exactly: the URN alone is not the key the record names');
  assert.is(verifyPassportText(passportText(buildPassport(['https://id.gs1.org/01/04012345111118/21/6'], [C.proof(1, 0)])), trust).failed, 'items');
});

test('merge refuses passports that disagree (two blocks at one height: a fork) and reads its inputs strictly', () => {
  const forked = { ...fx.aProofs[0], block: { ...fx.aProofs[0].block, hash: fx.aProofs[2].block.hash } };
  assert.is(errorCodeOf(() => buildPassport(['SN-1'], [fx.aProofs[0], forked])), 'CONFLICT');
  assert.is(errorCodeOf(() => readPassport(fx.a + ' ')), 'BAD_INPUT');
  assert.is(errorCodeOf(() => mergePassports([fx.a, JSON.stringify(fx.aProofs[0])])), 'BAD_INPUT', 'a proof is not a passport');
});

test('any byte changed anywhere, the item list too, makes the passport fail, with a named check', () => {
  // Every 7th character (7 is prime to the 64-digit hex and the field lengths, so every kind of
  // field is hit); every character takes about two minutes on a loaded machine.
  const failed = new Map<string, number>();
  let n = 0;
  for (let i = 3; i < merged.length; i += 7) {
    const t = merged.slice(0, i) + flip(merged[i]) + merged.slice(i + 1);
    const r = verifyPassportText(t, fx.trust);
    assert.is(r.valid, false, `changing character ${i} (${JSON.stringify(merged.slice(i - 20, i + 20))}) went unnoticed`);
    failed.set(r.failed!, (failed.get(r.failed!) ?? 0) + 1);
    n++;
  }
  assert.ok(n > 1000, `${n} changes`);
  for (const c of ['format', 'canonical', 'payload', 'txId', 'signature', 'inclusion', 'seal', 'countersignature']) assert.ok(failed.has(c), `no change failed ${c}: ${JSON.stringify([...failed])}`);
});

test.run();
