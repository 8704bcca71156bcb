/**
 * `urchain passport`, `passport merge` and `verify PASSPORT` through the real CLI and a real node
 * on 127.0.0.1: a passport from --node and from --data (same bytes), merged with a second
 * company's, verified with the timeline and per-record results, a changed byte failing with a
 * named check, and the --html page written with its connection-forbidding policy.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAfter, tmpDir, startNode, cli, type RunningNode } from '../helpers.js';
import { twoCompanyPassports } from './passportMake.js';

const P = suite('passport cli');
cleanupAfter(P);
let dir: string;
let node: RunningNode;

P.before(async () => {
  dir = tmpDir();
  node = await startNode(path.join(dir, 'a'), ['--block-time', '200ms']);
});
P.after(async () => {
  await node?.stop();
});

P('passport from a node and from its data folder, merged with a partner, verified with its timeline', async () => {
  const steps = ['printed', 'machined', 'inspected'];
  let last = '';
  for (const [i, s] of steps.entries()) {
    const r = await cli(['ingest', 'send', '-', '--node', node.url, '--product', 'SN-7', '--kind', 'station', '--meta', `bizStep=${s}`], `${s} ${i}`);
    assert.is(r.code, 0, r.stderr);
    last = r.json.txId;
  }
  await cli(['ingest', 'send', '-', '--node', node.url, '--product', 'SN-8'], 'another item');
  await node.included(last);
  const f = path.join(dir, 'a.passport.json');
  const viaNode = await cli(['passport', 'SN-7', '--node', node.url, '--countersigned', '--out', f]);
  assert.is(viaNode.code, 0, viaNode.stderr);
  assert.is(viaNode.json.records, 3);
  assert.is(viaNode.json.countersigned, 0, 'no partner yet: plain proofs go in');
  const viaData = await cli(['passport', 'SN-7', '--data', path.join(dir, 'a'), '--countersigned']);
  assert.is(viaData.code, 0, viaData.stderr);
  assert.is(viaData.stdout, fs.readFileSync(f, 'utf8'), 'the same passport, byte for byte');

  const trust = JSON.parse((await cli(['trust', 'export', '--node', node.url])).stdout);
  const b = twoCompanyPassports();
  const bFile = path.join(dir, 'b.passport.json');
  fs.writeFileSync(bFile, b.b);
  const trustFile = path.join(dir, 'customer.trust.json');
  fs.writeFileSync(trustFile, JSON.stringify({ ...trust, partners: [{ name: 'plant-b', ...b.scope(b.B, b.kb) }] }));
  const merged = path.join(dir, 'sn-7.passport.json');
  const m = await cli(['passport', 'merge', f, bFile, '--out', merged]);
  assert.is(m.code, 0, m.stderr);
  assert.equal(m.json.items, ['SN-1', 'SN-7']);
  assert.is(m.json.records, 5);

  const v = await cli(['verify', merged, '--trust', trustFile, '--json']);
  assert.is(v.code, 0, v.stdout + v.stderr);
  assert.is(v.json.valid, true);
  assert.equal(v.json.records.filter((x: any) => x.chain !== 'plant-b').map((x: any) => x.bizStep), steps);
  assert.ok(v.json.records.every((x: any) => x.valid && x.checks.includes('trust')));

  const { partners: _, ...onlyA } = JSON.parse(fs.readFileSync(trustFile, 'utf8'));
  fs.writeFileSync(path.join(dir, 'a.trust.json'), JSON.stringify(onlyA));
  const strict = await cli(['verify', merged, '--trust', path.join(dir, 'a.trust.json'), '--json']);
  assert.is(strict.code, 1, 'plant-b is not named: its records are not trusted');
  assert.is(strict.json.failed, 'trust');
  assert.is(strict.json.summary.invalid, 2);

  const text = fs.readFileSync(merged, 'utf8');
  const at = text.indexOf('"merkleRoot":"') + 20;
  const bad = path.join(dir, 'bad.passport.json');
  fs.writeFileSync(bad, text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1));
  const t = await cli(['verify', bad, '--trust', trustFile, '--json']);
  assert.is(t.code, 1);
  assert.ok(['inclusion', 'seal'].includes(t.json.failed), t.stdout);
});

P('--html writes one self-contained page that forbids every connection', async () => {
  const html = path.join(dir, 'sn-7.html');
  const trust = (await cli(['trust', 'export', '--node', node.url])).stdout;
  fs.writeFileSync(path.join(dir, 't.json'), trust);
  const r = await cli(['passport', 'SN-7', '--node', node.url, '--stripped', '--html', html, '--trust', path.join(dir, 't.json')]);
  assert.is(r.code, 0, r.stderr);
  const page = fs.readFileSync(html, 'utf8');
  assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'/);
  const code = page.replace(/<script type="application\/json" id="urchain-data">[^<]*<\/script>/, ''); // data may name URLs (a trust list's note)
  // The verifier names GS1 Digital Link forms (https://id.gs1.org/...) as text it compares; it never loads them.
  const markup = code.replace(/<script>[^]*<\/script>/, '');
  assert.not.match(markup, /<script src|<link |https?:\/\//);
  assert.not.match(code, /fetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|import\(/, 'the verifier opens no connection');
  assert.is((page.match(/<script/g) ?? []).length, 2, 'the data block and the inline verifier');
  const v = await cli(['verify', path.join(dir, 'a.passport.json'), '--no-trust', '--html', path.join(dir, 'v.html')]);
  assert.is(v.code, 0, v.stderr);
  assert.ok(fs.statSync(path.join(dir, 'v.html')).size > 50_000);
});

P.run();
