import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/chain/genesis.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { Intake } from '../../src/node/intake.js';
import { Query } from '../../src/node/query.js';
import { decodeCore } from '../../src/chain/transaction.js';
import { verifyEvidence } from '../../src/chain/batch.js';
import { tmpDir, cleanup, hex } from '../helpers.js';

test.after(() => cleanup());
const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'i', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };

async function setup() {
  const store = await LmdbStore.open(tmpDir());
  await store.initChain(params, genesisWrite(params));
  return store;
}

test('records arriving together share one signature batch; each evidence verifies', async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), keepPayloads: true });
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
  await store.close();
});

test('identical payloads get distinct ids; an idempotency key returns the first receipt', async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), keepPayloads: true });
  const [a, b] = await Promise.all([intake.submit({ payload: Buffer.from('same') }), intake.submit({ payload: Buffer.from('same') })]);
  assert.is.not(a.txId, b.txId);
  const [k1, k2] = await Promise.all([intake.submit({ payload: Buffer.from('x'), idemKey: 'K' }), intake.submit({ payload: Buffer.from('x'), idemKey: 'K' })]);
  assert.is(k1.txId, k2.txId);
  assert.is(k2.duplicate, true);
  const k3 = await intake.submit({ payload: Buffer.from('x'), idemKey: 'K' });
  assert.is(k3.txId, k1.txId);
  assert.is(store.pending().length, 3);
  await store.close();
});

test('bad records are refused before anything is stored', async () => {
  const store = await setup();
  const intake = new Intake({ store, key, chainId: chainIdOf(params), keepPayloads: true, maxPayload: 10 });
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
  await store.close();
});

test('when the store cannot commit (disk full), no receipt is given and the intake keeps working', async () => {
  const store = await setup();
  let fail = true;
  const real = store.commitIngest.bind(store);
  store.commitIngest = async (w) => {
    if (fail) throw new Error('MDB_MAP_FULL: Environment mapsize limit reached');
    return real(w);
  };
  const intake = new Intake({ store, key, chainId: chainIdOf(params), keepPayloads: true });
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
  await store.close();
});

test.run();
