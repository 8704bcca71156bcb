import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { Pool } from '../../src/node/pool.js';
import type { ChainMove } from '../../src/store/types.js';
import { Turns } from '../../src/turns.js';

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const move = (connect: Uint8Array[], repending: Uint8Array[] = []) => ({ connect: [{ txIds: connect }], repending, disconnect: [] }) as unknown as ChainMove;

test('the pool behaves as an ordered set of ids: ids sharing their first bytes, re-adds, removals, compaction', () => {
  // Half the ids share their first four bytes, so they share a key and must be told apart in full.
  const ids = Array.from({ length: 5000 }, (_, i) => {
    const b = new Uint8Array(randomBytes(32));
    if (i % 2) b.set([1, 2, 3, 4]);
    return b;
  });
  const pool = new Pool(ids.slice(0, 100));
  const model = new Map(ids.slice(0, 100).map((id) => [hexOf(id), id]));
  const check = () => {
    assert.is(pool.size, model.size);
    assert.equal(pool.take(1e9).map(hexOf), [...model.keys()]);
    assert.equal(pool.take(7).map(hexOf), [...model.keys()].slice(0, 7));
  };
  check();
  for (let round = 0; round < 40; round++) {
    const added = ids.slice(100 + round * 100, 200 + round * 100);
    // Copies: ids come back from the store and the network as other objects with the same bytes.
    pool.add([...added, ...added.slice(0, 10).map((b) => b.slice())]);
    for (const id of added) if (!model.has(hexOf(id))) model.set(hexOf(id), id);
    const gone = pool.take(120).filter((_, i) => i % 3 !== 1);
    const back = round % 4 === 0 ? gone.slice(0, 5).map((b) => b.slice()) : [];
    pool.apply(move(gone.map((b) => b.slice()), back));
    for (const id of back) if (!model.has(hexOf(id))) model.set(hexOf(id), id);
    for (const id of gone) model.delete(hexOf(id));
    check();
    for (const id of gone) assert.is(pool.has(id), false);
  }
  for (const id of model.values()) assert.ok(pool.has(id.slice()));
  assert.is(pool.has(new Uint8Array(32)), false);
});

test('a move that repends takes the order from the store: records back where they arrived, records not durable yet left out', () => {
  const ids = Array.from({ length: 8 }, () => new Uint8Array(randomBytes(32)));
  // On disk: 0..7 by record number; 6 and 7 are written but not durable yet (not in the pool).
  let disk = ids.slice(2);
  const pool = new Pool(disk.slice(0, 4), () => disk.map((b) => b.slice()));
  // A reorg puts 0 and 1 back (they were in a block that left the chain) and places 3.
  disk = [ids[0], ids[1], ids[2], ids[4], ids[5], ids[6], ids[7]];
  pool.apply(move([ids[3]], [ids[1], ids[0]]));
  assert.equal(pool.take(1e9).map(hexOf), [0, 1, 2, 4, 5].map((i) => hexOf(ids[i])));
  // Without the store's order (no reader given) they go to the end, as before.
  const plain = new Pool(ids.slice(2, 6));
  plain.apply(move([ids[3]], [ids[1], ids[0]]));
  assert.equal(plain.take(1e9).map(hexOf), [2, 4, 5, 1, 0].map((i) => hexOf(ids[i])));
});

test('applyInTurns ends as apply does, gives the loop back on a large move, and takes adds meanwhile', async () => {
  const ids = Array.from({ length: 6000 }, () => new Uint8Array(randomBytes(32)));
  const a = new Pool(ids.slice(0, 5000));
  const b = new Pool(ids.slice(0, 5000));
  const gone = ids.slice(0, 4000).map((x) => x.slice());
  a.apply(move(gone, [ids[0]]));
  let ranBetween = false;
  setImmediate(() => {
    ranBetween = true;
    b.add(ids.slice(5000)); // a commit's records come in while the pool follows a block
  });
  const turns = new Turns(0, 1); // every 256 ids a turn is due
  await b.applyInTurns(move(gone, [ids[0]]), turns);
  assert.ok(ranBetween, 'other work ran before it was done');
  assert.ok(turns.yielded >= 4000 / 256 - 1, `gave the loop back ${turns.yielded} times`);
  a.add(ids.slice(5000));
  assert.equal(b.take(1e9).map(hexOf), a.take(1e9).map(hexOf));
  assert.is(b.size, a.size);
});

test('ids handed out by take stay as they were while the pool goes on; the pool keeps no reference to the ids it is given', () => {
  const ids = Array.from({ length: 6000 }, () => new Uint8Array(randomBytes(32)));
  const scratch = new Uint8Array(32);
  const pool = new Pool();
  for (const id of ids.slice(0, 100)) {
    scratch.set(id); // one buffer for every add, as a reader that fills the same buffer each time
    pool.add([scratch]);
  }
  scratch.fill(0);
  assert.equal(pool.take(1e9).map(hexOf), ids.slice(0, 100).map(hexOf));
  const block = pool.take(50);
  const was = block.map(hexOf);
  // Thousands more come and go: the ring grows, wraps around and moves.
  for (let k = 100; k < 6000; k += 100) {
    pool.add(ids.slice(k, k + 100));
    pool.apply(move(pool.take(1e9).slice(50, 130))); // the block's 50 stay in the pool meanwhile
  }
  assert.equal(block.map(hexOf), was);
  assert.equal(pool.take(50).map(hexOf), was);
  pool.apply(move(block));
  assert.not.ok(block.some((id) => pool.has(id)));
});

test('an id that stays while later ones come and go keeps the pool bounded; positions start over at their limit', () => {
  const ids = Array.from({ length: 20_000 }, () => new Uint8Array(randomBytes(32)));
  const pool = new Pool([ids[0]], undefined, 5000);
  const model = [hexOf(ids[0])];
  for (let k = 1; k < 20_000; k += 100) {
    const batch = ids.slice(k, k + 100);
    pool.add(batch);
    model.push(...batch.map(hexOf));
    // Blocks take all but the first id, and all but one of the batch, which stays a round.
    const stays = batch[k % 7];
    const gone = pool.take(1e9).slice(1).filter((id) => !equalBytes(id, stays));
    pool.apply(move(gone));
    const goneHex = new Set(gone.map(hexOf));
    model.splice(0, model.length, ...model.filter((h) => !goneHex.has(h)));
    assert.equal(pool.take(1e9).map(hexOf), model);
  }
  assert.is(pool.size, 2);
  const ring = (pool as unknown as { dead: Uint8Array }).dead.length;
  assert.ok(ring <= 1024, `the ring holds ${ring} slots for 2 live ids among 20,000 that came`);
  assert.ok((pool as unknown as { end: number }).end < 5000, 'positions started over');
});

const equalBytes = (a: Uint8Array, b: Uint8Array) => hexOf(a) === hexOf(b);

test.run();
