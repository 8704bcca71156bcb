import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { IdMap, idKeyOf } from '../../src/codec/idMap.js';

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('an IdMap behaves as a Map keyed by the ids bytes, also when ids share their key', () => {
  const m = new IdMap<number>();
  const model = new Map<string, number>();
  const ids = Array.from({ length: 3000 }, (_, i) => {
    const b = new Uint8Array(randomBytes(32));
    if (i % 3 === 0) b.set([9, 8, 7, 6]); // a third share one key: told apart in full
    return b;
  });
  assert.is(idKeyOf(ids[0]), idKeyOf(ids[3]));
  ids.forEach((id, i) => {
    m.set(id, i);
    model.set(hexOf(id), i);
    if (i % 5 === 0) {
      const victim = ids[Math.floor(i / 2)];
      assert.is(m.take(victim.slice()), model.get(hexOf(victim)));
      model.delete(hexOf(victim));
    }
  });
  assert.is(m.size, model.size);
  for (const id of ids) assert.is(m.get(id.slice()), model.get(hexOf(id)));
  assert.not.ok(m.add(ids[1].slice(), -1), 'add keeps an existing entry');
  assert.is(m.get(ids[1]), 1);
  assert.ok(m.delete(ids[1]));
  assert.not.ok(m.delete(ids[1]));
  assert.ok(m.add(ids[1], 7));
  assert.is(m.get(ids[1]), 7);
  m.clear();
  assert.is(m.size, 0);
  assert.not.ok(m.has(ids[2]));
});

/** An id whose key is `key` (idKeyOf reads the first four bytes, 30 bits) and the rest random. */
const idWithKey = (key: number): Uint8Array => {
  const b = new Uint8Array(randomBytes(32));
  b[0] = key & 0xff;
  b[1] = (key >>> 8) & 0xff;
  b[2] = (key >>> 16) & 0xff;
  b[3] = (b[3] & 0xc0) | ((key >>> 24) & 0x3f);
  return b;
};

test('an IdMap agrees with a Map through random sets, takes and deletes, its probe runs long and wrapping', () => {
  // Many ids share one of a handful of keys (long probe runs) and the table runs up to half full:
  // removals must move the right entries back into the holes they leave. Then tables of 16 slots,
  // where runs that start near the end wrap around to its first slots (seeds fixed: the same slots
  // every run).
  let seed = 7;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const pool = Array.from({ length: 600 }, (_, i) => idWithKey(i % 4 === 0 ? 1023 - (i % 5) : i % 3 === 0 ? rnd(4) : rnd(1 << 30)));
  const small = Array.from({ length: 8 }, (_, i) => idWithKey([77, 99, 1 << 29][i % 3]));
  agree(new IdMap<number>(0, 0x2545f491), pool, 40_000, rnd);
  for (let k = 1; k <= 200; k++) agree(new IdMap<number>(0, k), small, 2_000, rnd);
});

function agree(m: IdMap<number>, pool: readonly Uint8Array[], steps: number, rnd: (n: number) => number) {
  const model = new Map<string, number>();
  for (let step = 0; step < steps; step++) {
    const id = pool[rnd(pool.length)];
    const k = hexOf(id);
    const op = rnd(10);
    if (op < 5) {
      m.set(id.slice(), step);
      model.set(k, step);
    } else if (op < 7) assert.is(m.take(id.slice()), model.get(k), `take at step ${step}`);
    else if (op < 9) assert.is(m.delete(id), model.has(k), `delete at step ${step}`);
    else assert.is(m.add(id, step), !model.has(k), `add at step ${step}`);
    if (op >= 5 && op < 9) model.delete(k);
    if (op === 9 && !model.has(k)) model.set(k, step);
    assert.is(m.size, model.size);
    if (step % 997 === 0) for (const x of pool) assert.is(m.get(x), model.get(hexOf(x)), `get at step ${step}`);
  }
  const listed = new Map([...m.entries()].map(([id, v]) => [hexOf(id), v]));
  assert.equal(listed, model);
}

test('an IdMap keeps its room when emptied: filled to the same size again, it does not rehash', () => {
  const ids = Array.from({ length: 20_000 }, () => new Uint8Array(randomBytes(32)));
  const m = new IdMap<number>();
  for (const [i, id] of ids.entries()) m.set(id, i);
  const room = m.capacity;
  assert.ok(room >= 40_000);
  for (let round = 0; round < 3; round++) {
    for (const id of ids) assert.ok(m.delete(id));
    assert.is(m.size, 0);
    assert.is(m.capacity, room, 'emptying does not shrink it');
    for (const [i, id] of ids.entries()) m.set(id, i + round);
    assert.is(m.capacity, room, 'refilling to the same size does not grow it');
    assert.is(m.get(ids[12_345]), 12_345 + round);
  }
  const sized = new IdMap<true>(20_000);
  assert.is(sized.capacity, room, 'room asked for at construction');
  for (const id of ids) sized.set(id, true);
  assert.is(sized.capacity, room);
  m.clear();
  assert.is(m.size, 0);
  assert.is(m.capacity, room);
  assert.not.ok(m.has(ids[0]));
});

test('ids that share the low bits of their key spread over the table (the slot mixes in a seed)', () => {
  // 2,000 ids whose keys agree in their low 16 bits: with the key's low bits as the slot they
  // would form one probe run of 2,000; mixed, they land about as random ids do.
  const m = new IdMap<number>(4_000);
  const ids = Array.from({ length: 2_000 }, (_, i) => idWithKey((i << 16) | 0x1234));
  for (const [i, id] of ids.entries()) m.set(id, i);
  for (const [i, id] of ids.entries()) assert.is(m.get(id), i);
  const slots = (m as unknown as { slots: Int32Array }).slots;
  let longest = 0;
  for (let s = 0, run = 0; s < slots.length * 2; s++) longest = Math.max(longest, (run = slots[s % slots.length] ? run + 1 : 0));
  assert.ok(longest < 100, `longest probe run ${longest} (the key's low bits alone: 2,000)`);
});

test('an IdMap copies a 32-byte id in: the caller may reuse or change its buffer; keys of another length are kept as given', () => {
  // One scratch buffer for every id, as a reader that fills the same buffer each time: a map that
  // kept the object would see every entry change with it.
  const ids = Array.from({ length: 500 }, () => new Uint8Array(randomBytes(32)));
  const scratch = new Uint8Array(32);
  const m = new IdMap<number>();
  ids.forEach((id, i) => {
    scratch.set(id);
    m.set(scratch, i);
  });
  scratch.fill(0);
  assert.is(m.size, 500);
  ids.forEach((id, i) => assert.is(m.get(id), i));
  assert.not.ok(m.has(scratch), 'the zeroed scratch buffer is no id of the map');
  const listed = new Map([...m.entries()].map(([id, v]) => [hexOf(id), v]));
  assert.equal(listed, new Map(ids.map((id, i) => [hexOf(id), i])));
  // A 64-byte key (a batch signature) whose first 32 bytes are a 32-byte key of the map is another key.
  const long = new Uint8Array(64);
  long.set(ids[7]);
  long.set(randomBytes(32), 32);
  m.set(long, -1);
  assert.is(m.get(long.slice()), -1);
  assert.is(m.get(ids[7]), 7);
  assert.is(m.get(long.subarray(0, 48)), undefined);
  assert.ok(m.delete(long));
  assert.is(m.get(long), undefined);
  assert.is(m.get(ids[7]), 7);
  // Emptied and filled again, the arena's entries are reused with their new bytes.
  m.clear();
  ids.slice(0, 100).forEach((id, i) => m.set(id, i + 1000));
  assert.is(m.size, 100);
  assert.is(m.get(ids[99]), 1099);
  assert.is(m.get(ids[100]), undefined);
});

test.run();
