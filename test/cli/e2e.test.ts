/**
 * End to end through the real CLI and a real node process on 127.0.0.1: ingest, block, prove,
 * verify; tampering; kill -9 while a client streams records; audit finding a changed byte.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, cleanup, startNode, cli, killChildren, type RunningNode } from '../helpers.js';
import { verifyProof } from '../../src/proof/proof.js';
import { encode as cborEncode } from 'cbor-x';

const E2E = suite('cli end to end');
let dir: string;
let node: RunningNode | undefined;

E2E.after.each(async () => {
  if (node) await node.stop();
  node = undefined;
});
E2E.after(() => {
  killChildren();
  cleanup();
});

E2E('ingest -> block -> prove -> verify, and every changed byte fails verification', async () => {
  dir = tmpDir();
  node = await startNode(path.join(dir, 'a'), ['--block-time', '200ms']);
  const payloads = ['first', 'second record', 'third', 'fourth, with product'];
  const receipts = [];
  for (const p of payloads) {
    const r = await cli(['ingest', 'send', '-', '--node', node.url, '--product', 'SN-4711', '--meta', 'machine=press-7'], p);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.json.durable, true);
    receipts.push(r.json);
  }
  // Twenty records in one batch request share one signature batch and one block, so the proof
  // of one of them has non-empty batch and block paths.
  const batch = await fetch(`${node.url}/v1/records/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/cbor' },
    body: new Uint8Array(cborEncode(Array.from({ length: 20 }, (_, i) => ({ payload: Buffer.from(`line ${i} of a batch`), meta: { product: "SN-BATCH" } })))),
  }).then((r) => r.json());
  assert.is(batch.receipts.length, 20);
  const target = batch.receipts[13].txId;
  await node.included(target);
  await node.included(receipts[3].txId);

  const proofFile = path.join(dir, 'p.json');
  const pr = await cli(['prove', target, '--node', node.url, '--out', proofFile]);
  assert.is(pr.code, 0, pr.stderr);
  const tr = await cli(['trust', 'export', '--node', node.url]);
  assert.is(tr.code, 0, tr.stderr);
  const trustFile = path.join(dir, 'trust.json');
  fs.writeFileSync(trustFile, tr.stdout);

  const v = await cli(['verify', proofFile, '--trust', trustFile]);
  assert.is(v.code, 0, v.stdout + v.stderr);
  assert.is(v.json.valid, true);
  assert.is(v.json.trusted, true);
  assert.is(v.json.txId, target);
  assert.is(v.json.record.meta.product, 'SN-BATCH');

  // The same proof from the data folder, while the node runs, is identical.
  const pr2 = await cli(['prove', target, '--data', path.join(dir, 'a')]);
  assert.equal(pr2.json, JSON.parse(fs.readFileSync(proofFile, 'utf8')));

  const proof = JSON.parse(fs.readFileSync(proofFile, 'utf8'));
  assert.ok(proof.evidence.path.length + proof.block.inclusion.path.length > 0, 'paths are not empty');
  // Flip one hex digit in every hex field, one at a time: each must fail.
  let flips = 0;
  const visit = (obj: any, trail: string[]) => {
    for (const [k, val] of Object.entries(obj)) {
      if (typeof val === 'string' && /^[0-9a-f]{64,128}$/.test(val)) {
        for (const pos of [0, val.length - 1]) {
          const copy = JSON.parse(JSON.stringify(proof));
          let o = copy;
          for (const t of trail) o = o[t];
          o[k] = val.slice(0, pos) + (val[pos] === '0' ? '1' : '0') + val.slice(pos + 1);
          const r = verifyProof(copy, null);
          assert.is(r.valid, false, `flip in ${[...trail, k].join('.')}@${pos} still verified`);
          flips++;
        }
      } else if (typeof val === 'number') {
        const copy = JSON.parse(JSON.stringify(proof));
        let o = copy;
        for (const t of trail) o = o[t];
        o[k] = val + 1;
        assert.is(verifyProof(copy, null).valid, false, `${[...trail, k].join('.')} + 1 still verified`);
        flips++;
      } else if (val && typeof val === 'object') visit(val, [...trail, k]);
    }
  };
  visit(proof, []);
  assert.ok(flips > 40, `flipped ${flips} fields`);

  // Through the CLI: a changed payload byte, path, header and signature each exit 1.
  const tamper = async (mut: (p: any) => void, check: string) => {
    const copy = JSON.parse(JSON.stringify(proof));
    mut(copy);
    const f = path.join(dir, `t-${check}.json`);
    fs.writeFileSync(f, JSON.stringify(copy));
    const r = await cli(['verify', f, '--trust', trustFile, '--json']);
    assert.is(r.code, 1, `${check}: ${r.stdout}`);
    assert.is(r.json.valid, false);
    assert.is(r.json.failed, check);
  };
  await tamper((p) => {
    const b = Buffer.from(p.payload, 'base64');
    b[0] ^= 1;
    p.payload = b.toString('base64');
  }, 'payload');
  await tamper((p) => (p.block.inclusion.path[0] = p.block.inclusion.path[0].replace(/^./, (c: string) => (c === 'a' ? 'b' : 'a'))), 'inclusion');
  await tamper((p) => (p.block.header.timestamp += 1), 'seal');
  await tamper((p) => (p.evidence.signature = p.evidence.signature.replace(/^./, (c: string) => (c === 'a' ? 'b' : 'a'))), 'signature');
  await tamper((p) => (p.core.meta.product = 'SN-0000'), 'txId');
  assert.ok(proof.evidence.batchSize >= 2 && proof.block.header.txCount >= 2);

  // A trust list naming another origin refuses the proof.
  // (the RFC 8032 test 1 key: a valid key that took nothing in here)
  fs.writeFileSync(trustFile, JSON.stringify({ ...tr.json, origins: ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'] }));
  const untrusted = await cli(['verify', proofFile, '--trust', trustFile, '--json']);
  assert.is(untrusted.code, 1);
  assert.is(untrusted.json.failed, 'trust');

  // Stripped proofs verify too, and carry no payload.
  const sp = await cli(['prove', target, '--node', node.url, '--stripped']);
  assert.is(sp.json.payload, undefined);
  assert.is(verifyProof(sp.json, null).valid, true);

  // trace lists the four product records in chain order.
  const t = await cli(['trace', 'SN-4711', '--node', node.url]);
  assert.is(t.json.count, 4);
  assert.equal(t.json.records.map((r: any) => r.txId), receipts.map((r) => r.txId));
});

E2E('kill -9 while a client streams records: every receipt is in a block after restart, audit passes', async () => {
  dir = tmpDir();
  const data = path.join(dir, 'k');
  node = await startNode(data, ['--block-time', '300ms']);
  const url = node.url;
  const receipts: string[] = [];
  let stop = false;
  let failures = 0;
  const WORKERS = 16;
  // Awaited instead of slept for: 3,000 receipts, then every client failing on the dead node.
  let enough = () => undefined as void;
  const gotEnough = new Promise<void>((r) => (enough = r));
  let killed = false;
  const sawDead = new Set<number>();
  let allSawDead = () => undefined as void;
  const everyoneSawDead = new Promise<void>((r) => (allSawDead = r));
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      try {
        const res = await fetch(`${url}/v1/records?product=K${w}`, { method: 'POST', body: `worker ${w} record ${i} `.padEnd(1024, '.') });
        if (res.status !== 200) {
          failures++;
          continue;
        }
        const r = await res.json();
        receipts.push(r.txId);
        if (receipts.length === 3000) enough();
      } catch {
        failures++;
        if (killed && sawDead.add(w).size === WORKERS) allSawDead();
        if (stop) return;
        await new Promise((r) => setTimeout(r, 5)); // client back-off before a retry (the load pattern)
      }
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  await gotEnough;
  killed = true;
  await node.kill9();
  await everyoneSawDead; // every client saw the dead socket
  stop = true;
  await Promise.all(workers);
  const acknowledged = receipts.slice();
  assert.ok(acknowledged.length >= 3000);

  node = await startNode(data, ['--block-time', '300ms']);
  for (const id of acknowledged.slice(-50)) await node.included(id);
  await node.drained(20_000);
  let missing = 0;
  for (const id of acknowledged) {
    const r = await fetch(`${node.url}/v1/txs/${id}`).then((r) => r.json());
    if (!r.block) missing++;
  }
  assert.is(missing, 0, `${missing} of ${acknowledged.length} acknowledged records not in a block`);
  await node.stop();
  node = undefined;
  const a = await cli(['audit', '--data', data, '--json']);
  assert.is(a.code, 0, a.stdout + a.stderr);
  assert.is(a.json.ok, true);
  assert.ok(a.json.transactions >= acknowledged.length);
});

E2E('audit finds one changed byte in the store (payload, then block signature)', async () => {
  dir = tmpDir();
  const data = path.join(dir, 'c');
  node = await startNode(data, ['--block-time', '100ms']);
  const marker = 'UNIQUE-MARKER-' + 'x'.repeat(40);
  const r = await fetch(`${node.url}/v1/records`, { method: 'POST', body: marker }).then((r) => r.json());
  const inc = await node.included(r.txId);
  const blk = await fetch(`${node.url}/v1/blocks/${inc.block.hash}`).then((r) => r.json());
  await node.stop();
  node = undefined;
  assert.is((await cli(['audit', '--data', data])).code, 0);

  const file = path.join(data, 'chain.lmdb');
  const flipAt = (at: number) => {
    const buf = fs.readFileSync(file);
    buf[at] ^= 0x01;
    fs.writeFileSync(file, buf);
  };
  const find = (needle: Buffer) => {
    const at = fs.readFileSync(file).indexOf(needle);
    assert.ok(at >= 0, 'bytes found in the store file');
    return at + 5;
  };
  const payloadAt = find(Buffer.from(marker));
  flipAt(payloadAt);
  let a = await cli(['audit', '--data', data, '--json']);
  assert.is(a.code, 1);
  assert.is(a.json.ok, false);
  assert.is(a.json.problem.check, 'payload');
  assert.is(a.json.problem.txId, r.txId);

  flipAt(payloadAt); // undo
  assert.is((await cli(['audit', '--data', data])).code, 0);
  flipAt(find(Buffer.from(blk.signatures[0].sig, 'hex')));
  a = await cli(['audit', '--data', data, '--json']);
  assert.is(a.code, 1);
  assert.is(a.json.problem.check, 'seal');
  assert.is(a.json.problem.height, inc.block.height);
});

E2E('bad input gets a clear error and leaves the node running', async () => {
  dir = tmpDir();
  node = await startNode(path.join(dir, 'b'), ['--block-time', '1s', '--max-payload', '1000']);
  const big = await fetch(`${node.url}/v1/records`, { method: 'POST', body: 'x'.repeat(5000) });
  assert.is(big.status, 413);
  assert.is((await big.json()).error.code, 'TOO_LARGE');
  const bad = await fetch(`${node.url}/v1/records?kind=NOT%20OK`, { method: 'POST', body: 'x' });
  assert.is(bad.status, 400);
  const badMeta = await fetch(`${node.url}/v1/records?meta.%20=x`, { method: 'POST', body: 'x' });
  assert.is(badMeta.status, 400);
  const garbageBatch = await fetch(`${node.url}/v1/records/batch`, { method: 'POST', body: Buffer.from([0xff, 0x00, 0x13]) });
  assert.is(garbageBatch.status, 400);
  assert.is((await fetch(`${node.url}/v1/txs/zz`)).status, 400);
  assert.is((await fetch(`${node.url}/v1/txs/${'0'.repeat(64)}`)).status, 404);
  const s = await cli(['ingest', 'send', '-', '--node', node.url, '--kind', 'Bad Kind'], 'x');
  assert.is(s.code, 2);
  assert.match(s.stderr, /kind/);
  // idempotency key: a retry returns the first receipt
  const k1 = await cli(['ingest', 'send', '-', '--node', node.url, '--key', 'order-17'], 'once');
  const k2 = await cli(['ingest', 'send', '-', '--node', node.url, '--key', 'order-17'], 'once');
  assert.is(k2.json.txId, k1.json.txId);
  assert.is(k2.json.duplicate, true);
  // still alive
  const ok = await fetch(`${node.url}/v1/records`, { method: 'POST', body: 'fine' });
  assert.is(ok.status, 200);
  // CLI usage errors exit 2; unreadable proof exits 2; a non-proof exits 1
  assert.is((await cli(['verify'])).code, 2);
  assert.is((await cli(['verify', path.join(dir, 'nope.json'), '--no-trust'])).code, 2);
  fs.writeFileSync(path.join(dir, 'junk.json'), '{"hello":1}');
  const junk = await cli(['verify', path.join(dir, 'junk.json'), '--no-trust', '--json']);
  assert.is(junk.code, 1);
  assert.is(junk.json.failed, 'format');
  const down = await cli(['status', '--node', 'http://127.0.0.1:1']);
  assert.is(down.code, 1);
  assert.match(down.stderr, /cannot reach/);
});

E2E('a second node on the same data folder is refused', async () => {
  dir = tmpDir();
  const data = path.join(dir, 'l');
  node = await startNode(data);
  const r = await cli(['node', 'run', '--data', data, '--api', '127.0.0.1:0']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /another node/);
});

E2E.run();
