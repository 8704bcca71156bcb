/**
 * Two companies, each with its own key and node, one broker, all on 127.0.0.1: entanglement both
 * ways, a countersigned proof verified offline, and the ways it must fail.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { tmpDir, startNode, startBroker, cli, cleanupAfter, type RunningNode, type RunningBroker } from '../helpers.js';
import { verifyProof } from '../../src/proof/proof.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { signRequest } from '../../src/global/auth.js';
import { sealEnvelope } from '../../src/global/envelope.js';
import { signCheckpoint } from '../../src/chain/checkpoint.js';
import { encodeCore, txIdOf, coreFromJson } from '../../src/chain/transaction.js';
import { signBatch } from '../../src/chain/batch.js';
import { headerFromJson, headerToJson, blockHashOf, signHeader, sigsToJson } from '../../src/chain/header.js';
import { leafHash, rootOf, inclusionProof } from '../../src/merkle/tree.js';
import { sha256 } from '../../src/crypto/hash.js';
import { toHex, fromHex } from '../../src/codec/bytes.js';

const E = suite('entanglement');
cleanupAfter(E);
let A: RunningNode, B: RunningNode, broker: RunningBroker;
let dir: string, dataA: string, dataB: string, brokerDir: string, partnersA: string, partnersB: string, trustFile: string;
let keyA: string, keyB: string;

E.before(async () => {
  dir = tmpDir();
  dataA = path.join(dir, 'a');
  dataB = path.join(dir, 'b');
  brokerDir = path.join(dir, 'broker');
  A = await startNode(dataA, ['--block-time', '150ms']);
  B = await startNode(dataB, ['--block-time', '150ms']);
  keyA = path.join(dataA, 'node.key');
  keyB = path.join(dataB, 'node.key');
  broker = await startBroker(brokerDir);
  const ka = toHex(readKeyFile(keyA).publicKey);
  const kb = toHex(readKeyFile(keyB).publicKey);
  const reg = await cli(['broker', 'add-network', ka, kb, '--data', brokerDir, '--name', 'plant-a', '--name', 'plant-b']);
  assert.is(reg.code, 0, reg.stderr);
  partnersA = path.join(dir, 'partners-a.json');
  partnersB = path.join(dir, 'partners-b.json');
  fs.writeFileSync(partnersA, JSON.stringify({ partners: [{ name: 'plant-b', key: kb }] }));
  fs.writeFileSync(partnersB, JSON.stringify({ partners: [{ name: 'plant-a', key: ka }] }));
  const ta = (await cli(['trust', 'export', '--data', dataA])).json;
  const tb = (await cli(['trust', 'export', '--data', dataB])).json;
  trustFile = path.join(dir, 'trust.json');
  // The customer trusts A's records and counts B's countersignatures: B is named as a partner.
  fs.writeFileSync(trustFile, JSON.stringify({ ...ta, partners: [{ ...tb, name: 'plant-b' }] }));
});

const pushA = () => cli(['entangle', 'push', '--node', A.url, '--broker', broker.url, '--key', keyA, '--partners', partnersA]);
const pushB = () => cli(['entangle', 'push', '--node', B.url, '--broker', broker.url, '--key', keyB, '--partners', partnersB]);
const pullA = () => cli(['entangle', 'pull', '--node', A.url, '--broker', broker.url, '--key', keyA, '--partners', partnersA]);
const pullB = () => cli(['entangle', 'pull', '--node', B.url, '--broker', broker.url, '--key', keyB, '--partners', partnersB]);

let recordTx: string;
let proof: any;

E('records at A, push/pull both ways twice, a countersigned proof verifies offline', async () => {
  const r = await cli(['ingest', 'send', '-', '--node', A.url, '--product', 'SN-9'], 'torque 42 Nm, ok');
  recordTx = r.json.txId;
  await A.included(recordTx);
  for (let round = 0; round < 2; round++) {
    const pa = await pushA();
    assert.is(pa.code, 0, pa.stderr);
    assert.is(pa.json.sent.length, 1);
    const lb = await pullB();
    assert.is(lb.code, 0, lb.stdout + lb.stderr);
    assert.is(lb.json.received.length, 1);
    await B.included(lb.json.received[0].txId);
    const pb = await pushB();
    assert.is(pb.code, 0, pb.stderr);
    assert.ok(pb.json.sent[0].countersignatures >= 1, 'B returns its proof of taking in A’s checkpoint');
    const la = await pullA();
    assert.is(la.code, 0, la.stdout + la.stderr);
    assert.ok(la.json.countersignatures.length >= 1);
    for (const c of la.json.countersignatures) await A.included(c.txId);
  }
  // A second pull finds nothing new; running push/pull again is harmless.
  assert.equal((await pullA()).json.received, []);

  const pr = await cli(['prove', recordTx, '--node', A.url, '--countersigned']);
  assert.is(pr.code, 0, pr.stderr);
  proof = pr.json;
  assert.ok(proof.countersignatures.length === 1);
  const f = path.join(dir, 'countersigned.json');
  fs.writeFileSync(f, JSON.stringify(proof));
  const v = await cli(['verify', f, '--trust', trustFile]);
  assert.is(v.code, 0, v.stdout);
  assert.is(v.json.valid, true);
  const chainB = (await fetch(`${B.url}/v1/params`).then((x) => x.json())).chainId;
  assert.is(v.json.countersignedBy[0].chainId, chainB);
  assert.is(v.json.countersignedBy[0].partner, 'plant-b');
  assert.ok(v.json.countersignedBy[0].linkHeight >= v.json.block.height);
});

E('one byte changed anywhere in the countersignature fails verification', () => {
  const trust = JSON.parse(fs.readFileSync(trustFile, 'utf8'));
  assert.is(verifyProof(proof, trust).valid, true);
  let n = 0;
  const visit = (obj: any, trail: (string | number)[]) => {
    for (const [k, val] of Object.entries(obj)) {
      const here = [...trail, k];
      const mutate = (fn: (o: any) => void) => {
        const copy = JSON.parse(JSON.stringify(proof));
        let o = copy;
        for (const t of here.slice(0, -1)) o = o[t];
        fn(o);
        const r = verifyProof(copy, trust);
        assert.is(r.valid, false, `${here.join('.')} changed and still valid`);
        n++;
      };
      if (typeof val === 'string' && /^[0-9a-f]{64,128}$/.test(val)) mutate((o) => (o[k] = (val[0] === '0' ? '1' : '0') + val.slice(1)));
      else if (typeof val === 'number' && k !== 'blockTime') mutate((o) => (o[k] = val + 1));
      else if (k === 'payload' && typeof val === 'string') mutate((o) => {
        const b = Buffer.from(val, 'base64');
        b[b.length - 1] ^= 1;
        o[k] = b.toString('base64');
      });
      else if (val && typeof val === 'object') visit(val, here);
    }
  };
  visit(proof.countersignatures, ['countersignatures']);
  assert.ok(n > 30, `${n} mutations`);
});

E('A cannot rewrite history alone: a forged record proves on A alone, but not countersigned', () => {
  const trust = JSON.parse(fs.readFileSync(trustFile, 'utf8'));
  const a = readKeyFile(keyA);
  const forged = JSON.parse(JSON.stringify(proof));
  // A changes the record and re-signs everything it can sign: the batch and block h.
  const payload = Buffer.from('torque 12 Nm, ok');
  const core = coreFromJson(forged.core);
  core.payloadDigest = sha256(payload);
  core.payloadLength = payload.length;
  const txId = txIdOf(encodeCore(core));
  const b = signBatch([txId], a);
  forged.payload = payload.toString('base64');
  forged.core.payloadDigest = toHex(core.payloadDigest);
  forged.core.payloadLength = payload.length;
  forged.txId = toHex(txId);
  forged.evidence = { batchSize: 1, index: 0, path: [], signature: toHex(b.signature) };
  const h = headerFromJson(forged.block.header);
  h.merkleRoot = rootOf([leafHash(txId)]);
  h.txCount = 1;
  const hash = blockHashOf(h);
  forged.block = { hash: toHex(hash), header: headerToJson(h), signatures: sigsToJson([signHeader(hash, a)]), inclusion: { index: 0, path: inclusionProof([leafHash(txId)], 0).map(toHex) } };
  const alone = { ...forged };
  delete alone.countersignatures;
  assert.is(verifyProof(alone, trust).valid, true, 'without partners, a forger with the key can make a valid proof');
  const r = verifyProof(forged, trust);
  assert.is(r.valid, false);
  assert.is((r as any).failed, 'countersignature');
  // Re-signing the link block too does not help: B's checkpoint names the original hash.
  const link = forged.countersignatures[0].link;
  const lh = headerFromJson(link.header);
  if (lh.height > h.height) {
    lh.historyRoot = fromHex('00'.repeat(32));
    const lhash = blockHashOf(lh);
    link.header = headerToJson(lh);
    link.hash = toHex(lhash);
    link.signatures = sigsToJson([signHeader(lhash, a)]);
    const r2 = verifyProof(forged, trust);
    assert.is(r2.valid, false);
  }
});

E('the broker holds no checkpoint in plaintext and refuses unregistered, replayed and tampered requests', async () => {
  // Every block hash A or B ever checkpointed appears nowhere in the broker's files.
  const files = fs.readdirSync(brokerDir).map((f) => fs.readFileSync(path.join(brokerDir, f)));
  for (const u of [A.url, B.url]) {
    for (let height = 1; ; height++) {
      const blk = await fetch(`${u}/v1/blocks/${height}`).then((r) => r.json());
      if (blk.error) break;
      for (const f of files) {
        assert.is(f.indexOf(Buffer.from(blk.hash, 'hex')), -1, 'raw block hash in broker file');
        assert.is(f.indexOf(Buffer.from(blk.hash)), -1, 'hex block hash in broker file');
      }
    }
  }
  const stranger = generateKeyPair();
  const empty = new Uint8Array(0);
  let res = await request(`${broker.url}/v1/messages`, { method: 'GET', headers: signRequest(stranger, 'GET', '/v1/messages', empty) });
  assert.is(res.statusCode, 403);
  assert.match(JSON.stringify(await res.body.json()), /not registered/);

  const a = readKeyFile(keyA);
  const headers = signRequest(a, 'GET', '/v1/messages', empty);
  res = await request(`${broker.url}/v1/messages`, { method: 'GET', headers });
  assert.is(res.statusCode, 200);
  await res.body.text();
  res = await request(`${broker.url}/v1/messages`, { method: 'GET', headers });
  assert.is(res.statusCode, 409);
  assert.match(JSON.stringify(await res.body.json()), /replayed/);

  const bKey = readKeyFile(keyB).publicKey;
  const env = sealEnvelope({ checkpoint: signCheckpoint({ chainId: new Uint8Array(32), height: 1, blockHash: new Uint8Array(32), timestamp: 1 }, a), countersignatures: [] }, a, bKey);
  env[env.length - 70] ^= 1; // inside the ciphertext
  res = await request(`${broker.url}/v1/messages`, { method: 'POST', body: Buffer.from(env), headers: signRequest(a, 'POST', '/v1/messages', env) });
  assert.is(res.statusCode, 401);
  assert.match(JSON.stringify(await res.body.json()), /tampered|forged/);

  const big = new Uint8Array(2 * 1024 * 1024);
  res = await request(`${broker.url}/v1/messages`, { method: 'POST', body: Buffer.from(big), headers: signRequest(a, 'POST', '/v1/messages', big) });
  assert.is(res.statusCode, 413);
  assert.match(await res.body.text(), /TOO_LARGE/);
});

E('a broker restart loses no unacknowledged message; a down broker is a clear error', async () => {
  const p = await pushA();
  assert.is(p.code, 0);
  await broker.stop();
  const down = await cli(['entangle', 'pull', '--node', B.url, '--broker', broker.url, '--key', keyB, '--partners', partnersB]);
  assert.is(down.code, 1);
  assert.match(down.stderr, /broker at .* unreachable/);
  broker = await startBroker(brokerDir, broker.url.replace('http://', ''));
  const l = await pullB();
  assert.is(l.code, 0, l.stderr);
  assert.is(l.json.received.length, 1);
  assert.is(l.json.received[0].height, p.json.checkpoint.height);
});

E.run();
