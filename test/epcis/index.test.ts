/**
 * The multi-valued identifier index: rows derived from a core's metadata (id.NNNN entries, the
 * EPCIS hash id, product), written by intake, checked by audit, which fails when a row the core
 * calls for is missing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { encodeCore, txIdOf, normalizeMeta } from '../../src/chain/transaction.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { audit } from '../../src/node/audit.js';
import { Intake } from '../../src/node/intake.js';
import { ROLES } from '../../src/contracts/roles.js';
import { identifierMeta, identifiersOf, indexOf, MAX_IDENTIFIERS } from '../../src/epcis/meta.js';
import { epcisRecords, type EpcisRecord } from '../../src/epcis/record.js';
import { errorCodeOf, tmpDir, cleanup, toHex } from '../helpers.js';

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'ids', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };

test('identifier metadata: numbered entries in byte order, deduplicated, bounded', () => {
  const m = identifierMeta(['b', 'a', 'b', ...Array.from({ length: 11 }, (_, i) => `k${i}`)]);
  assert.equal(Object.keys(m).slice(0, 3), ['id.0000', 'id.0001', 'id.0002']);
  const meta = normalizeMeta({ ...m, product: 'a', 'epcis.hash': 'ni:///sha-256;00?ver=CBV2.0', 'id.x': 'not one' });
  assert.equal(identifiersOf(meta), ['b', 'a', ...Array.from({ length: 11 }, (_, i) => `k${i}`)]);
  // the product is its own row; the hash id is indexed too
  assert.equal(indexOf(meta).product, 'a');
  assert.equal(indexOf(meta).identifiers!.slice(0, 2), ['ni:///sha-256;00?ver=CBV2.0', 'b']);
  assert.equal(indexOf(normalizeMeta({ product: 'SN-1' })), { product: 'SN-1', identifiers: undefined });
  assert.is(errorCodeOf(() => identifierMeta(Array.from({ length: MAX_IDENTIFIERS + 1 }, (_, i) => String(i)))), 'BAD_INPUT');
  // a core may hold that many entries: the metadata limit leaves room
  assert.is(normalizeMeta(identifierMeta(Array.from({ length: MAX_IDENTIFIERS }, (_, i) => String(i)))).length, MAX_IDENTIFIERS);
});

test('intake writes one row per identifier; audit finds a missing row', async () => {
  const dir = tmpDir();
  const store = await LmdbStore.open(dir);
  try {
    await store.initChain(params, genesisWrite(params));
    const chainId = chainIdOf(params);
    const intake = new Intake({ store, key, chainId, role: ROLES.full });
    const meta = { product: 'SN-9', ...identifierMeta(['https://id.gs1.org/01/04012345111118/21/1', 'https://id.gs1.org/414/4012345000115']) };
    const r = await intake.submit({ payload: new TextEncoder().encode('{}'), kind: 'record', meta });
    for (const k of ['SN-9', 'https://id.gs1.org/01/04012345111118/21/1', 'https://id.gs1.org/414/4012345000115']) {
      assert.equal(store.productTxs(k).map(toHex), [r.txId], k);
      assert.ok(store.productHas(k, store.productTxs(k)[0]));
    }
    assert.is(audit(store).ok, true);

    // A transaction whose core names an identifier the index lacks (written without its row).
    const payload = new TextEncoder().encode('x');
    const coreBytes = encodeCore({ version: 1, chainId, origin: key.publicKey, timestamp: 1, seq: 99, kind: 'record', meta: normalizeMeta(identifierMeta(['K-1', 'K-2'])), payloadDigest: sha256(payload), payloadLength: 1 });
    const txId = txIdOf(coreBytes);
    const b = signBatch([txId], key);
    await store.commitIngest({ batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: [txId] }, txs: [{ txId, coreBytes, index: 0, payload, identifiers: ['K-1'] }] });
    const a = audit(store);
    assert.is(a.ok, false);
    assert.is(a.problem!.check, 'index');
    assert.match(a.problem!.message, /"K-2"/);
    await intake.close();
  } finally {
    await store.close();
    cleanup();
  }
});

test('an event over the limits (too many identifiers, an identifier over 1024 bytes) is refused with its path, the rest still go in', () => {
  const ev = (epcList: string[]) => ({ type: 'ObjectEvent', eventTime: '2024-05-01T10:00:00Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE', epcList });
  const many = Array.from({ length: MAX_IDENTIFIERS + 1 }, (_, i) => `urn:epc:id:sgtin:4012345.011111.${i}`);
  const doc = { '@context': 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2024-05-01T10:00:00Z', epcisBody: { eventList: [ev(many), ev([`urn:x:${'a'.repeat(1100)}`]), ev(['urn:epc:id:sgtin:4012345.011111.1'])] } };
  const { results } = epcisRecords(JSON.stringify(doc));
  const [a, b, c] = results as any[];
  assert.is(a.path, '$.epcisBody.eventList[0]');
  assert.match(a.error?.message ?? '', /at most 1000 identifiers, this one names 1001/);
  assert.is(b.path, '$.epcisBody.eventList[1]');
  assert.match(b.error?.message ?? '', /at most 1024/, 'an identifier the chain cannot hold: refused here, not failed at the node');
  assert.ok(c.hashId && !c.error);
});

test('a node takes an epcis record only when its metadata is what its event says', async () => {
  const dir = tmpDir();
  const store = await LmdbStore.open(dir);
  try {
    await store.initChain(params, genesisWrite(params));
    const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
    const text = JSON.stringify({ type: 'ObjectEvent', eventTime: '2024-05-01T10:00:00+02:00', eventTimeZoneOffset: '+02:00', action: 'OBSERVE', epcList: ['urn:epc:id:sgtin:4012345.011111.5'], bizStep: 'shipping' });
    const [rec] = epcisRecords(text).results as EpcisRecord[];
    const submit = (meta: Record<string, string>, payload = rec.payload) => intake.submit({ payload, kind: 'epcis', meta });
    const refused = async (p: Promise<unknown>, why: RegExp) => {
      const e = await p.then(() => undefined, (x) => x);
      assert.ok(e, 'accepted');
      assert.is(e.code, 'BAD_INPUT');
      assert.match(e.message, why);
    };
    await refused(submit({ ...rec.meta, 'id.0001': 'https://id.gs1.org/01/09999999999999/21/1' }), /id\.0001: the event names nothing/);
    await refused(submit({ ...rec.meta, 'id.0000': 'https://id.gs1.org/01/09999999999999/21/1' }), /meta id\.0000 is/);
    await refused(submit({ ...rec.meta, 'epcis.time': '2024-05-01T10:00:00.000Z' }), /epcis\.time/);
    await refused(submit({ ...rec.meta, 'epcis.hash': 'x' }), /CBV 2\.0 event hash id/);
    // another event's hash id: taken, it would make that event a duplicate that is never stored
    const other = (epcisRecords(text.replace('.5"]', '.6"]')).results as EpcisRecord[])[0];
    assert.is.not(other.hashId, rec.hashId);
    await refused(submit({ ...rec.meta, 'epcis.hash': other.hashId }), /epcis\.hash is .*the event's hash id is/);
    await refused(submit(rec.meta, new TextEncoder().encode('{"type":"ObjectEvent"}')), /eventTime: required/);
    await refused(submit(rec.meta, new TextEncoder().encode(`{"type":"EPCISDocument","epcisBody":{"eventList":[${text}]}}`)), /one event, not a document/);
    // the event's metadata on a record of another kind: not checked against any event, so refused
    await refused(intake.submit({ payload: rec.payload, kind: 'record', meta: { product: 'P', [`epcis.hash`]: rec.hashId } }), /only records of kind epcis/);
    const ok = await submit(rec.meta);
    assert.equal(store.productTxs('https://id.gs1.org/01/04012345111118/21/5').map(toHex), [ok.txId]);
    // encrypted before it left (tier 2): the node cannot read it, and takes the sender's metadata
    await submit({ ...rec.meta, 'epcis.hash': `ni:///sha-256;${'0'.repeat(64)}?ver=CBV2.0`, enc: 'tier2' }, new Uint8Array([1, 2, 3]));
    await intake.close();
  } finally {
    await store.close();
    cleanup();
  }
});

test.run();
