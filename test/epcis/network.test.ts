/**
 * The identifier index across a network: an EPCIS event taken in at a thin node reaches the
 * producer by flooding, which derives the same index rows from the signed core (trace finds it
 * there in both identifier forms, audit agrees), and the same event sent to the producer is a
 * duplicate, because its hash id is in every node's index.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from '../helpers.js';
import { Cluster, until } from '../net/cluster.js';
import { toHex } from '../../src/codec/bytes.js';

const event = (serial: string) =>
  JSON.stringify({ type: 'ObjectEvent', eventTime: '2024-05-01T10:00:00Z', eventTimeZoneOffset: '+00:00', action: 'OBSERVE', bizStep: 'shipping', epcList: [`urn:epc:id:sgtin:4012345.011111.${serial}`], readPoint: { id: 'urn:epc:id:sgln:4012345.00001.0' } });

test('an event flooded from a thin node is indexed alike on the producer, and a duplicate there', async () => {
  const c = new Cluster();
  try {
    await c.admit('full', 'full');
    await c.admit('thin', 'thin');
    await c.init('full', ['--block-time', '300ms']);
    await c.start('full', 'full');
    const seed = (await c.peers(c.nodes.full)).advertise;
    await c.start('thin', 'thin', ['--seed', seed]);
    await until('thin linked to the producer', async () => (await c.peers(c.nodes.thin)).links.some((l: any) => l.key === toHex(c.keys.full.publicKey)));
    const r = await cli(['ingest', 'epcis', '-', '--node', c.nodes.thin.url, '--json'], event('N-1'));
    assert.is(r.code, 0, r.stderr);
    const [stored] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.is(stored.status, 'stored');
    await c.inBlockEverywhere(stored.txId, ['full', 'thin']);
    for (const form of ['urn:epc:id:sgtin:4012345.011111.N-1', 'https://id.gs1.org/01/04012345111118/21/N-1', 'https://id.gs1.org/414/4012345000016', stored.hashId]) {
      const t = await fetch(`${c.nodes.full.url}/v1/products/${encodeURIComponent(form)}`).then((x) => x.json());
      assert.equal(t.records.map((x: any) => x.txId), [stored.txId], form);
    }
    const again = await cli(['ingest', 'epcis', '-', '--node', c.nodes.full.url, '--json'], JSON.stringify(JSON.parse(event('N-1')), null, 2));
    assert.is(again.code, 0, again.stderr);
    const [dup] = again.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal([dup.status, dup.txId], ['duplicate', stored.txId]);
    await c.stop('full');
    const a = await cli(['audit', '--data', `${c.dir}/full`]);
    assert.is(a.code, 0, a.stdout + a.stderr);
  } finally {
    await c.close();
  }
});

test.run();
