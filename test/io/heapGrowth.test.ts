/**
 * io/heapGrowth and `node run --heap-growth`: the factor set at run time reaches V8 (a child
 * process that keeps promoting objects runs far fewer full collections at 1000 % than at 10 %),
 * bad values are refused, by the function and by the command; pretenuring switched off at run
 * time makes V8 tenure no allocation site.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { setHeapGrowth, setPretenuring, MAX_HEAP_GROWTH } from '../../src/io/heapGrowth.js';
import { root } from '../../support/paths.js';
import { tmpDir, cli, cleanupAfter } from '../helpers.js';

const H = suite('heap growth');
cleanupAfter(H);

/**
 * Full collections (V8's --trace-gc lines) in a child that sets `percent`, then keeps 500,000
 * objects alive in a ring and replaces them 6 million times: each lives through several young
 * collections, is promoted and dies old, as a pending record's id and pool entry do.
 */
async function fullCollections(percent: number): Promise<number> {
  const mod = pathToFileURL(path.join(root, 'dist/src/io/heapGrowth.js')).href;
  const script = `import { setHeapGrowth } from ${JSON.stringify(mod)};
setHeapGrowth(${percent});
const ring = new Array(500000);
for (let i = 0; i < 6000000; i++) ring[i % ring.length] = { i, s: 'x' + i };`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--trace-gc', '--input-type=module', '-e', script], { timeout: 60_000, maxBuffer: 16 << 20 });
  return stdout.split('\n').filter((l) => l.includes('Mark-Compact')).length;
}

H('the factor set at run time decides how often V8 runs a full collection', async () => {
  const tight = await fullCollections(10);
  const loose = await fullCollections(1000);
  assert.ok(tight >= 4 * Math.max(1, loose), `full collections at 10 %: ${tight}, at 1000 %: ${loose}`);
});

H('setHeapGrowth refuses what is not a percent in range; 0 leaves V8 alone', () => {
  for (const bad of [-1, 1.5, MAX_HEAP_GROWTH + 1, Number.NaN]) assert.throws(() => setHeapGrowth(bad), /heap growth/);
  setHeapGrowth(0);
});

H('node run --heap-growth takes a whole number up to the maximum', async () => {
  const data = path.join(tmpDir(), 'n');
  for (const [v, msg] of [
    ['lots', /--heap-growth: expected a whole number, got "lots"/],
    [String(MAX_HEAP_GROWTH + 1), /--heap-growth: expected a whole number of at most 10000, got "10001"/],
  ] as const) {
    const r = await cli(['node', 'run', '--data', data, '--heap-growth', v]);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, msg);
  }
});

/**
 * V8's pretenuring decisions (--trace-pretenuring-statistics lines "=> tenure") in a child that
 * sets pretenuring `on` or off, then makes objects at one literal site that all live through
 * several young collections: the site V8 would allocate in the old generation.
 */
async function tenureDecisions(on: boolean): Promise<number> {
  const mod = pathToFileURL(path.join(root, 'dist/src/io/heapGrowth.js')).href;
  const script = `import { setPretenuring } from ${JSON.stringify(mod)};
setPretenuring(${on});
const keep = [];
const make = (i) => ({ i, a: i + 1, s: 'x' });
for (let round = 0; round < 40; round++) {
  for (let i = 0; i < 50000; i++) keep.push(make(i));
  if (keep.length > 400000) keep.splice(0, 200000);
}`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--trace-pretenuring-statistics', '--input-type=module', '-e', script], { timeout: 60_000, maxBuffer: 16 << 20 });
  return stdout.split('\n').filter((l) => l.includes('=> tenure')).length;
}

H('pretenuring switched off at run time: V8 tenures no allocation site (switched on, it does)', async () => {
  const on = await tenureDecisions(true);
  const off = await tenureDecisions(false);
  assert.ok(on >= 1, `tenure decisions with pretenuring on: ${on}`);
  assert.is(off, 0, `tenure decisions with pretenuring off: ${off}`);
});

H.run();
