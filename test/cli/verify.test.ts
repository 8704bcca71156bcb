/**
 * `urchain verify` and `urchain trust export` through the real CLI: exit codes of the unchecked
 * and untrusted cases, strict trust files, a proof-of-work chain, and a record taken in at a thin
 * gateway of a company network verifying against the company's exported trust list.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, cleanup, cli, startNode, killChildren, vector, type RunningNode } from '../helpers.js';
import { Cluster, until } from '../net/cluster.js';
import { TestChain, smallOrderSigner } from '../proof/make.js';

const V = suite('verify and trust export');
const golden = vector('formats.json');
let dir: string;
let proofFile: string;
const write = (name: string, v: unknown) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, typeof v === 'string' ? v : JSON.stringify(v));
  return f;
};
const goodTrust = { chains: [golden.params.chainId], authorities: [golden.key.publicKey], origins: [golden.key.publicKey] };

V.before(() => {
  dir = tmpDir();
  proofFile = write('p.json', golden.proof);
});
V.after(() => {
  killChildren();
  cleanup();
});

V('without --trust verify does not exit 0; --no-trust is the explicit structural check', async () => {
  const r = await cli(['verify', proofFile]);
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /needs --trust FILE .* or --no-trust/);
  const both = await cli(['verify', proofFile, '--no-trust', '--trust', write('t.json', goodTrust)]);
  assert.is(both.code, 2);
  const s = await cli(['verify', proofFile, '--no-trust']);
  assert.is(s.code, 0, s.stderr);
  assert.is(s.json.valid, true);
  assert.is(s.json.trusted, false);
  const t = await cli(['verify', proofFile, '--trust', write('t.json', goodTrust)]);
  assert.is(t.code, 0, t.stdout + t.stderr);
  assert.is(t.json.trusted, true);
});

V('trust files that are not trust lists exit 2 with a one-line reason', async () => {
  const cases: [unknown, RegExp][] = [
    [{}, /chains missing/],
    [{ chain: [golden.params.chainId], authority: [golden.key.publicKey] }, /chains missing/],
    [golden.proof, /chains missing/],
    [{ ...goodTrust, origins: ['0100000000000000000000000000000000000000000000000000000000000080'] }, /not a usable ed25519 public key/],
  ]; // (every other refusal: test/proof/trust.test.ts)
  for (const [t, reason] of cases) {
    const r = await cli(['verify', proofFile, '--trust', write('bad.json', t)]);
    assert.is(r.code, 2, `${JSON.stringify(t).slice(0, 60)}: exit ${r.code} ${r.stdout}`);
    assert.match(r.stderr, reason);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.not.match(r.stdout, /trusted/);
  }
});

V('a proof of a chain the trust list does not name is not trusted (exit 1)', async () => {
  const other = new TestChain('other', [smallOrderSigner]).chainId;
  const r = await cli(['verify', proofFile, '--trust', write('t2.json', { ...goodTrust, chains: [Buffer.from(other).toString('hex')] }), '--json']);
  assert.is(r.code, 1, r.stdout);
  assert.is(r.json.failed, 'trust');
  assert.match(r.json.reason, /is not in the trust list/);
});

V('a proof signed by a small-order key (x = 0, sign bit set) fails', async () => {
  const c = new TestChain('forged', [smallOrderSigner]);
  c.block([c.record(smallOrderSigner, 'forged record')]);
  const r = await cli(['verify', write('forged.json', c.proof(1)), '--no-trust', '--json']);
  assert.is(r.code, 1, r.stdout);
  assert.is(r.json.valid, false);
});

V('proof-of-work: trust export lists no authorities, and a genuine proof verifies as trusted', async () => {
  const data = path.join(dir, 'pow');
  const init = await cli(['init', '--data', data, '--consensus', 'pow', '--difficulty', '4']);
  assert.is(init.code, 0, init.stderr);
  let node: RunningNode | undefined;
  try {
    node = await startNode(data, ['--block-time', '200ms']);
    const rec = await cli(['ingest', 'send', '-', '--node', node.url], 'mined record');
    assert.is(rec.code, 0, rec.stderr);
    await node.included(rec.json.txId);
    const p = await cli(['prove', rec.json.txId, '--node', node.url, '--out', path.join(dir, 'pow.proof.json')]);
    assert.is(p.code, 0, p.stderr);
    for (const src of [['--node', node.url], ['--data', data]]) {
      const t = await cli(['trust', 'export', ...src]);
      assert.is(t.code, 0, t.stderr);
      assert.is(t.json.authorities, undefined, 'no "authorities": [] meaning nobody');
      const v = await cli(['verify', path.join(dir, 'pow.proof.json'), '--trust', write('pow.trust.json', t.stdout), '--json']);
      assert.is(v.code, 0, v.stdout);
      assert.is(v.json.trusted, true);
    }
  } finally {
    await node?.stop();
  }
});

V('a record taken in at a thin gateway verifies against the company trust list', async () => {
  const c = new Cluster({ relay: false });
  try {
    await c.admit('full', 'plant');
    await c.admit('thin', 'gw');
    await c.init('plant', ['--block-time', '200ms']);
    const plant = await c.start('plant', 'full');
    await c.start('gw', 'thin', ['--seed', (await c.status(plant)).listen]);
    await until('gateway linked', async () => (await c.peers('gw')).links.length > 0);
    const r = await c.send('gw', 'taken in at the gateway', 'GW-1');
    await c.inBlockEverywhere(r.txId, ['plant']);
    const proof = path.join(dir, 'gw.proof.json');
    const p = await cli(['prove', r.txId, '--node', plant.url, '--out', proof]);
    assert.is(p.code, 0, p.stderr);
    for (const src of [['--node', plant.url], ['--data', path.join(c.dir, 'plant')]]) {
      const t = await cli(['trust', 'export', ...src]);
      assert.is(t.code, 0, t.stderr);
      assert.ok(t.json.origins.includes(Buffer.from(c.keys.gw.publicKey).toString('hex')), `the gateway's key is an origin (${src[0]})`);
      const v = await cli(['verify', proof, '--trust', write('company.trust.json', t.stdout), '--json']);
      assert.is(v.code, 0, v.stdout + v.stderr);
      assert.is(v.json.trusted, true);
      assert.is(v.json.origin, Buffer.from(c.keys.gw.publicKey).toString('hex'));
    }
  } finally {
    await c.close();
  }
});

V.run();
