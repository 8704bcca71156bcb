/**
 * Store format 4's runs (store/placedRuns.ts): a block's records as runs of consecutive record
 * numbers, the pool as every record from `pendingfrom` on that no run holds. A block of a
 * thousand records of one batch writes one run; blocks that take records out of arrival order
 * write a run per stretch, and every record is located at its index; a record a block leaves out
 * holds `pendingfrom` back without hiding the records placed after it; a reorganisation puts the
 * runs back into the pool in arrival order, however they were cut; a reopen reads the same pool.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LmdbStore } from '../../src/store/lmdb.js';
import { runsOf, runCodec, type PlacedRuns } from '../../src/store/placedRuns.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import type { ChainParams } from '../../src/chain/params.js';
import type { IngestWrite, BlockWrite, ChainMove } from '../../src/store/types.js';
import { recordNumberOf } from '../../src/store/buckets.js';
import { tmpDir, cleanup, toHex } from '../helpers.js';

test.after(() => cleanup());

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'runs', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
let counter = 0;
const newIds = (n: number) =>
  Array.from({ length: n }, () => {
    const b = new Uint8Array(32).fill(0x5a);
    new DataView(b.buffer).setUint32(0, ++counter);
    return b;
  });
function batch(ids: Uint8Array[]): IngestWrite {
  const b = signBatch(ids, key);
  return { batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs: ids.map((txId, index) => ({ txId, coreBytes: new Uint8Array([0x81, index & 0x17]), index, payload: new Uint8Array([index & 0xff]) })) };
}
const g = genesisWrite(params);
let blockNo = 0;
function block(height: number, prev: Uint8Array, txIds: Uint8Array[], move: Omit<ChainMove, 'head'> = { disconnect: [], connect: [], repending: [] }): BlockWrite & { hash: Uint8Array } {
  const hash = new Uint8Array(32).fill(0xcc);
  new DataView(hash.buffer).setUint32(0, ++blockNo);
  const header = { ...g.block.signed.header, height, prevHash: prev, txCount: txIds.length };
  const connect = move.connect.length || move.disconnect.length ? move.connect : [{ hash, height, txIds }];
  const top = connect[connect.length - 1] ?? { hash, height };
  return { hash, block: { ...g.block, signed: { ...g.block.signed, header } }, txIds, move: { ...move, connect, head: { hash: top.hash, height: top.height } } };
}
const runsIn = (s: LmdbStore) => (s as unknown as { placed: { runs: { getCount(): number } } }).placed.runs.getCount();
const placedOf = (s: LmdbStore) => (s as unknown as { placed: PlacedRuns }).placed;
const numberOf = (s: LmdbStore, id: Uint8Array) => recordNumberOf((s as unknown as { numberOf(id: Uint8Array): Buffer }).numberOf(id));
const hex = (ids: Uint8Array[]) => ids.map(toHex);
/** `ids` taken in as one batch, then placed by a block at `height` on `prev`. */
async function placed(s: LmdbStore, ids: Uint8Array[], height: number, prev: Uint8Array) {
  await s.commitIngest(batch(ids));
  const b = block(height, prev, ids);
  await s.commitBlock(b);
  return b;
}

test('runsOf cuts a block into runs of consecutive numbers at consecutive indexes; the value is 12 bytes', () => {
  assert.equal(runsOf(7, [5, 6, 7, 9, 10, undefined, 12, 11]), [
    { first: 5, height: 7, index: 0, count: 3 },
    { first: 9, height: 7, index: 3, count: 2 },
    { first: 12, height: 7, index: 6, count: 1 },
    { first: 11, height: 7, index: 7, count: 1 },
  ]);
  assert.equal(runsOf(1, []), []);
  assert.is(Buffer.from(runCodec.encode({ height: 258, index: 3, count: 5 })).toString('hex'), '000001020000000300000005');
  assert.equal(runCodec.decode(Buffer.from('000001020000000300000005', 'hex')), { height: 258, index: 3, count: 5 });
  assert.throws(() => runCodec.decode(new Uint8Array(8)), /a stored run of 8 bytes/);
});

test('a block writes a run per stretch of arrival order; the pool is what no run holds, in arrival order, through a gap, a reorganisation and a reopen', async () => {
  const dir = tmpDir();
  let s = await LmdbStore.open(dir);
  try {
    await s.initChain(params, g);
    // One batch of 1,000 placed whole by one block: one run, whatever the block's size.
    const big = newIds(1000);
    const b1 = await placed(s, big, 1, g.hash);
    assert.is(runsIn(s), 1, 'one run for 1,000 records');
    assert.equal(s.location(big[999]), { blockHash: b1.hash, height: 1, index: 999 });
    assert.equal(s.pending(), []);
    assert.is(placedOf(s).from(), numberOf(s, big[999]) + 1, 'pendingfrom moved past the block');

    // Two batches; a block takes them out of arrival order and leaves b[5] out.
    const [a, b] = [newIds(10), newIds(10)];
    await s.commitIngest(batch(a));
    await s.commitIngest(batch(b));
    const order = [...a.slice(0, 5), ...b.slice(0, 5), ...a.slice(5), ...b.slice(6)];
    const b2 = block(2, b1.hash, order);
    await s.commitBlock(b2);
    assert.is(runsIn(s), 1 + 4, 'a run per stretch');
    order.forEach((id, index) => assert.equal(s.location(id), { blockHash: b2.hash, height: 2, index }, `record ${index}`));
    assert.equal(hex(s.pending()), hex([b[5]]), 'only the record left out');
    assert.is(s.location(b[5]), undefined);
    assert.is(placedOf(s).from(), numberOf(s, b[5]), 'held back by the record left out');

    // A later batch, placed: the record left out stays pending, the later ones are not.
    const c = newIds(3);
    const b3 = await placed(s, c, 3, b2.hash);
    assert.equal(hex(s.pending()), hex([b[5]]));
    assert.is(placedOf(s).from(), numberOf(s, b[5]));

    // Blocks 3 and 2 taken off for a branch that holds only c[1]: back in the pool in arrival order.
    const side = block(2, b1.hash, [c[1]]);
    const reorg = block(2, b1.hash, [c[1]], {
      disconnect: [
        { hash: b3.hash, height: 3, txIds: c },
        { hash: b2.hash, height: 2, txIds: order },
      ],
      connect: [{ hash: side.hash, height: 2, txIds: [c[1]] }],
      repending: [...c.filter((_, i) => i !== 1), ...order],
    });
    await s.commitBlock({ ...reorg, hash: side.hash });
    assert.equal(hex(s.pending()), hex([...a, ...b, c[0], c[2]]), 'arrival order');
    assert.equal(s.location(c[1]), { blockHash: side.hash, height: 2, index: 0 });
    assert.is(s.location(a[0]), undefined, 'a record of a dropped block loses its place');
    assert.is(runsIn(s), 1 + 1, "the dropped blocks' runs are gone");
    assert.is(placedOf(s).from(), numberOf(s, a[0]), 'pendingfrom came down');

    await s.close();
    s = await LmdbStore.open(dir);
    assert.equal(hex(s.pending()), hex([...a, ...b, c[0], c[2]]), 'the same pool after a reopen');
    const map = (s as unknown as { pendingNums: { size: number } }).pendingNums;
    assert.is(map.size, 22, 'the writer holds their numbers in memory again');
    const ro = await LmdbStore.open(dir, { readOnly: true });
    try {
      assert.is(ro.pending().length, 22, 'a reader sees the same pool');
      assert.equal(ro.location(big[3]), { blockHash: b1.hash, height: 1, index: 3 });
    } finally {
      await ro.close();
    }
  } finally {
    await s.close();
  }
});

test('a block disconnected loses every run of its height that holds one of its records, however its runs were cut', async () => {
  const s = await LmdbStore.open(tmpDir());
  try {
    await s.initChain(params, g);
    const ids = newIds(10);
    const b1 = await placed(s, ids, 1, g.hash);
    assert.is(runsIn(s), 1);
    // The same placement cut in two, as a release that cut runs differently would have stored it.
    const runs = placedOf(s);
    const first = numberOf(s, ids[0]);
    await (s as unknown as { commit(w: () => void): Promise<void> }).commit(() => {
      runs.remove(1, [first]);
      runs.put([
        { first, height: 1, index: 0, count: 4 },
        { first: first + 4, height: 1, index: 4, count: 6 },
      ]);
    });
    assert.is(runsIn(s), 2);
    assert.equal(s.location(ids[7]), { blockHash: b1.hash, height: 1, index: 7 });
    const off = block(1, g.hash, [], { disconnect: [{ hash: b1.hash, height: 1, txIds: ids }], connect: [], repending: ids });
    await s.commitBlock({ ...g, move: { ...off.move!, head: { hash: g.hash, height: 0 } } });
    assert.is(runsIn(s), 0, 'both halves gone');
    assert.equal(hex(s.pending()), hex(ids));
    assert.is(s.location(ids[7]), undefined);
  } finally {
    await s.close();
  }
});

test.run();
