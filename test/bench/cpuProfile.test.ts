/**
 * The CPU profile summary `--only profile` and `npm run profile` print (support/cpuProfile.ts),
 * on a small profile written by hand: areas by script URL, native code and Node's generic helpers
 * counted towards their caller, idle as a share of the whole, the rest as shares of busy time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { summariseProfile } from '../../support/cpuProfile.js';
import { tmpDir, cleanupAfter } from '../helpers.js';

cleanupAfter(test);

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 9, columnNumber: 0, scriptId: '0' }, children });

/** Samples: one per ms for each node id as often as given. */
function profileFile(counts: Record<number, number>): string {
  const nodes = [
    frame(1, '(root)', '', [2, 3, 4, 6, 8, 10]),
    frame(2, '(idle)', ''),
    frame(3, 'writeInstructions', 'file:///x/node_modules/lmdb/write.js', [5]),
    frame(4, '(garbage collector)', ''),
    frame(5, '', ''), // native code under lmdb
    frame(6, 'handle', 'file:///x/dist/src/node/api.js', [7]),
    frame(7, 'writeOrBuffer', 'node:internal/streams/writable', [12]),
    frame(8, 'onEvent', 'file:///x/dist/commands/node/run.js', [9]),
    frame(9, 'writeOrBuffer', 'node:internal/streams/writable'),
    frame(10, 'hash', 'node:internal/crypto/hash', [11]),
    frame(11, 'oneShotDigest', ''),
    frame(12, 'writeUtf8String', ''),
  ];
  const samples: number[] = [];
  for (const [id, n] of Object.entries(counts)) for (let i = 0; i < n; i++) samples.push(Number(id));
  samples.push(1); // the last sample lasts until the end: it counts nothing
  const file = path.join(tmpDir(), 'p.cpuprofile');
  fs.writeFileSync(file, JSON.stringify({ nodes, startTime: 0, endTime: (samples.length - 1) * 1000, samples, timeDeltas: samples.map((_, i) => (i === 0 ? 0 : 1000)) }));
  return file;
}

test('areas: native code and Node helpers go to their caller; idle is a share of the whole, the rest of busy time', () => {
  // Time of sample i is the delta to the next one: each listed sample counts 1 ms.
  const s = summariseProfile(profileFile({ 2: 50, 3: 10, 5: 10, 4: 5, 7: 5, 12: 5, 9: 5, 10: 4, 11: 6 }));
  assert.is(s.durationMs, 100);
  assert.is(s.busyShare, 0.5);
  assert.equal(s.areas.idle, { ms: 50, share: 0.5 });
  assert.equal(s.areas.lmdb, { ms: 20, share: 0.4 }); // writeInstructions and the native code under it
  assert.equal(s.areas['http/json'], { ms: 10, share: 0.2 }); // the stream write and its native write, under the API
  assert.equal(s.areas['node events on stdout (--json)'], { ms: 5, share: 0.1 }); // the same helper, under an event
  assert.equal(s.areas['sha256/crypto'], { ms: 10, share: 0.2 });
  assert.equal(s.areas.gc, { ms: 5, share: 0.1 });
  assert.not.ok('node.js (other)' in s.areas);
});

test('top: by self time, idle left out, a native frame named by its caller', () => {
  const s = summariseProfile(profileFile({ 2: 90, 3: 2, 5: 6, 11: 1 }), 2);
  assert.is(s.top.length, 2);
  assert.equal(s.top.map((t) => t.selfMs), [6, 2]);
  assert.is(s.top[0].area, 'lmdb');
  assert.is(s.top[0].where, '(native, called from writeInstructions node_modules/lmdb/write.js:10)');
  assert.is(s.top[1].where, 'node_modules/lmdb/write.js:10');
});

test.run();
