/**
 * The typed-array id table (store/idTable.ts) against a Map: random ids and ids that share their
 * first bytes (the table's hash), sets, number changes, removals of every entry below a number
 * (and the compaction that follows), growth, and snapshots that stay as they were while the table changes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import { IdTable } from '../../src/store/idTable.js';
import { toHex } from '../helpers.js';

test('answers as a Map through sets, changes, removals, compactions and growth', () => {
  const t = new IdTable();
  const model = new Map<string, number>();
  const pool: Uint8Array[] = [];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const newId = () => {
    const id = new Uint8Array(crypto.randomBytes(32));
    if (rnd() < 0.3) id.set([1, 2, 3, 4]); // the same hash: probing must compare whole ids
    pool.push(id);
    return id;
  };
  let n = 0;
  for (let step = 0; step < 40000; step++) {
    const r = rnd();
    if (r < 0.55 || pool.length === 0) {
      const id = newId();
      t.set(id, n);
      model.set(toHex(id), n++);
    } else if (r < 0.6) {
      const id = pool[Math.floor(rnd() * pool.length)];
      t.set(id, n);
      model.set(toHex(id), n++);
    } else if (r < 0.605) {
      // A number changed to a lower one (the largest may be the one lowered).
      const id = rnd() < 0.5 ? pool[pool.length - 1] : pool[Math.floor(rnd() * pool.length)];
      if (model.has(toHex(id))) {
        const lower = Math.floor(model.get(toHex(id))! * rnd());
        t.set(id, lower);
        model.set(toHex(id), lower);
      }
    } else if (r < 0.6051) {
      t.clear(); // a flush's table emptied for the next flush: its room stays
      model.clear();
    } else if (r < 0.6055) {
      // A merge's end: every entry numbered below a bound leaves (and the arena is compacted).
      const below = Math.floor(n * rnd());
      t.deleteBelow(below);
      for (const [h, v] of model) if (v < below) model.delete(h);
    }
    if (step % 10000 === 0 || step === 39999) {
      assert.is(t.size, model.size, `step ${step}: size`);
      for (const id of pool) assert.is(t.get(id), model.get(toHex(id)), `step ${step}: ${toHex(id).slice(0, 8)}`);
    }
    if (step % 97 === 0) assert.is(t.maxNumber(), model.size ? Math.max(...model.values()) : -1, `step ${step}: the largest number`);
  }
  const snap = t.snapshot();
  const got = new Map<string, number>();
  for (let i = 0; i < snap.nums.length; i++) got.set(toHex(snap.ids.subarray(i * 32, i * 32 + 32)), snap.nums[i]);
  assert.equal(got, model, 'the snapshot is the live entries');
  assert.is(t.maxNumber(), Math.max(-1, ...model.values()));
  t.deleteBelow(Infinity);
  assert.is(t.size, 0);
  assert.is(snap.nums.length, model.size, 'a snapshot is a copy');
  assert.is(t.get(new Uint8Array(32)), undefined);
});

test('reserved room is kept: filling up to it and a merge-style removal neither grow nor shrink the table', () => {
  const t = new IdTable();
  t.reserve(5000);
  const room = t.room();
  assert.ok(room.entries >= 5000 && room.slots >= 10000, JSON.stringify(room));
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 5000; i++) t.set(new Uint8Array(crypto.randomBytes(32)), round * 5000 + i);
    assert.equal(t.room(), room, `round ${round}: filled without growing`);
    t.deleteBelow(round * 5000 + 4990); // a merge's end: ten stay
    assert.is(t.size, 10);
    assert.equal(t.room(), room, `round ${round}: compacted in place`);
  }
});

test('the arena answers in place: entry e has its id at e * 32 and its number; removed entries are negative', () => {
  const t = new IdTable();
  const a = new Uint8Array(32).fill(7);
  const b = new Uint8Array(32).fill(9);
  t.set(a, 5);
  t.set(b, 6);
  const { ids, nums, used } = t.arena();
  assert.is(used, 2);
  assert.equal([...ids.subarray(32, 64)], [...b]);
  assert.equal([...nums.subarray(0, 2)], [5, 6]);
});

test('ids whose keys share their low bits spread over the slots (the slot mixes in a seed)', () => {
  // 3,000 ids whose first bytes agree in the low 16 bits of their key: slotted by those bits they
  // would make one probe run of 3,000.
  const t = new IdTable();
  const ids = Array.from({ length: 3_000 }, (_, i) => {
    const b = new Uint8Array(crypto.randomBytes(32));
    [b[0], b[1], b[2]] = [0x34, 0x12, i & 0xff];
    b[3] = (b[3] & 0xc0) | ((i >> 8) & 0x3f);
    return b;
  });
  ids.forEach((id, i) => t.set(id, i));
  ids.forEach((id, i) => assert.is(t.get(id), i));
  const slots = (t as unknown as { slots: Int32Array }).slots;
  let longest = 0;
  for (let s = 0, run = 0; s < slots.length * 2; s++) longest = Math.max(longest, (run = slots[s % slots.length] ? run + 1 : 0));
  assert.ok(longest < 100, `longest probe run ${longest}`);
});

test.run();
