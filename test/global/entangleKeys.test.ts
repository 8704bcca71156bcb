/**
 * The node's internal idempotency keys are out of an API client's reach: a client that sends
 * records under `entangle:…` and `countersign:…` keys before two companies entangle changes
 * nothing — the partner's checkpoints are still taken in, countersignatures come back, and the
 * countersigned proof is served (before, the client's records took those keys: pulls answered
 * "duplicate" for checkpoints never stored, and `prove --countersigned` failed with 503).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import fs from 'node:fs';
import { tmpDir, startNode, startBroker, cli, cleanupAfter } from '../helpers.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { toHex } from '../../src/codec/bytes.js';

const E = suite('entanglement keys');
cleanupAfter(E);

const pad = (h: number) => String(h).padStart(15, '0');
const post = (url: string, key: string, body: string) =>
  fetch(`${url}/v1/records?key=${encodeURIComponent(key)}`, { method: 'POST', body }).then((r) => r.json());

E('records a client sends under internal keys break neither pull nor countersigned proofs', async () => {
  const dir = tmpDir();
  const dataA = path.join(dir, 'a');
  const dataB = path.join(dir, 'b');
  const brokerDir = path.join(dir, 'broker');
  const A = await startNode(dataA, ['--block-time', '150ms']);
  const B = await startNode(dataB, ['--block-time', '150ms']);
  const broker = await startBroker(brokerDir);
  const keyA = path.join(dataA, 'node.key');
  const keyB = path.join(dataB, 'node.key');
  const ka = toHex(readKeyFile(keyA).publicKey);
  const kb = toHex(readKeyFile(keyB).publicKey);
  assert.is((await cli(['broker', 'add-network', ka, kb, '--data', brokerDir, '--name', 'plant-a', '--name', 'plant-b'])).code, 0);
  const partnersA = path.join(dir, 'partners-a.json');
  const partnersB = path.join(dir, 'partners-b.json');
  fs.writeFileSync(partnersA, JSON.stringify({ partners: [{ name: 'plant-b', key: kb }] }));
  fs.writeFileSync(partnersB, JSON.stringify({ partners: [{ name: 'plant-a', key: ka }] }));
  const chainB = (await fetch(`${B.url}/v1/params`).then((x) => x.json())).chainId;

  // The client's records, under every key the node would use for A's checkpoints at B and for
  // B's countersignatures at A, at the heights this test reaches.
  for (let h = 0; h <= 40; h++) {
    await post(B.url, `entangle:${ka}:${pad(h)}`, 'not a checkpoint');
    await post(A.url, `countersign:${pad(h)}:${kb}`, 'not a proof');
    await post(A.url, `countersign:${pad(h)}:${chainB}`, 'not a proof');
  }
  const rec = await post(A.url, 'the-record', 'torque 42 Nm, ok');
  await A.included(rec.txId);

  const run = (args: string[]) => cli(['entangle', ...args, '--broker', broker!.url]);
  const pa = await run(['push', '--node', A.url, '--key', keyA, '--partners', partnersA]);
  assert.is(pa.code, 0, pa.stderr);
  const lb = await run(['pull', '--node', B.url, '--key', keyB, '--partners', partnersB]);
  assert.is(lb.code, 0, lb.stdout + lb.stderr);
  assert.is(lb.json.received.length, 1);
  assert.is(lb.json.received[0].duplicate, false, 'the checkpoint was answered as a duplicate of the client record');
  await B.included(lb.json.received[0].txId);
  const pb = await run(['push', '--node', B.url, '--key', keyB, '--partners', partnersB]);
  assert.is(pb.code, 0, pb.stderr);
  assert.is(pb.json.sent[0].countersignatures, 1);
  const la = await run(['pull', '--node', A.url, '--key', keyA, '--partners', partnersA]);
  assert.is(la.code, 0, la.stdout + la.stderr);
  assert.is(la.json.countersignatures.length, 1, JSON.stringify(la.json));
  assert.is(la.json.countersignatures[0].duplicate, false);
  await A.included(la.json.countersignatures[0].txId);
  // Again: the same countersignature is now a duplicate, not a second record.
  const pb2 = await run(['push', '--node', B.url, '--key', keyB, '--partners', partnersB]);
  assert.is(pb2.code, 0, pb2.stderr);
  const la2 = await run(['pull', '--node', A.url, '--key', keyA, '--partners', partnersA]);
  assert.is(la2.json.countersignatures[0]?.duplicate, true, JSON.stringify(la2.json));

  const pr = await fetch(`${A.url}/v1/proofs/${rec.txId}?countersigned=1`);
  const body = await pr.json();
  assert.is(pr.status, 200, JSON.stringify(body));
  assert.is(body.countersignatures.length, 1);
});

E.run();
