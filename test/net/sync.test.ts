/**
 * Sync goes on until the node has its best peer's head. With a small message budget
 * (URCHAIN_MESSAGE_BUDGET) each sync reply holds one block of the producer's chain, so a thin
 * node that joins late needs one round per block; nothing new is produced meanwhile, so only the
 * node's own rounds can bring it to the head. Progress shows as `sync` events and in the peers
 * status (height, target, syncing).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, until } from './cluster.js';

const S = suite('sync-to-head');
let c: Cluster;
const BLOCKS = 4;
const PER_BLOCK = 150; // × ~300 bytes per transaction: one block per reply under a 64 KiB budget

S.before(async () => {
  process.env.URCHAIN_MESSAGE_BUDGET = String(64 * 1024); // inherited by the node processes
  c = new Cluster({ relay: false });
  await c.admit('full', 'producer');
  await c.admit('thin', 'late');
  await c.init('producer', ['--block-time', '200ms']);
  await c.start('producer', 'full');
});
S.after(async () => {
  delete process.env.URCHAIN_MESSAGE_BUDGET;
  await c.close();
});

S('a thin node joining a chain longer than one sync round reaches the head without a new block', async () => {
  const { encode } = await import('cbor-x');
  for (let b = 0; b < BLOCKS; b++) {
    const body = encode(Array.from({ length: PER_BLOCK }, (_, i) => ({ payload: Buffer.from(`block ${b} record ${i}`) })));
    const res = await fetch(`${c.nodes.producer.url}/v1/records/batch`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/cbor' } }).then((r) => r.json());
    assert.is(res.receipts.length, PER_BLOCK);
    await c.inBlockEverywhere(res.receipts[PER_BLOCK - 1].txId, ['producer']);
  }
  const head = await c.status('producer');
  assert.ok(head.height >= BLOCKS, `the producer made ${head.height} blocks`);

  await c.start('late', 'thin', ['--seed', (await c.peers('producer')).listen]);
  const done = await c.nodes.late.waitFor((e) => e.event === 'synced' && e.height === head.height);
  assert.is(done.height, head.height);
  // It took more than one round, each reported with its target.
  const rounds = c.nodes.late.events.filter((e) => e.event === 'sync');
  assert.ok(rounds.length >= 2, `${rounds.length} sync progress events`);
  assert.ok(rounds.every((e) => e.target === head.height && e.height < head.height));
  const p = await c.peers('late');
  assert.equal({ height: p.sync.height, target: p.sync.target, syncing: p.sync.syncing }, { height: head.height, target: head.height, syncing: false });
  assert.is((await c.status('late')).head, head.head);
  assert.is((await c.status('producer')).height, head.height, 'no block was made meanwhile');
  // The thin node stays in step afterwards.
  const r = await c.send('producer', 'after the sync');
  await c.inBlockEverywhere(r.txId, ['late']);
  await until('the same head', async () => (await c.status('late')).head === (await c.status('producer')).head);
});

S.run();
