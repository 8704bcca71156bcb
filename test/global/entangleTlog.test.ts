/**
 * Entanglement speaking C2SP (entangle push/pull --data): two companies' nodes and a broker on
 * 127.0.0.1. Partners cosign each other's checkpoints (cosignature/v1) only with a consistency
 * proof from what they cosigned before; the cosigned checkpoints come back and are filed where
 * `prove` finds them; an inconsistent checkpoint is refused, kept as evidence and reported.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, startNode, startBroker, cli, cleanupAfter, type RunningNode, type RunningBroker } from '../helpers.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { toHex, fromHex } from '../../src/codec/bytes.js';
import { BrokerClient } from '../../src/global/client.js';
import { sealEnvelope } from '../../src/global/envelope.js';
import { parsePostReply } from '../../src/global/entangle.js';
import { signCheckpoint } from '../../src/chain/checkpoint.js';
import { openTreeHead, signTreeHead } from '../../src/transparency/checkpoint.js';
import { noteKey } from '../../src/transparency/note.js';
import { cosignerKey, verifyCosignatures } from '../../src/transparency/cosignature.js';
import { cosignedFile, cosignedSizes } from '../../src/transparency/stateFile.js';

const E = suite('entanglement with C2SP cosignatures');
cleanupAfter(E);
let A: RunningNode, B: RunningNode, broker: RunningBroker;
let dir: string, dataA: string, dataB: string, partnersA: string, partnersB: string, keyA: string, keyB: string;
let originA: string, originB: string;

E.before(async () => {
  dir = tmpDir();
  dataA = path.join(dir, 'a');
  dataB = path.join(dir, 'b');
  const brokerDir = path.join(dir, 'broker');
  A = await startNode(dataA, ['--block-time', '150ms']);
  B = await startNode(dataB, ['--block-time', '150ms']);
  keyA = path.join(dataA, 'node.key');
  keyB = path.join(dataB, 'node.key');
  broker = await startBroker(brokerDir);
  const ka = toHex(readKeyFile(keyA).publicKey);
  const kb = toHex(readKeyFile(keyB).publicKey);
  assert.is((await cli(['broker', 'add-network', ka, kb, '--data', brokerDir, '--name', 'plant-a', '--name', 'plant-b'])).code, 0);
  partnersA = path.join(dir, 'partners-a.json');
  partnersB = path.join(dir, 'partners-b.json');
  fs.writeFileSync(partnersA, JSON.stringify({ partners: [{ name: 'plant-b', key: kb }] }));
  fs.writeFileSync(partnersB, JSON.stringify({ partners: [{ name: 'plant-a', key: ka }] }));
  originA = (await cli(['checkpoint', '--node', A.url])).stdout.split('\n')[0];
  originB = (await cli(['checkpoint', '--node', B.url])).stdout.split('\n')[0];
});

const run = (what: 'push' | 'pull', n: RunningNode, key: string, partners: string, data: string) => cli(['entangle', what, '--node', n.url, '--broker', broker.url, '--key', key, '--partners', partners, '--data', data]);
const pushA = () => run('push', A, keyA, partnersA, dataA);
const pullA = () => run('pull', A, keyA, partnersA, dataA);
const pushB = () => run('push', B, keyB, partnersB, dataB);
const pullB = () => run('pull', B, keyB, partnersB, dataB);

let firstTx = '';
async function growA() {
  const r = await cli(['ingest', 'send', '-', '--node', A.url, '--product', 'SN-77'], `reading ${Math.random()}`);
  await A.included(r.json.txId);
  firstTx ||= r.json.txId;
}

E('three rounds: B cosigns A (consistency from what it cosigned before), the cosigned checkpoints are filed at A', async () => {
  let lastSize = 0;
  for (let round = 0; round < 3; round++) {
    await growA();
    const pa = await pushA();
    assert.is(pa.code, 0, pa.stderr);
    const sent = pa.json.sent[0].c2sp;
    assert.is(sent.oldSize, lastSize, `round ${round}: the proof starts at the size B cosigned`);
    assert.ok(sent.size > lastSize);
    const lb = await pullB();
    assert.is(lb.code, 0, lb.stdout + lb.stderr);
    assert.equal(lb.json.c2sp[0].cosigned, { origin: originA, size: sent.size, oldSize: lastSize });
    await B.included(lb.json.received[0].txId);
    const pb = await pushB();
    assert.is(pb.code, 0, pb.stderr);
    const la = await pullA();
    assert.is(la.code, 0, la.stdout + la.stderr);
    const mine = la.json.c2sp[0];
    assert.is(mine.returned.size, sent.size, 'B’s cosignature of A’s checkpoint came back');
    // A also cosigned B's checkpoint on the way.
    assert.is(mine.cosigned.origin, originB);
    lastSize = sent.size;
  }
  const sizes = cosignedSizes(dataA);
  assert.is(sizes.length, 3);
  const note = fs.readFileSync(cosignedFile(dataA, lastSize), 'utf8');
  const head = openTreeHead(note, [noteKey(originA, readKeyFile(keyA).publicKey)], originA);
  assert.is(head.size, lastSize);
  const cs = verifyCosignatures(note, [cosignerKey(originB, readKeyFile(keyB).publicKey)]);
  assert.is(cs.length, 1);
  // B's witness state: the last checkpoint of A it cosigned.
  const w = JSON.parse(fs.readFileSync(path.join(dataB, 'tlog', 'witness.json'), 'utf8'));
  assert.is(w.logs[originA].size, lastSize);
});

E('a checkpoint inconsistent with what B cosigned is refused, kept as evidence and reported (exit 1)', async () => {
  const a = readKeyFile(keyA);
  const w = JSON.parse(fs.readFileSync(path.join(dataB, 'tlog', 'witness.json'), 'utf8'));
  const last = w.logs[originA].size;
  // A (or a thief of its key) signs a checkpoint of a rewritten history: another root at a larger size.
  const forged = signTreeHead({ origin: originA, size: last + 3, root: new Uint8Array(32).fill(9) }, a);
  const head = await fetch(`${A.url}/v1/blocks/head?noTxs=1`).then((r) => r.json());
  const cp = signCheckpoint({ chainId: fromHex(head.header.chainId, 32), height: head.height, blockHash: fromHex(head.hash, 32), timestamp: head.header.timestamp }, a);
  const env = sealEnvelope({ checkpoint: cp, countersignatures: [], tlog: { note: forged, oldSize: last, proof: [new Uint8Array(32).fill(1)], cosigned: [] } }, a, readKeyFile(keyB).publicKey);
  const c = new BrokerClient(broker.url, a);
  try {
    await c.call('POST', '/v1/messages', env, parsePostReply);
  } finally {
    await c.close();
  }
  const lb = await pullB();
  assert.is(lb.code, 1, lb.stdout);
  assert.is(lb.json.c2sp[0].refused.status, 422);
  assert.match(lb.stderr, /did not cosign the checkpoint of plant-a \(422\)/);
  assert.is(lb.json.received.length, 1, 'the entanglement checkpoint itself is still taken in');
  const ev = fs.readdirSync(path.join(dataB, 'tlog', 'evidence'));
  assert.is(ev.length, 1);
  assert.ok(fs.readFileSync(path.join(dataB, 'tlog', 'evidence', ev[0]), 'utf8').includes(forged));
  // Nothing changed in what B vouches for.
  assert.is(JSON.parse(fs.readFileSync(path.join(dataB, 'tlog', 'witness.json'), 'utf8')).logs[originA].size, last);
  // An honest push afterwards is cosigned again.
  await growA();
  assert.is((await pushA()).code, 0);
  const again = await pullB();
  assert.is(again.code, 0, again.stdout + again.stderr);
  assert.ok(again.json.c2sp[0].cosigned.size > last);
});

E('prove --format tlog-proof: verify trusts it with the exported lists, names partner B as cosigner, and fails closed', async () => {
  const ta = (await cli(['trust', 'export', '--data', dataA])).json;
  const tb = (await cli(['trust', 'export', '--node', B.url])).json;
  assert.equal(ta.checkpointKeys.length, 1);
  assert.ok(ta.checkpointKeys[0].startsWith(`${originA}+`));
  assert.ok(tb.witnesses[0].startsWith(`${originB}+`));
  // The same lists from --data and --node.
  const taNode = (await cli(['trust', 'export', '--node', A.url])).json;
  assert.equal([taNode.checkpointKeys, taNode.witnesses], [ta.checkpointKeys, ta.witnesses]);
  const trust = path.join(dir, 'customer.trust.json');
  fs.writeFileSync(trust, JSON.stringify({ ...ta, partners: [{ ...tb, name: 'plant-b' }] }));
  const out = path.join(dir, 'sn-77.tlog-proof');
  const pr = await cli(['prove', firstTx, '--data', dataA, '--format', 'tlog-proof', '--out', out]);
  assert.is(pr.code, 0, pr.stderr);
  assert.is(pr.json.cosigned, true);
  const text = fs.readFileSync(out, 'utf8');
  assert.match(text, /^c2sp\.org\/tlog-proof@v1\nextra [A-Za-z0-9+/=]+\nindex [0-9]+\n/);
  const v = await cli(['verify', out, '--trust', trust]);
  assert.is(v.code, 0, v.stdout + v.stderr);
  assert.is(v.json.valid, true);
  assert.is(v.json.trusted, true);
  assert.is(v.json.txId, firstTx);
  assert.is(v.json.checkpoint.origin, originA);
  assert.equal(v.json.cosignedBy.map((c: any) => [c.partner, c.witness]), [['plant-b', originB]]);
  // Without a trust list: consistent, never trusted, cosignatures not attributed.
  const nt = await cli(['verify', out, '--no-trust']);
  assert.is(nt.code, 0, nt.stdout);
  assert.equal([nt.json.trusted, nt.json.cosignedBy, nt.json.cosignatures], [false, [], 1]);
  // Without B as partner, B's cosignature is not counted (still valid: the log's own proof holds).
  const alone = path.join(dir, 'alone.trust.json');
  fs.writeFileSync(alone, JSON.stringify(ta));
  assert.equal((await cli(['verify', out, '--trust', alone])).json.cosignedBy, []);
  // A trust list without A's checkpoint key: the checkpoint is not trusted.
  const nokey = path.join(dir, 'nokey.trust.json');
  fs.writeFileSync(nokey, JSON.stringify({ ...ta, checkpointKeys: tb.checkpointKeys }));
  const nk = await cli(['verify', out, '--trust', nokey]);
  assert.equal([nk.code, nk.json.failed], [1, 'checkpoint']);
  // Tampering: the index, an inclusion line, the extra, the checkpoint root, B's cosignature.
  const lines = text.split('\n');
  const idx = lines.findIndex((l) => l.startsWith('index '));
  const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  const bad: [string, string][] = [
    ['inclusion', [...lines.slice(0, idx), `index ${Number(lines[idx].slice(6)) + 1}`, ...lines.slice(idx + 1)].join('\n')],
    ['inclusion', [...lines.slice(0, idx + 1), flip(lines[idx + 1]), ...lines.slice(idx + 2)].join('\n')],
    ['format', text.replace(/^(c2sp\.org\/tlog-proof@v1\nextra )(.)/, (_m, a: string, c: string) => a + (c === 'e' ? 'f' : 'e'))],
    ['checkpoint', text.replace(/\n\n(urchain\.example\/[^\n]+\n[0-9]+\n)(.)/, (_m, a: string, c: string) => `\n\n${a}${c === 'A' ? 'B' : 'A'}`)],
    ['cosignature', text.replace(new RegExp(`(\u2014 ${originB.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} [A-Za-z0-9+/]{20})(.)`), (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'))],
  ];
  for (const [check, t] of bad) {
    assert.is.not(t, text, check);
    const f = path.join(dir, `bad-${check}.tlog-proof`);
    fs.writeFileSync(f, t);
    const r = await cli(['verify', f, '--trust', trust]);
    assert.is(r.code, 1, `${check}: ${r.stdout}`);
    assert.is(r.json.valid, false);
    assert.ok([check, 'txId', 'payload', 'signature'].includes(r.json.failed), `${check}: failed ${r.json.failed}: ${r.json.reason}`);
  }
});

E.run();
