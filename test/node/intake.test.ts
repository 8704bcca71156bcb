import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { Intake } from '../../src/node/intake.js';
import { Query } from '../../src/node/query.js';
import { decodeCore } from '../../src/chain/transaction.js';
import { verifyEvidence } from '../../src/chain/batch.js';
import { tmpDir, cleanupAfter, hex, toHex } from '../helpers.js';
import type { Store, IngestWrite } from '../../src/store/types.js';
import { signCheckpoint } from '../../src/chain/checkpoint.js';
import { entangleKey, countersignKey } from '../../src/store/buckets.js';
import type { Receipt, RecordInput } from '../../src/contracts/records.js';
import type { UrchainError } from '../../src/errors.js';
import { ROLES } from '../../src/contracts/roles.js';

const closing = cleanupAfter(test);
const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'i', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };

async function setup() {
  const store = closing(await LmdbStore.open(tmpDir()));
  await store.initChain(params, genesisWrite(params));
  return store;
}

test('records arriving together share one signature batch; each evidence verifies', async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  const rs = await Promise.all(Array.from({ length: 500 }, (_, i) => intake.submit({ payload: Buffer.from(`r${i}`), meta: { product: `P${i % 3}` } })));
  assert.ok(intake.committedBatches <= 3, `${intake.committedBatches} batches for 500 records`);
  assert.is(new Set(rs.map((r) => r.txId)).size, 500);
  const q = new Query(store);
  for (const r of [rs[0], rs[250], rs[499]]) {
    const tx = store.getTx(hex(r.txId))!;
    const b = store.getBatch(tx.batchRoot)!;
    const { MerkleLevels, leafHash } = await import('../../src/merkle/tree.js');
    const ev = { batchSize: b.txIds.length, index: tx.index, path: new MerkleLevels(b.txIds.map(leafHash)).proof(tx.index), signature: b.signature };
    assert.ok(verifyEvidence(hex(r.txId), key.publicKey, ev));
    assert.is(decodeCore(tx.coreBytes).meta.find(([k]) => k === 'product')![1], `P${rs.indexOf(r) % 3}`);
  }
  assert.is(q.trace('P1').count, 167);
});

test('identical payloads get distinct ids; an idempotency key returns the first receipt', async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  const [a, b] = await Promise.all([intake.submit({ payload: Buffer.from('same') }), intake.submit({ payload: Buffer.from('same') })]);
  assert.is.not(a.txId, b.txId);
  const [k1, k2] = await Promise.all([intake.submit({ payload: Buffer.from('x'), idemKey: 'K' }), intake.submit({ payload: Buffer.from('x'), idemKey: 'K' })]);
  assert.is(k1.txId, k2.txId);
  assert.is(k2.duplicate, true);
  const k3 = await intake.submit({ payload: Buffer.from('x'), idemKey: 'K' });
  assert.is(k3.txId, k1.txId);
  assert.is(store.pending().length, 3);
});

test('bad records are refused before anything is stored', async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full, maxPayload: 10 });
  const refused = async (p: Promise<unknown>, re: RegExp) => {
    try {
      await p;
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, re);
    }
  };
  await refused(intake.submit({ payload: new Uint8Array(11) }), /exceeds the limit/);
  await refused(intake.submit({ payload: new Uint8Array(1), kind: 'Bad' }), /kind/);
  await refused(intake.submit({ payload: new Uint8Array(1), meta: { 'no spaces': 'x' } }), /metadata key/);
  await refused(intake.submit({ payload: 'text' as unknown as Uint8Array }), /bytes/);
  assert.is(store.pending().length, 0);
});

test('when the store cannot commit (disk full), no receipt is given and the intake keeps working', async () => {
  const store = await setup();
  let fail = true;
  const real = store.commitIngest.bind(store);
  store.commitIngest = async (w) => {
    if (fail) throw new Error('MDB_MAP_FULL: Environment mapsize limit reached');
    return real(w);
  };
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  try {
    await intake.submit({ payload: Buffer.from('lost?') });
    assert.unreachable('acknowledged without a commit');
  } catch (e) {
    assert.match((e as Error).message, /could not store the records durably: MDB_MAP_FULL/);
  }
  assert.is(store.pending().length, 0);
  fail = false;
  const r = await intake.submit({ payload: Buffer.from('later') });
  assert.ok(store.getTx(hex(r.txId)));
});

const refusal = async (p: Promise<unknown>): Promise<UrchainError> => {
  try {
    await p;
  } catch (e) {
    return e as UrchainError;
  }
  throw new Error('accepted');
};

test("limits count UTF-8 bytes; one bad record in a group commit gets its own error and nothing of it is stored", async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  const recs: RecordInput[] = [
    { payload: Buffer.from('good 1'), meta: { product: 'P-1' } },
    { payload: Buffer.from('bad'), meta: { product: '€'.repeat(1000) } },
    { payload: Buffer.from('good 2'), meta: { product: 'P-2' } },
    { payload: Buffer.from('bad note'), meta: { note: 'ü'.repeat(600) } },
    { payload: Buffer.from('bad key'), idemKey: '€'.repeat(100) },
    { payload: Buffer.from('good 3'), meta: { note: 'ü'.repeat(512) }, idemKey: '€'.repeat(85) },
  ];
  const out = await Promise.allSettled(recs.map((r) => intake.submit(r)));
  assert.equal(out.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
  for (const i of [1, 3, 4]) assert.is(((out[i] as PromiseRejectedResult).reason as UrchainError).code, 'BAD_INPUT');
  assert.match(((out[1] as PromiseRejectedResult).reason as Error).message, /product: 3000 bytes/);
  assert.is(intake.committedBatches, 1, 'the good records share one commit');
  const good = out.filter((o): o is PromiseFulfilledResult<Receipt> => o.status === 'fulfilled').map((o) => o.value.txId);
  // Nothing of the bad ones anywhere: pending, transactions, product index.
  assert.equal(store.pending().map((id) => Buffer.from(id).toString('hex')).sort(), [...good].sort());
  assert.is(store.productTxs('€'.repeat(1000)).length, 0);
  assert.is(new Query(store).trace('P-1').count, 1);
  // A retry of the good one with a key stays one record.
  const again = await intake.submit(recs[5]);
  assert.is(again.duplicate, true);
  assert.is(store.pending().length, 3);
});

test('an idempotency key reused with other content is a CONFLICT, stored or in flight; the same content is a duplicate', async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  const first = { payload: Buffer.from('v1'), kind: 'report', meta: { product: 'P' }, idemKey: 'K' };
  // In flight: the second submit comes before the first is durable.
  const [a, b] = await Promise.allSettled([intake.submit(first), intake.submit({ ...first, payload: Buffer.from('v2') })]);
  assert.is(a.status, 'fulfilled');
  assert.is((b as PromiseRejectedResult).reason.code, 'CONFLICT');
  const r = (a as PromiseFulfilledResult<Receipt>).value;
  for (const other of <Partial<RecordInput>[]>[{ payload: Buffer.from('v2') }, { meta: { product: 'Q' } }, { meta: {} }, { kind: 'record' }]) {
    const e = await refusal(intake.submit({ ...first, ...other }));
    assert.is(e.code, 'CONFLICT', JSON.stringify(other));
    assert.match(e.message, /idempotency key "K" was used for transaction/);
  }
  const dup = await intake.submit({ ...first, meta: { product: 'P' } });
  assert.is(dup.txId, r.txId);
  assert.is(dup.duplicate, true);
  assert.is(store.pending().length, 1);
});

test("client keys cannot reach the node's internal keys; entangle keys are derived from the verified checkpoint", async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  const partner = generateKeyPair();
  const internal = countersignKey(1, 'ab'.repeat(32));
  const c = await intake.submit({ payload: Buffer.from('not a proof'), idemKey: internal });
  assert.is(store.idem(internal), undefined, 'a client wrote under an internal key');
  assert.is([...store.entangleRange('countersign:')].length, 0);
  assert.is((await intake.submit({ payload: Buffer.from('not a proof'), idemKey: internal })).txId, c.txId);
  // Records of the internal kinds must carry what they claim; the node makes their key.
  assert.is((await refusal(intake.submit({ payload: Buffer.from('x'), kind: 'countersign', idemKey: internal }))).code, 'BAD_INPUT');
  assert.is((await refusal(intake.submit({ payload: Buffer.from('x'), kind: 'entangle' }))).code, 'BAD_INPUT');
  const cp = (height: number, fill: number) =>
    signCheckpoint({ chainId: new Uint8Array(32).fill(9), height, blockHash: new Uint8Array(32).fill(fill), timestamp: 1 }, partner);
  const partnerHex = Buffer.from(partner.publicKey).toString('hex');
  const e1 = await intake.submit({ payload: cp(7, 1), kind: 'entangle', meta: { partner: partnerHex, height: '7' }, idemKey: 'client-chosen' });
  assert.is(Buffer.from(store.idem(entangleKey(partnerHex, 7))!).toString('hex'), e1.txId);
  assert.is(store.idem('client:client-chosen'), undefined);
  assert.is((await intake.submit({ payload: cp(7, 1), kind: 'entangle', meta: { partner: partnerHex, height: '7' } })).duplicate, true);
  // Another block at the same height from the same partner: a conflict, not a silent duplicate.
  assert.is((await refusal(intake.submit({ payload: cp(7, 2), kind: 'entangle', meta: { partner: partnerHex, height: '7' } }))).code, 'CONFLICT');
  // Metadata that contradicts the checkpoint is refused.
  assert.is((await refusal(intake.submit({ payload: cp(8, 1), kind: 'entangle', meta: { partner: partnerHex, height: '9' } }))).code, 'BAD_INPUT');
});

test('keys stored before the namespaces still find their records', async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  // Write as an earlier version did: the client's key as it came.
  const r = await intake.submit({ payload: Buffer.from('old'), idemKey: 'tmp' });
  const txId = hex(r.txId);
  const tx = store.getTx(txId)!;
  const ids = [new Uint8Array(32).fill(7)];
  const { signBatch } = await import('../../src/chain/batch.js');
  const b = signBatch(ids, key);
  await store.commitIngest({ batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs: [{ txId: ids[0], coreBytes: tx.coreBytes, index: 0, idemKey: 'legacy' }] });
  // 'legacy' names a record whose core is that of 'old'.
  const again = await intake.submit({ payload: Buffer.from('old'), idemKey: 'legacy' });
  assert.is(again.duplicate, true);
  assert.is(again.txId, Buffer.from(ids[0]).toString('hex'));
  // A client key that looks like a stored one is its own key, not another's.
  const own = await intake.submit({ payload: Buffer.from('mine'), idemKey: 'client:tmp' });
  assert.is(own.duplicate, undefined);
  assert.is.not(own.txId, r.txId);
});

/** A store whose commits end when the test says so: what the intake starts, and when, is visible. */
function heldStore() {
  const writes: { w: IngestWrite; done: () => void }[] = [];
  const store = { lastSeq: () => 0, commitIngest: (w: IngestWrite) => new Promise<void>((done) => writes.push({ w, done })) } as unknown as Store;
  return { store, writes };
}
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

test('records that arrive while a commit syncs: as many as the last commit took start the next at once, fewer wait for a running one to end; each gets its own receipt', async () => {
  const { store, writes } = heldStore();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  const got: Receipt[] = [];
  const send = (...names: string[]) => names.map((n) => intake.submit({ payload: Buffer.from(n), kind: `k.${n}` }).then((r) => (got.push(r), r)));
  const first = send('a');
  await turns(3);
  assert.is(writes.length, 1, 'the first record is committed alone on the next turn');
  // Three arrive while it syncs: at least as many as it took, so theirs is written meanwhile.
  const second = send('b', 'c', 'd');
  await turns(3);
  assert.is(writes.length, 2, 'a second commit starts while the first is being synced');
  assert.is(writes[1].w.txs.length, 3);
  // Two commits run: the next records wait.
  const third = send('e', 'f');
  await turns(3);
  assert.is(writes.length, 2, 'no third commit while two run');
  // The first ends; two wait, fewer than the running commit took: they wait for it, not a sync of their own.
  writes[0].done();
  await first[0];
  await turns(3);
  assert.is(writes.length, 2, 'fewer than the running commit took wait for it');
  writes[1].done();
  await Promise.all(second);
  await turns(3);
  assert.is(writes.length, 3, 'none runs: they go at once');
  assert.is(writes[2].w.txs.length, 2);
  // As many as that one took arrive while it syncs: theirs starts at once.
  const fourth = send('g', 'h');
  await turns(3);
  assert.is(writes.length, 4);
  assert.is(writes[3].w.txs.length, 2);
  writes[2].done();
  writes[3].done();
  await Promise.all([...third, ...fourth]);
  // Each record its own receipt: its own id, kind, digest and seq, the batch root of its own commit.
  assert.is(got.length, 8);
  const byName = new Map(got.map((r) => [r.kind.slice(2), r]));
  assert.equal([...byName.keys()].sort(), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  assert.is(new Set(got.map((r) => r.txId)).size, 8);
  writes.forEach(({ w }, i) => {
    for (let j = 0; j < w.txs.length; j++) {
      const core = decodeCore(w.txs[j].coreBytes);
      const r = got.find((x) => x.txId === toHex(w.txs[j].txId))!;
      assert.is(r.kind, core.kind, `commit ${i} record ${j}`);
      assert.is(r.seq, core.seq);
      assert.is(r.payloadDigest, toHex(core.payloadDigest));
      assert.is(r.batchRoot, toHex(w.batchRoot));
    }
  });
  assert.equal(got.map((r) => r.seq).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8]);
  await intake.close();
});

test('close() answers every record taken in, also those waiting behind running commits', async () => {
  const { store, writes } = heldStore();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  const all = Array.from({ length: 5 }, (_, i) => intake.submit({ payload: Buffer.from(`r${i}`) }));
  await turns(2);
  const late = [intake.submit({ payload: Buffer.from('late') })];
  let closed = false;
  // Two callers of close() both see it end.
  const closing = Promise.all([intake.close(), intake.close()]).then(() => (closed = true));
  assert.is((await refusal(intake.submit({ payload: Buffer.from('after') }))).code, 'UNAVAILABLE');
  for (let i = 0; i < 20 && !closed; i++) {
    await turns(2);
    for (const w of writes.splice(0)) w.done();
  }
  await closing;
  assert.is((await Promise.all([...all, ...late])).length, 6);
});

test.run();
