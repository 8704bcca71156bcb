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

test.run();
