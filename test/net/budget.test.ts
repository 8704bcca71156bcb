/**
 * Messages stay under the size limit: with a small message budget (URCHAIN_MESSAGE_BUDGET), a
 * batch too big to flood whole goes out without payloads and a late archive's sync replies leave
 * payloads out; the archives fetch every missing payload one by one and end up complete, and no
 * honest peer is punished for it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, until } from './cluster.js';

const B = suite('message-budget');
let c: Cluster;
const RECORDS = 12;
const SIZE = 40 * 1024;

B.before(async () => {
  process.env.URCHAIN_MESSAGE_BUDGET = String(64 * 1024); // inherited by the node processes
  c = new Cluster();
  await c.admit('full', 'producer');
  await c.admit('archive', 'archive', 'late');
  await c.admit('thin', 'thin');
  await c.init('producer', ['--block-time', '300ms']);
  await c.start('producer', 'full');
  const seed = (await c.peers('producer')).advertise;
  await c.start('archive', 'archive', ['--seed', seed]);
  await c.start('thin', 'thin', ['--seed', seed]);
});
B.after(async () => {
  delete process.env.URCHAIN_MESSAGE_BUDGET;
  await c.close();
});

const complete = async (n: string, ids: string[]) => {
  for (const id of ids) {
    const t = await fetch(`${c.nodes[n].url}/v1/txs/${id}?payload=1`).then((r) => r.json());
    if (!t.block || !t.payloadStored || Buffer.from(t.payload, 'base64').length !== SIZE) return false;
  }
  return true;
};

B('archives get every payload of batches and blocks too big for one message', async () => {
  await until('thin linked', async () => (await c.peers('thin')).links.length >= 2);
  const { encode } = await import('cbor-x');
  const body = encode(Array.from({ length: RECORDS }, (_, i) => ({ payload: Buffer.alloc(SIZE, i + 1) })));
  const res = await fetch(`${c.nodes.thin.url}/v1/records/batch`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/cbor' } }).then((r) => r.json());
  const ids: string[] = res.receipts.map((r: { txId: string }) => r.txId);
  assert.is(ids.length, RECORDS);
  await until('the producer and the archive hold every payload', async () => (await complete('producer', ids)) && (await complete('archive', ids)), 30_000);
  // A late archive syncs blocks whose payloads do not fit one reply.
  await c.start('late', 'archive', ['--seed', (await c.peers('producer')).advertise]);
  await until('the late archive holds every payload', async () => complete('late', ids), 30_000);
  // (a payload is readable a moment before the fetch that stored it is done with it)
  await until('the late archive misses no payload', async () => (await c.peers('late')).sync.missingPayloads === 0);
  // They got there by fetching what the messages left out (the event comes only after a gap).
  for (const n of ['archive', 'late']) assert.ok(c.nodes[n].events.some((e) => e.event === 'payloads-complete'), `${n} filled a gap`);
  for (const n of ['producer', 'archive', 'late', 'thin'])
    assert.not.ok(c.nodes[n].events.some((e) => e.event === 'bad-peer'), `${n} punished nobody`);
});

B.run();
