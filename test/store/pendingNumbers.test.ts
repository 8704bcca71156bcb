/**
 * The numbers of the pending records kept in memory (store/pendingNumbers.ts): the rule that
 * keeps an entry only for a durably pending record, and the LMDB store's map against its
 * `pendingrecords` bucket through ingests (new records, a repeat, one stored before), blocks, a
 * failed commit on a full disk, and a reopen. (A reorganisation: test/ledger/blocktree.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import fs from 'node:fs';
import { LmdbStore } from '../../src/store/lmdb.js';
import { PendingNumbers } from '../../src/store/pendingNumbers.js';
import { recordNumberOf } from '../../src/store/buckets.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { BlockTree } from '../../src/ledger/blocktree.js';
import { consensusFor } from '../../src/consensus/index.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import type { IngestWrite, ChainMove } from '../../src/store/types.js';
import type { ChainParams } from '../../src/chain/params.js';
import { tmpDir, cleanup } from '../helpers.js';
import { onTmpfs, fill } from '../tmpfs.js';

test.after(() => cleanup());

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'p', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
let counter = 0;
const newId = () => {
  const id = new Uint8Array(32).fill(counter % 251);
  new DataView(id.buffer).setUint32(4, ++counter);
  return id;
};
/** One batch of the records `ids` (any of them may be stored already), each `payloadBytes` long. */
function write(ids: Uint8Array[], payloadBytes = 16): IngestWrite {
  const b = signBatch(ids, key);
  return { batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs: ids.map((txId, index) => ({ txId, coreBytes: new Uint8Array([index]), index, payload: new Uint8Array(payloadBytes) })) };
}
const mapOf = (s: LmdbStore) => (s as unknown as { pendingNums: PendingNumbers }).pendingNums;
const numberOn = (s: LmdbStore, id: Uint8Array) => recordNumberOf((s as unknown as { numberOf(id: Uint8Array): Buffer }).numberOf(id));

/** The map holds exactly the records `pendingrecords` holds, each under its record number. */
function mirrors(s: LmdbStore, why: string) {
  const disk = s.pending();
  assert.is(mapOf(s).size, disk.length, `${why}: as many entries as pending rows`);
  for (const id of disk) assert.is(mapOf(s).numberOf(id), numberOn(s, id), `${why}: a pending record under its number`);
}

async function blockOf(tree: BlockTree, ids: Uint8Array[]) {
  const signed = await tree.consensus.seal(await tree.proposeHeader(ids, key.publicKey), key);
  return tree.add(signed, ids);
}

test('the rule: an ingest adds only what no block placed meanwhile; a block removes what it placed and adds what it put back', async () => {
  const m = new PendingNumbers();
  const [a, b, c, d] = [newId(), newId(), newId(), newId()];
  m.afterIngest([{ txId: a }, { txId: b }], 10, 12, () => undefined);
  assert.is(m.numberOf(a), 10);
  assert.is(m.numberOf(b.slice()), 11, 'found by its bytes, not its object');
  // A block placed c while c's ingest commit was written but not yet durable.
  m.placedEarly(c);
  m.afterIngest([{ txId: c }, { txId: d }], 12, 14, () => undefined);
  assert.not.ok(m.has(c), 'placed by a block: never pending in the map');
  assert.is(m.numberOf(d), 13);
  // A batch with a record stored before (a): only the numbers it handed out count.
  const e = newId();
  const numbers = new Map([[a, 10], [e, 14]].map(([id, n]) => [Buffer.from(id as Uint8Array).toString('hex'), n as number]));
  const keyOf = (n: number) => { const k = Buffer.alloc(8); k.writeUInt32BE(n, 4); return k; };
  await m.afterBlock({ connect: [{ txIds: [a] }], disconnect: [], repending: [] } as unknown as ChainMove, []);
  m.afterIngest([{ txId: a }, { txId: e }], 14, 15, (id) => keyOf(numbers.get(Buffer.from(id).toString('hex'))!));
  assert.not.ok(m.has(a), 'stored before and placed since: not pending again');
  assert.is(m.numberOf(e), 14);
  await m.afterBlock({ connect: [{ txIds: [b, e] }], disconnect: [], repending: [a] } as unknown as ChainMove, [[a, 10]]);
  assert.equal([m.has(a), m.has(b), m.has(e)], [true, false, false]);
  assert.is(m.size, 2);
});

test('the LMDB store keeps the map equal to pendingrecords through ingests, blocks and a reopen', async () => {
  const dir = tmpDir();
  let s = await LmdbStore.open(dir);
  try {
    await s.initChain(params, genesisWrite(params));
    const tree = new BlockTree(s, consensusFor(params), params);
    const first = [newId(), newId(), newId()];
    await s.commitIngest(write(first));
    mirrors(s, 'after an ingest');
    // A repeat within the batch and a record stored before: the slow path (numbers read back).
    const x = newId();
    await s.commitIngest(write([first[0], x, x.slice(), newId()]));
    mirrors(s, 'after a batch with records stored before');
    const out = await blockOf(tree, [first[1], x]);
    assert.is(out[0].result, 'head');
    mirrors(s, 'after a block');
    assert.not.ok(mapOf(s).has(x));
    assert.is(s.location(x)!.index, 1, 'a placed record is read from the store again');
    assert.is(s.location(first[0]), undefined, 'a pending one is on no block');
    await s.close();
    s = await LmdbStore.open(dir);
    mirrors(s, 'after a reopen');
    assert.is(mapOf(s).size, 3);
  } finally {
    await s.close();
  }
  const ro = await LmdbStore.open(dir, { readOnly: true });
  try {
    assert.is(mapOf(ro).size, 0, 'a read-only open keeps no map');
    assert.is(ro.pending().length, 3);
  } finally {
    await ro.close();
  }
});

test('a number in memory that the disk does not have fails the block without writing it; the next try reads the store', async () => {
  const s = await LmdbStore.open(tmpDir());
  try {
    await s.initChain(params, genesisWrite(params));
    const tree = new BlockTree(s, consensusFor(params), params);
    const ids = [newId(), newId()];
    await s.commitIngest(write(ids));
    mapOf(s).remember(ids[1], 999_999); // out of step, as a bug would leave it
    const signed = await tree.consensus.seal(await tree.proposeHeader(ids, key.publicKey), key);
    const failed = await tree.add(signed, ids).then(() => 'added', (e: { code?: string }) => e.code);
    assert.is(failed, 'STORE');
    assert.is(s.head()!.height, 0, 'nothing of the block written');
    assert.is(s.pending().length, 2);
    assert.is(mapOf(s).size, 0, 'the map is dropped');
    assert.is((await tree.add(signed, ids))[0].result, 'head');
    assert.equal([s.location(ids[0])!.index, s.location(ids[1])!.index], [0, 1]);
    assert.is(s.pending().length, 0);
  } finally {
    await s.close();
  }
});

test('a commit that fails on a full disk leaves no entry; the next one that succeeds does', async () => {
  await onTmpfs('4m', async (mnt) => {
    const s = await LmdbStore.open(path.join(mnt, 'data'));
    try {
      await s.initChain(params, genesisWrite(params));
      await s.commitIngest(write([newId()]));
      fill(path.join(mnt, 'filler'), 1024 * 1024);
      const big = write([newId()], 3 * 1024 * 1024);
      const failed = await s.commitIngest(big).then(() => 'ok', (e: { code?: string }) => e.code);
      assert.is(failed, 'STORE');
      assert.not.ok(mapOf(s).has(big.txs[0].txId), 'no entry for a record that is not on disk');
      mirrors(s, 'after a failed commit');
      fs.rmSync(path.join(mnt, 'filler'));
      await s.commitIngest(big);
      assert.ok(mapOf(s).has(big.txs[0].txId));
      mirrors(s, 'after the commit that succeeds');
    } finally {
      await s.close();
    }
  });
});

test.run();
