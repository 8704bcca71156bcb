import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/chain/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { tmpDir, cleanup, toHex } from '../helpers.js';
import type { ChainParams } from '../../src/chain/params.js';

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

test.run();
