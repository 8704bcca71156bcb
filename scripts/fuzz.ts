/**
 * `npm run fuzz`: a mutation fuzzer for every decoder untrusted bytes reach (urchain issue 9).
 * Each target starts from a seed corpus of valid inputs and mutates it (bytes, CBOR-aware and
 * JSON-aware, see scripts/fuzz/mutate.ts); the node targets talk to a real node child process
 * over 127.0.0.1, the file targets run `verify` and `entangle pull` in-process. One JSON line per
 * target on stdout:
 *
 *   {"target","inputs","crashes","unhandledRejections","peakRssBytes","seconds",...}
 *
 * A crash is the node process dying, an uncaught exception or unhandled rejection here, a library
 * call throwing something other than an UrchainError, an inconsistent answer, or the node's RSS
 * above --rss-mb. Each one leaves a reproducer in fuzz-crashes/ (the input's bytes and a JSON note
 * with the seed and index to replay it). Exits 1 when anything crashed.
 *
 *   node dist/scripts/fuzz.js [--n N] [--quick] [--only a,b] [--seed S] [--from I]
 *                             [--rss-mb MB] [--cli-every K] [--out DIR] [--serial]
 *
 * Environment: FUZZ_N (default inputs per target), FUZZ_SEED.
 */
import '../src/io/fastCrypto.js'; // OpenSSL signing and sealing, as the CLI has
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FuzzNode, CrashLog, runTarget, type Target } from './fuzz/harness.js';
import { httpBatch, profichainPlain, profichainSealed } from './fuzz/nodeTargets.js';
import { netPre, netPost } from './fuzz/netTargets.js';
import { verifyProofTarget, verifyTrustTarget, entanglePullTarget } from './fuzz/fileTargets.js';
import { seedWorld } from './fuzz/proofs.js';
import { killChildren } from '../support/children.js';
import { root } from '../support/paths.js';

const args = process.argv.slice(2);
const arg = (k: string, d?: string) => {
  const i = args.indexOf(k);
  return i >= 0 ? args[i + 1] : d;
};
const quick = args.includes('--quick');
const n = Number(arg('--n', process.env.FUZZ_N ?? (quick ? '300' : '100000')));
const seed = Number(arg('--seed', process.env.FUZZ_SEED ?? '1'));
const from = Number(arg('--from', '0'));
const rssBound = Number(arg('--rss-mb', '1024')) * 1024 * 1024;
// Inputs that also go through the real CLI binary (a child process each): 20 per target, 4 with --quick.
const cliEvery = Number(arg('--cli-every', String(Math.max(1, Math.floor(n / (quick ? 4 : 20))))));
const only = arg('--only')?.split(',');
const crashDir = path.resolve(arg('--out', path.join(root, 'fuzz-crashes'))!);
if (!Number.isInteger(n) || n < 1) {
  process.stderr.write('fuzz: --n must be a positive integer\n');
  process.exit(2);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-fuzz-'));
const node = new FuzzNode(dir);
const crashes = new CrashLog(crashDir, seed);
let failed = false;
try {
  const world = await seedWorld();
  const targets: Target[] = [
    httpBatch(node),
    profichainPlain(node),
    profichainSealed(node),
    // After the handshake first: the pre-handshake target may leave the node's link table in a
    // state that refuses links (that is one of the defects), which would starve this one.
    netPost(node),
    netPre(node),
    verifyProofTarget(world, dir, cliEvery),
    verifyTrustTarget(world, dir, cliEvery),
    entanglePullTarget(world),
  ].filter((t) => !only || only.includes(t.name));
  if (!targets.length) throw new Error(`--only ${only}: no such target`);
  if (targets.some((t) => t.usesNode)) await node.start();
  // Two lanes on two cores: the node targets (one at a time, so each has the node's peak RSS to
  // itself) beside the in-process targets. --serial runs everything one after the other.
  const lane = async (ts: Target[]) => {
    for (const t of ts) {
      const line = await runTarget(t, { n, from, seed, rssBound, node, crashes });
      console.log(JSON.stringify(line));
      if (line.crashes || line.unhandledRejections) failed = true;
    }
  };
  if (args.includes('--serial')) await lane(targets);
  else await Promise.all([lane(targets.filter((t) => t.usesNode)), lane(targets.filter((t) => !t.usesNode))]);
} catch (e) {
  process.stderr.write(`fuzz: ${(e as Error).stack}\n`);
  failed = true;
} finally {
  await node.stop().catch(() => undefined);
  killChildren();
  fs.rmSync(dir, { recursive: true, force: true });
}
if (crashes.saved.length) process.stderr.write(`fuzz: ${crashes.saved.length} reproducer(s) in ${crashDir}\n`);
process.exit(failed ? 1 : 0);
