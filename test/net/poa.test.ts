/**
 * Proof-of-authority with two of three authorities, over the network with real node processes:
 * every block carries two authority signatures gathered by its proposer; the authorities take
 * turns; the chain goes on with one authority stopped and halts (losing nothing) with two
 * stopped, until one comes back.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from './cluster.js';
import { toHex } from '../../src/codec/bytes.js';

const P = suite('poa-countersign');
const c = new Cluster();
const AUTH = ['a1', 'a2', 'a3'];

P.before(async () => {
  await c.admit('full', 'a1');
  await c.admit('producer', 'a2', 'a3');
  await c.admit('thin', 't');
  await c.init('a1', [...AUTH.flatMap((a) => ['--authority', toHex(c.keys[a].publicKey)]), '--threshold', '2', '--block-time', '300ms']);
  await c.start('a1', 'full');
  const seed = (await c.peers('a1')).advertise;
  await c.start('a2', 'producer', ['--seed', seed]);
  await c.start('a3', 'producer', ['--seed', seed]);
  await c.start('t', 'thin', ['--seed', seed]);
});
P.after(() => c.close());

const blockOf = async (n: string, txId: string) => {
  const tx = await fetch(`${c.nodes[n].url}/v1/txs/${txId}`).then((r) => r.json());
  return fetch(`${c.nodes[n].url}/v1/blocks/${tx.block.hash}`).then((r) => r.json());
};

P('every block carries two authority signatures; the authorities take turns proposing', async () => {
  const authKeys = new Set(AUTH.map((a) => toHex(c.keys[a].publicKey)));
  const producers = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const r = await c.send('t', `k-of-n ${i}`);
    await c.inBlockEverywhere(r.txId, ['a1', 'a2', 'a3', 't']);
    const b = await blockOf('t', r.txId);
    const signers = new Set(b.signatures.map((s: { key: string }) => s.key));
    assert.ok(signers.size >= 2 && [...signers].every((k) => authKeys.has(k as string)), `block ${b.height}: ${signers.size} authority signatures`);
    assert.ok(signers.has(b.header.producer), 'the proposer signed');
    producers.add(b.header.producer);
  }
  assert.ok(producers.size >= 2, `blocks proposed by ${producers.size} authorities`);
});

P('one authority stopped: the chain goes on; two stopped: records wait, durable, until one is back', async () => {
  await c.stop('a3');
  const r1 = await c.send('t', 'with a3 stopped');
  await c.inBlockEverywhere(r1.txId, ['a1', 'a2', 't'], 30_000);

  await c.stop('a2');
  // Nothing is pending at a1 now (r1 is in a block), so its producer's next attempt is the first
  // with r2: the error that attempt reports proves a1 tried and could not make the block alone.
  const a1 = c.nodes.a1;
  const mark = a1.events.length;
  const r2 = await c.send('t', 'with a2 and a3 stopped');
  await a1.waitFor((e) => a1.events.indexOf(e) >= mark && e.event === 'error' && e.where === 'producer' && /authority signatures/.test(e.message), 30_000);
  const tx = await fetch(`${a1.url}/v1/txs/${r2.txId}`).then((r) => r.json());
  assert.is(tx.block, null, 'one authority alone cannot make a block');

  await c.start('a2', 'producer', ['--seed', (await c.peers('a1')).advertise]);
  await c.inBlockEverywhere(r2.txId, ['a1', 'a2', 't'], 30_000);
  const b = await blockOf('a1', r2.txId);
  assert.ok(b.signatures.length >= 2);
});

P.run();
