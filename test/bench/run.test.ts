/**
 * The bench's command line (bench/run.ts): `--help` lists the benches and runs none, and a name
 * `--only` does not know is refused instead of running nothing (both used to start the whole run
 * or end with the goal lines alone).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { root } from '../helpers.js';

const bench = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'dist', 'bench', 'run.js'), ...args], { encoding: 'utf8', timeout: 60_000 });

test('--help prints the usage and the bench names, measures nothing, exits 0', () => {
  const r = bench('--help');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: npm run bench -- /);
  for (const name of ['hypercore', 'bytes', 'latency', 'paper', 'proofs']) assert.ok(r.stdout.includes(name), name);
  assert.not.match(r.stdout, /"bench":/, 'no measurement line');
});

test('--only with an unknown name exits 2 and names it', () => {
  const r = bench('--only', 'latencyy');
  assert.is(r.status, 2);
  assert.match(r.stderr, /--only latencyy: no such bench; one of primitives, ingest/);
  assert.is(r.stdout, '');
});

test.run();
