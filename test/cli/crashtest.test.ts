/**
 * One short run of `npm run crashtest` (test/crashCycle.ts): two kill -9 cycles of a real node
 * under HTTP, batch, Profichain and folder-watch load; every receipt in the chain, no record
 * stored twice, audit passes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tmpDir, cleanup, killChildren } from '../helpers.js';
import { crashCycles } from '../crashCycle.js';

const C = suite('crash cycles');
C.after(() => {
  killChildren();
  cleanup();
});

C('kill -9 twice under four kinds of load, merges of recent txIds running: nothing receipted is lost, nothing is stored twice, audit passes', async () => {
  const r = await crashCycles({ dir: tmpDir('urchain-crash-'), cycles: 2, http: 2, batch: 1, profichain: 1, batchSize: 5, receiptsPerCycle: 20, mergeAt: 8 });
  assert.ok(r.receipts > 0, 'clients got receipts');
  assert.ok(r.byClient.http > 0 && r.byClient.batch > 0 && r.byClient.profichain > 0 && r.byClient.watch > 0, JSON.stringify(r.byClient));
  assert.is(r.lost, 0, `lost: ${r.lostTxIds.join(', ')}`);
  assert.is(r.duplicates, 0, `stored twice: ${r.duplicateIds.join(', ')}`);
  assert.ok(r.audit.ok, JSON.stringify(r.audit));
});

C.run();
