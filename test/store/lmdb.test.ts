import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { tmpDir, cleanup, toHex } from '../helpers.js';
import type { ChainParams } from '../../src/chain/params.js';
import type { UrchainError } from '../../src/errors.js';

test.after(() => cleanup());

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 's', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };

test('what is committed is there after closing and reopening, by id, product and idempotency key', async () => {
  const dir = tmpDir();
  let s = await LmdbStore.open(dir);
  await s.initChain(params, genesisWrite(params));
  const ids = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
  const b = signBatch(ids, key);
  await s.commitIngest({
    batchRoot: b.root,
    batch: { origin: key.publicKey, signature: b.signature, txIds: ids },
    txs: ids.map((txId, index) => ({ txId, coreBytes: new Uint8Array([0x80 + index]), index, payload: new Uint8Array([9, index]), product: 'P', idemKey: `k${index}` })),
    seq: 7,
  });
  await s.close();
  s = await LmdbStore.open(dir, { readOnly: true });
  assert.is(s.getParams()!.name, 's');
  assert.is(s.head()!.height, 0);
  assert.is(s.lastSeq(), 7);
  assert.equal([...s.getPayload(ids[1])!], [9, 1]);
  assert.equal(s.productTxs('P').map(toHex).sort(), ids.map(toHex).sort());
  assert.is(toHex(s.idem('k1')!), toHex(ids[1]));
  assert.equal(s.pending().map(toHex), ids.map(toHex));
  assert.is(s.getTx(ids[0])!.index, 0);
  assert.is(toHex(s.getBatch(b.root)!.txIds[1]), toHex(ids[1]));
  assert.ok(s.size() > 0);
  await s.close();
});

test('records taken in after a reopen queue behind the ones pending from before, even when nobody read the pool first', async () => {
  const dir = tmpDir();
  const ingest = async (s: LmdbStore, fill: number) => {
    const ids = [new Uint8Array(32).fill(fill)];
    const b = signBatch(ids, key);
    await s.commitIngest({ batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs: [{ txId: ids[0], coreBytes: new Uint8Array([0x80]), index: 0 }] });
  };
  let s = await LmdbStore.open(dir);
  try {
    await s.initChain(params, genesisWrite(params));
    await ingest(s, 0xa1);
    await ingest(s, 0xa2);
  } finally {
    await s.close();
  }
  s = await LmdbStore.open(dir);
  try {
    await ingest(s, 0x03); // lowest id: a tie in arrival order would put it first
    assert.equal(s.pending().map((id) => id[0]), [0xa1, 0xa2, 0x03]);
  } finally {
    await s.close();
  }
});

test('a folder holds one chain; a read-only open of an empty folder says what to do', async () => {
  const dir = tmpDir();
  const s = await LmdbStore.open(dir);
  await s.initChain(params, genesisWrite(params));
  try {
    await s.initChain(params, genesisWrite(params));
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /already holds a chain/);
  }
  await s.close();
  try {
    await LmdbStore.open(tmpDir(), { readOnly: true });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /urchain init/);
  }
});

/** Every bucket an ingest commit writes, as counts. */
function counts(s: LmdbStore, ids: Uint8Array[], root: Uint8Array, product: string, idem: string) {
  return {
    txs: ids.filter((id) => s.hasTx(id)).length,
    payloads: ids.filter((id) => s.getPayload(id)).length,
    pending: s.pending().length,
    batch: s.getBatch(root) ? 1 : 0,
    products: s.productTxs(product).length,
    idem: s.idem(idem) ? 1 : 0,
    seq: s.lastSeq(),
  };
}
const none = { txs: 0, payloads: 0, pending: 0, batch: 0, products: 0, idem: 0, seq: 0 };

test('a commit is all or nothing: a product code too long for the index leaves no bucket written', async () => {
  const s = await LmdbStore.open(tmpDir());
  await s.initChain(params, genesisWrite(params));
  const ids = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)];
  const b = signBatch(ids, key);
  const w = {
    batchRoot: b.root,
    batch: { origin: key.publicKey, signature: b.signature, txIds: ids },
    txs: ids.map((txId, index) => ({ txId, coreBytes: new Uint8Array([0x80]), index, payload: new Uint8Array([index]), product: index === 1 ? '€'.repeat(1000) : 'GOOD', idemKey: `k${index}` })),
    seq: 3,
  };
  try {
    await s.commitIngest(w);
    assert.unreachable('committed a key LMDB cannot hold');
  } catch (e) {
    assert.is((e as UrchainError).code, 'BAD_INPUT');
    assert.match((e as Error).message, /product code of 3000 bytes/);
  }
  assert.equal(counts(s, ids, b.root, 'GOOD', 'k0'), none);
  await s.close();
});

test('a commit whose write fails half-way is rolled back, and the store takes the next one', async () => {
  const s = await LmdbStore.open(tmpDir());
  await s.initChain(params, genesisWrite(params));
  const ids = [new Uint8Array(32).fill(4), new Uint8Array(32).fill(5)];
  const b = signBatch(ids, key);
  const txs = ids.map((txId, index) => ({ txId, coreBytes: new Uint8Array([0x80]), index, payload: new Uint8Array([index]), product: 'GOOD', idemKey: `k${index}` }));
  // The second payload cannot be written: the first transaction's writes are already made then.
  const bad = [txs[0], { ...txs[1], payload: {} as Uint8Array }];
  try {
    await s.commitIngest({ batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs: bad, seq: 2 });
    assert.unreachable();
  } catch (e) {
    assert.is((e as UrchainError).code, 'STORE');
  }
  assert.equal(counts(s, ids, b.root, 'GOOD', 'k0'), none);
  await s.commitIngest({ batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs, seq: 2 });
  assert.equal(counts(s, ids, b.root, 'GOOD', 'k0'), { txs: 2, payloads: 2, pending: 2, batch: 1, products: 2, idem: 1, seq: 2 });
  assert.equal(s.pending().map(toHex), ids.map(toHex));
  await s.close();
});

test.run();
