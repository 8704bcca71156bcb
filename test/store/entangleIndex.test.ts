/**
 * The entanglement index has its own bucket. A data folder written before it existed keeps the
 * index's keys in `idem`, beside the client keys: opened read-only it answers from there, opened
 * for writing it moves them in one commit, and both answer exactly what the new layout answers.
 * Client keys stay in `idem`, byte for byte.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { open } from 'lmdb';
import { LmdbStore } from '../../src/store/lmdb.js';
import { BUCKETS, entangleKey, countersignKey } from '../../src/store/buckets.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { BlockTree } from '../../src/ledger/blocktree.js';
import { consensusFor } from '../../src/consensus/index.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { signCheckpoint } from '../../src/chain/checkpoint.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { Intake } from '../../src/node/intake.js';
import { Query } from '../../src/node/query.js';
import { tmpDir, cleanup, toHex } from '../helpers.js';
import { ROLES } from '../../src/contracts/roles.js';

test.after(() => cleanup());

const key = generateKeyPair();
const partner = generateKeyPair();
const partnerHex = toHex(partner.publicKey);
const params: ChainParams = { version: 1, name: 'e', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
const otherChain = 'cd'.repeat(32);
const csTx = new Uint8Array(32).fill(0xc5);

/** Every row of one bucket, read with lmdb directly: key (text) -> value (hex). */
type Rows = Record<string, string>;

/**
 * Opens the folder's LMDB environment as the old code did, to look at or rewrite raw buckets;
 * a bucket is opened (so created) only when `f` reads it.
 */
async function raw<T>(dir: string, f: (dbs: { env: any; idem: any; entangle: any }) => Promise<T> | T): Promise<T> {
  const env = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 16, compression: false, encoding: 'binary' } as never);
  const db = (name: string) => env.openDB({ name, encoding: 'binary', keyEncoding: 'ordered-binary' } as never);
  try {
    return await f({
      env,
      get idem() {
        return db(BUCKETS.idem.name);
      },
      get entangle() {
        return db(BUCKETS.entangle.name);
      },
    });
  } finally {
    await env.close();
  }
}
const rowsOf = (db: any): Rows => Object.fromEntries([...db.getRange({})].map(({ key, value }: any) => [String(key), Buffer.from(value).toString('hex')]));

/** A chain with two entangle records of `partner` (heights 3 and 7) and a client's record, all in block 1. */
async function build(dir: string) {
  const store = await LmdbStore.open(dir);
  try {
    await store.initChain(params, genesisWrite(params));
    const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
    const cp = (height: number) => signCheckpoint({ chainId: new Uint8Array(32).fill(9), height, blockHash: new Uint8Array(32).fill(height), timestamp: 1 }, partner);
    const e3 = await intake.submit({ payload: cp(3), kind: 'entangle' });
    const e7 = await intake.submit({ payload: cp(7), kind: 'entangle' });
    const c = await intake.submit({ payload: Buffer.from('a client record'), idemKey: 'file-1' });
    await intake.close();
    const tree = new BlockTree(store, consensusFor(params), params);
    const ids = store.pending();
    await tree.add(await tree.consensus.seal(tree.nextHeader(ids, key.publicKey), key), ids);
    return { e3: e3.txId, e7: e7.txId, client: c.txId };
  } finally {
    await store.close();
  }
}

/** What the queries over the entanglement index answer. */
function answers(store: LmdbStore) {
  const q = new Query(store);
  return {
    entangled: q.entangled(partnerHex).map((p) => p.txId),
    atHeight7: toHex(store.idem(entangleKey(partnerHex, 7)) ?? new Uint8Array()),
    client: toHex(store.idem('client:file-1') ?? new Uint8Array()),
    countersignFrom4: [...store.entangleRange('countersign:', countersignKey(4, ''))].map((r) => [r.key, toHex(r.txId)]),
    countersignFrom6: [...store.entangleRange('countersign:', countersignKey(6, ''))].length,
  };
}

test('a store written before the entangle bucket answers the same queries, read-only and after moving its index', async () => {
  const dir = tmpDir();
  const ids = await build(dir);
  // The new layout: index keys in entangle, client keys in idem. A countersign row beside them.
  const before = await raw(dir, async ({ idem, entangle }) => {
    await entangle.put(countersignKey(5, otherChain), Buffer.from(csTx));
    return { idem: rowsOf(idem), entangle: rowsOf(entangle) };
  });
  assert.equal(Object.keys(before.idem), ['client:file-1']);
  assert.equal(Object.keys(before.entangle), [countersignKey(5, otherChain), entangleKey(partnerHex, 3), entangleKey(partnerHex, 7)]);
  let s = await LmdbStore.open(dir, { readOnly: true });
  const expected = answers(s);
  await s.close();
  assert.equal(expected.entangled, [ids.e7, ids.e3], 'newest first');
  assert.is(expected.atHeight7, ids.e7);
  assert.is(expected.client, ids.client);
  assert.equal(expected.countersignFrom4, [[countersignKey(5, otherChain), toHex(csTx)]]);
  assert.is(expected.countersignFrom6, 0);

  // Rewrite it as the old code wrote it: every key in idem, no entangle bucket at all.
  await raw(dir, async ({ idem, entangle }) => {
    for (const [k, v] of Object.entries(before.entangle)) await idem.put(k, Buffer.from(v, 'hex'));
    await entangle.drop();
  });
  await raw(dir, ({ idem }) => assert.equal(rowsOf(idem), { ...before.idem, ...before.entangle }));
  await raw(dir, ({ env }) => assert.is(env.openDB({ name: BUCKETS.entangle.name, create: false }), undefined, 'no entangle bucket left'));

  s = await LmdbStore.open(dir, { readOnly: true });
  try {
    assert.equal(answers(s), expected, 'read-only over the old layout');
  } finally {
    await s.close();
  }
  await raw(dir, ({ idem }) => assert.is(Object.keys(rowsOf(idem)).length, 4, 'a read-only open writes nothing'));

  s = await LmdbStore.open(dir);
  try {
    assert.equal(answers(s), expected, 'after the move');
  } finally {
    await s.close();
  }
  // Moved, byte for byte; the client key stays where it was.
  await raw(dir, ({ idem, entangle }) => {
    assert.equal(rowsOf(idem), before.idem);
    assert.equal(rowsOf(entangle), before.entangle);
  });
  // Opened again: nothing left to move, same answers.
  s = await LmdbStore.open(dir);
  try {
    assert.equal(answers(s), expected);
  } finally {
    await s.close();
  }
});

test.run();
