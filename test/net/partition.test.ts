/**
 * A partition under proof-of-work, with real node processes: two producers (each with a thin
 * node) are cut apart at the socket level and both keep making blocks; after the heal every node
 * follows one canonical chain, and every record that got a receipt on either side is in it —
 * the losing side's records re-included from its abandoned blocks.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, until } from './cluster.js';

const P = suite('partition');
const c = new Cluster();
const ALL = ['a', 'ta', 'b', 'tb'];

P.before(async () => {
  await c.admit('full', 'a');
  await c.admit('producer', 'b');
  await c.admit('thin', 'ta', 'tb');
  await c.init('a', ['--consensus', 'pow', '--difficulty', '8', '--block-time', '300ms']);
  await c.start('a', 'full');
  const seed = (await c.peers('a')).advertise;
  await c.start('b', 'producer', ['--seed', seed]);
  await c.start('ta', 'thin', ['--seed', seed]);
  await c.start('tb', 'thin', ['--seed', seed]);
});
P.after(() => c.close());

const linkedTo = async (n: string, others: string[]) => {
  const keys = new Set(others.map((o) => Buffer.from(c.keys[o].publicKey).toString('hex')));
  return (await c.peers(n)).links.filter((l: { key: string }) => keys.has(l.key)).length;
};

P('two producers cut apart both make blocks; after the heal all nodes share one chain holding every receipted record', async () => {
  const first = await c.send('ta', 'before the partition');
  await c.inBlockEverywhere(first.txId, ALL);

  c.sb.partition(['a', 'ta'], ['b', 'tb']);
  for (const [n, others] of [['a', ['b', 'tb']], ['ta', ['b', 'tb']], ['b', ['a', 'ta']], ['tb', ['a', 'ta']]] as const)
    await until(`${n} cut from the other side`, async () => (await linkedTo(n, [...others])) === 0);
  const base = (await c.status('a')).height;

  const sideA: string[] = [];
  const sideB: string[] = [];
  for (let i = 0; i < 4; i++) {
    sideA.push((await c.send('a', `A side ${i}`)).txId, (await c.send('ta', `A side thin ${i}`)).txId);
    sideB.push((await c.send('b', `B side ${i}`)).txId, (await c.send('tb', `B side thin ${i}`)).txId);
  }
  for (const id of sideA) await c.inBlockEverywhere(id, ['a', 'ta']);
  for (const id of sideB) await c.inBlockEverywhere(id, ['b', 'tb']);
  const blockOf = async (n: string, id: string) => (await fetch(`${c.nodes[n].url}/v1/txs/${id}`).then((r) => r.json())).block?.hash as string;
  const during = new Map<string, string>();
  for (const id of sideA) during.set(id, await blockOf('a', id));
  for (const id of sideB) during.set(id, await blockOf('b', id));
  const [ha, hb] = [await c.status('a'), await c.status('b')];
  assert.ok(ha.height > base && hb.height > base, 'both sides made blocks');
  assert.is.not(ha.head, hb.head, 'the two sides forked');
  assert.not.ok((await fetch(`${c.nodes.a.url}/v1/txs/${sideB[0]}`)).ok, 'side A never saw side B records');

  c.sb.heal();
  const everything = [first.txId, ...sideA, ...sideB];
  for (const id of everything) await c.inBlockEverywhere(id, ALL, 40_000);
  // No new record is needed to settle a tie: between branches of equal work the lowest block
  // hash wins on every node, so once each knows both branches they all pick the same head.
  await until('one head everywhere', async () => new Set(await Promise.all(ALL.map(async (n) => (await c.status(n)).head))).size === 1, 30_000);
  // Still all there on the one chain (a late reorg would have moved them back to pending).
  for (const n of ALL)
    for (const id of everything) {
      const tx = await fetch(`${c.nodes[n].url}/v1/txs/${id}`).then((r) => r.json());
      assert.ok(tx.block, `${id.slice(0, 8)} in a block on ${n}`);
    }
  const reorgs = ALL.flatMap((n) => c.nodes[n].events.filter((e) => e.event === 'reorg'));
  assert.ok(reorgs.length > 0, 'the losing side reorganised');
  // The winning side's records stay in their blocks; the losing side's are re-included in new ones.
  const moved = async (ids: string[]) => (await Promise.all(ids.map(async (id) => (await blockOf('tb', id)) !== during.get(id)))).filter(Boolean).length;
  const [movedA, movedB] = [await moved(sideA), await moved(sideB)];
  assert.ok((movedA === sideA.length && movedB === 0) || (movedB === sideB.length && movedA === 0), `moved: A ${movedA}/${sideA.length}, B ${movedB}/${sideB.length}`);
});

P.run();
