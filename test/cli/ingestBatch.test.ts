/**
 * `ingest send --batch` and `ingest watch` against a real node, over HTTP and Profichain: one
 * receipt per record in input order, the records of one batch in one signed batch, failed
 * records named on stderr with exit 1, a malformed input refused whole with exit 2, and files
 * that are ready together sent as one batch.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, startNode, cli, cleanupAfter, type RunningNode } from '../helpers.js';
import { encodeBatch } from '../../src/io/batchBody.js';

const S = suite('ingest send --batch, ingest watch batches');
cleanupAfter(S);
let node: RunningNode;
let pc: string;

S.before(async () => {
  node = await startNode(path.join(tmpDir(), 'n'), ['--block-time', '200ms', '--profichain', '127.0.0.1:0']);
  pc = (await fetch(`${node.url}/v1/status`).then((r) => r.json())).profichain;
});

const lines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));

for (const via of ['node', 'profichain'] as const) {
  S(`--batch over ${via}: receipts in order, one batch, a failed record named, exit 1`, async () => {
    const to = via === 'node' ? ['--node', node.url] : ['--profichain', pc];
    const tag = `${via}-${Date.now()}`;
    const first = await cli(['ingest', 'send', '--batch', '-', ...to], `{"text":"first ${tag}","key":"${tag}"}\n`);
    assert.is(first.code, 0, first.stderr);
    const input = [`{"text":"a ${tag}","product":"SN-${tag}"}`, `{"text":"other content","key":"${tag}"}`, '', `{"payload":"${Buffer.from(`c ${tag}`).toString('base64')}","kind":"reading","meta":{"unit":"bar"}}`].join('\n');
    const r = await cli(['ingest', 'send', '--batch', '-', ...to, '--meta', 'machine=press-7'], input);
    assert.is(r.code, 1, r.stderr);
    const out = lines(r.stdout);
    assert.is(out.length, 3);
    assert.is(out[1].record, 2);
    assert.is(out[1].error.code, 'CONFLICT');
    assert.match(r.stderr, /urchain: record 2: CONFLICT: /);
    assert.match(r.stderr, /1 of 3 records failed/);
    assert.is(out[0].batchRoot, out[2].batchRoot, 'sent together, taken in as one batch');
    const c = await node.included(out[2].txId);
    assert.is(c.core.kind, 'reading');
    assert.equal(c.core.meta, { machine: 'press-7', unit: 'bar' });
    const a = await node.included(out[0].txId);
    assert.is(a.core.meta.product, `SN-${tag}`);
  });
}

S('--batch with a CBOR array file (the batch API body) and --batch-size', async () => {
  const file = path.join(tmpDir(), 'recs.cbor');
  fs.writeFileSync(file, encodeBatch(Array.from({ length: 5 }, (_, i) => ({ payload: Buffer.from(`cbor ${i} ${Date.now()}`) }))));
  const r = await cli(['ingest', 'send', '--batch', file, '--profichain', pc, '--batch-size', '2', '--kind', 'scan']);
  assert.is(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.is(out.length, 5);
  assert.is(new Set(out.map((x) => x.txId)).size, 5);
  assert.is((await node.included(out[4].txId)).core.kind, 'scan');
});

S('a malformed line: exit 2, its line named, nothing sent; --key and --batch-size alone are usage errors', async () => {
  const r = await cli(['ingest', 'send', '--batch', '-', '--node', node.url], '{"text":"fine"}\n{"text":1}\n');
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /line 2: text: expected a string/);
  const k = await cli(['ingest', 'send', '--batch', '-', '--node', node.url, '--key', 'x'], '{"text":"a"}\n');
  assert.is(k.code, 2);
  assert.match(k.stderr, /with --batch, give each record its "key"/);
  const s = await cli(['ingest', 'send', '-', '--node', node.url, '--batch-size', '5'], 'one');
  assert.is(s.code, 2);
  assert.match(s.stderr, /--batch-size goes with --batch/);
  const big = await cli(['ingest', 'send', '--batch', '-', '--node', node.url, '--batch-size', '10001'], '{"text":"a"}\n');
  assert.is(big.code, 2);
  assert.match(big.stderr, /--batch-size: at most 10000/);
});

for (const via of ['node', 'profichain'] as const) {
  S(`ingest watch over ${via}: files ready at one look go out as one batch, each moved after its receipt`, async () => {
    const inbox = path.join(tmpDir(), 'inbox');
    fs.mkdirSync(inbox);
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(inbox, `s${i}.json`), JSON.stringify({ via, i, at: Date.now() }));
    const r = await cli(['ingest', 'watch', inbox, via === 'node' ? '--node' : '--profichain', via === 'node' ? node.url : pc, '--once']);
    assert.is(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.is(out.length, 6);
    assert.is(new Set(out.map((x) => x.txId)).size, 6);
    assert.is(new Set(out.map((x) => x.batchRoot)).size, 1, 'one batch');
    assert.equal(fs.readdirSync(path.join(inbox, '.done')).sort(), ['s0.json', 's1.json', 's2.json', 's3.json', 's4.json', 's5.json']);
  });
}

S.run();
