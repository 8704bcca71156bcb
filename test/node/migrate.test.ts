/**
 * The store format seen from the command line: `node run`, `audit` and `backup` refuse a folder
 * of a newer format (naming both versions) or an older one (naming `urchain migrate`); `urchain
 * migrate` says what it did (a real format-1 folder to format 5), does nothing the second time,
 * and refuses while a node runs.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';
import { BUCKETS } from '../../src/store/buckets.js';
import { FORMAT_KEY, encodeFormat } from '../../src/store/format.js';
import { tmpDir, cli, startNode, cleanupAfter, root } from '../helpers.js';

const M = suite('store format on the command line');
cleanupAfter(M);

/** Writes (or with undefined removes) the folder's format row, as another release would have. */
async function setFormat(dir: string, v: number | undefined) {
  const env = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 16, compression: false, encoding: 'binary' } as never);
  try {
    const meta = env.openDB({ name: BUCKETS.meta.name, encoding: 'binary', keyEncoding: 'ordered-binary' } as never);
    await (v === undefined ? meta.remove(FORMAT_KEY) : meta.put(FORMAT_KEY, Buffer.from(encodeFormat(v))));
  } finally {
    await env.close();
  }
}

const nodeRun = (dir: string) => cli(['node', 'run', '--data', dir, '--api', '127.0.0.1:0']);

M('a newer format: node run, audit and migrate refuse it, naming both versions; backup copies it, restore refuses that copy', async () => {
  const dir = tmpDir();
  assert.is((await cli(['init', '--data', dir])).code, 0);
  await setFormat(dir, 6);
  for (const args of [['node', 'run', '--data', dir, '--api', '127.0.0.1:0'], ['audit', '--data', dir], ['migrate', '--data', dir]]) {
    const r = await cli(args);
    assert.is(r.code, 1, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /holds store format 6, newer than this urchain knows \(format 5\)/, args[0]);
  }
  const out = path.join(tmpDir(), 'newer.tar');
  const b = await cli(['backup', '--data', dir, '--out', out]);
  assert.is(b.code, 0, b.stderr);
  assert.is(b.json.format, 6);
  const target = path.join(tmpDir(), 'target');
  const rs = await cli(['restore', '--from', out, '--data', target]);
  assert.is(rs.code, 1);
  assert.match(rs.stderr, /holds store format 6, newer than this urchain knows \(format 5\)/);
  assert.not.ok(fs.existsSync(target), 'nothing written');
});

M('an older format: refused with the migrate command; migrate without a step from it says so', async () => {
  const dir = tmpDir();
  assert.is((await cli(['init', '--data', dir])).code, 0);
  await setFormat(dir, 0);
  const r = await nodeRun(dir);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /holds store format 0, older than this urchain's format 5; stop any node on it and run `urchain migrate --data /);
  const m = await cli(['migrate', '--data', dir]);
  assert.is(m.code, 1);
  assert.match(m.stderr, /no migration from store format 0/);
  // Backed up before a migration: copied as it is, and restored as it is.
  const out = path.join(tmpDir(), 'older');
  const b = await cli(['backup', '--data', dir, '--out', out]);
  assert.is(b.code, 0, b.stderr);
  assert.is(b.json.format, 0);
  const target = path.join(tmpDir(), 'target');
  const rs = await cli(['restore', '--from', out, '--data', target]);
  assert.is(rs.code, 0, rs.stderr);
  assert.is(rs.json.format, 0);
  assert.match((await cli(['audit', '--data', target])).stderr, /store format 0, older .*urchain migrate --data/);
});

/** A copy of the real format-1 folder (test/store/fixtures/format1, written by the format-1 code). */
function format1Folder(): string {
  const dir = tmpDir();
  fs.copyFileSync(path.join(root, 'test', 'store', 'fixtures', 'format1', 'chain.lmdb'), path.join(dir, 'chain.lmdb'));
  return dir;
}

M('a format-1 folder: node run refuses it naming migrate; migrate moves it to format 5, audit then passes with the same counts, the node serves its records', async () => {
  const dir = format1Folder();
  const expected = JSON.parse(fs.readFileSync(path.join(root, 'test', 'store', 'fixtures', 'format1', 'format1.json'), 'utf8')).dump;
  const r = await nodeRun(dir);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /holds store format 1, older than this urchain's format 5; stop any node on it and run `urchain migrate --data /);
  const m = await cli(['migrate', '--data', dir]);
  assert.is(m.code, 0, m.stderr);
  assert.equal({ ...m.json, steps: m.json.steps.map((s: { from: number; to: number }) => [s.from, s.to]) }, { data: dir, from: 1, to: 5, steps: [[1, 2], [2, 3], [3, 4], [4, 5]], stamped: false });
  const a = await cli(['audit', '--data', dir, '--json']);
  assert.is(a.code, 0, a.stderr);
  for (const k of ['ok', 'height', 'blocks', 'transactions', 'batches', 'payloads', 'pending']) assert.is(a.json[k], expected.audit[k], k);
  const node = await startNode(dir);
  try {
    for (const txId of [...expected.pending.slice(0, 2), expected.blocks[1].body[0]]) {
      const tx = await fetch(`${node.url}/v1/txs/${txId}`);
      assert.is(tx.status, 200, txId);
    }
  } finally {
    await node.stop();
  }
  assert.equal((await cli(['migrate', '--data', dir])).json, { data: dir, from: 5, to: 5, steps: [], stamped: false });
});

M('migrate: has nothing to do on a current folder; refused while a node runs', async () => {
  const dir = tmpDir();
  assert.is((await cli(['init', '--data', dir])).code, 0);
  const first = await cli(['migrate', '--data', dir]);
  assert.is(first.code, 0, first.stderr);
  assert.equal(first.json, { data: dir, from: 5, to: 5, steps: [], stamped: false });
  const node = await startNode(dir);
  const busy = await cli(['migrate', '--data', dir]);
  assert.is(busy.code, 1);
  assert.match(busy.stderr, /another node \(pid \d+\) is running on/);
  await node.stop();
  const none = await cli(['migrate', '--data', tmpDir()]);
  assert.is(none.code, 1);
  assert.match(none.stderr, /no urchain data in/);
});

M.run();
