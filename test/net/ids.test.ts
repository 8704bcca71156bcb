/** net/ids RecentIds: a bounded set that forgets its oldest ids, whatever view an id comes in. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RecentIds } from '../../src/net/ids.js';

const R = suite('net/ids RecentIds');
const id = (n: number) => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(28, n); // the first bytes (the map's key) equal for all: every id shares one slot
  return b;
};

R('keeps the last `max` ids, forgets older ones; setting an id again does not renew it', () => {
  const r = new RecentIds<number>(3);
  for (let i = 0; i < 5; i++) r.set(id(i), i);
  assert.is(r.get(id(0)), undefined);
  assert.is(r.get(id(1)), undefined);
  assert.equal([2, 3, 4].map((i) => r.get(id(i))), [2, 3, 4]);
  assert.is(r.get(new Uint8Array(id(4))), 4, 'another view of the same bytes');
  r.set(id(2), 20); // not renewed: the next new id pushes it out
  r.set(id(5), 5);
  assert.is(r.get(id(2)), undefined);
  assert.is(r.get(id(3)), 3);
  for (let i = 6; i < 100; i++) r.set(id(i), i);
  assert.equal([97, 98, 99].map((i) => r.get(id(i))), [97, 98, 99]);
  assert.is(r.get(id(96)), undefined);
});

R.run();
