/**
 * The start-up bundle of `urchain verify` (scripts/buildHot.ts, bin/urchain): every case answers
 * byte for byte as the unbundled CLI does (exit code, stdout, stderr, the page --html writes);
 * the bundled run imports no module of dist/ one by one; a stale bundle (an input newer, as
 * after `tsc` alone), a missing one or a code cache V8 refuses is never used wrongly.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { tmpDir, cleanup, root, bin, vector } from '../helpers.js';
import { buildHot, HOT_DIR, type HotManifest } from '../../scripts/buildHot.js';
import { TestChain, signer } from '../../support/proofChain.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { toHex } from '../../src/codec/bytes.js';
import { leafHash, inclusionProof, rootOf } from '../../src/merkle/tree.js';
import { signTreeHead } from '../../src/transparency/checkpoint.js';
import { checkpointOrigin, chainNoteKeys } from '../../src/transparency/origin.js';
import { makeTlogProof } from '../../src/transparency/tlogProof.js';

const H = suite('start-up bundle');
let dir: string;
let manifest: HotManifest;
const write = (name: string, v: unknown) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, typeof v === 'string' ? v : JSON.stringify(v));
  return f;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every module file the process resolved through the ES module loader. */
  imports: string[];
}

/** Runs `args` through bin/urchain (bundled = true) or dist/commands/cli.js's main(). */
function run(args: string[], bundled: boolean, input = ''): Promise<Run> {
  const log = path.join(dir, `imports-${Math.random().toString(36).slice(2)}.log`);
  const hooks = write('hooks.mjs', `import fs from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) fs.appendFileSync(process.env.IMPORT_LOG, r.url + '\\n'); return r; }\n`);
  const register = write('register.mjs', `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const cliUrl = pathToFileURL(path.join(root, 'dist', 'commands', 'cli.js')).href;
  const entry = bundled ? [bin] : ['--input-type=module', '-e', `import(${JSON.stringify(cliUrl)}).then((m) => m.main(process.argv.slice(1)))`];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', pathToFileURL(register).href, ...entry, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, IMPORT_LOG: log } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const imports = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
      resolve({ code, stdout, stderr, imports });
    });
    p.stdin.end(input);
  });
}

const own = (r: Run) => r.imports.filter((u) => u.startsWith(pathToFileURL(path.join(root, 'dist')).href));

/** The same case bundled and not: the same answer, and the bundled run loaded the bundle. */
async function same(args: string[], input?: string): Promise<Run> {
  const [hot, plain] = [await run(args, true, input), await run(args, false, input)];
  const what = `urchain ${args.join(' ')}`;
  assert.equal({ code: hot.code, stdout: hot.stdout, stderr: hot.stderr }, { code: plain.code, stdout: plain.stdout, stderr: plain.stderr }, what);
  assert.equal(own(hot), [], `${what}: the bundled run imported ${own(hot).join(', ')}`);
  assert.ok(own(plain).some((u) => u.endsWith('/dist/commands/verify.js')), what);
  return hot;
}

H.before(async () => {
  dir = tmpDir();
  manifest = await buildHot('verify');
});
H.after(cleanup);

H('the bundle holds the command and its imports, none newer than it, and only ASCII', () => {
  assert.is(manifest.command, 'verify');
  assert.match(manifest.bundle, /^verify-[0-9a-f]{16}\.cjs$/);
  for (const f of ['dist/commands/cli.js', 'dist/commands/verify.js', 'dist/commands/base.js', 'dist/src/proof/proof.js', 'dist/src/io/fastCrypto.js']) assert.ok(manifest.inputs.includes(f), f);
  assert.ok(manifest.packages.some((f) => f.includes('node_modules/clipanion/')));
  assert.not.ok(manifest.inputs.some((f) => /dist\/commands\/(status|keygen|node\/run)\.js$/.test(f)), 'other commands are not in it');
  const built = fs.statSync(path.join(HOT_DIR, manifest.bundle)).mtimeMs;
  for (const f of manifest.inputs) assert.ok(fs.statSync(path.join(root, f)).mtimeMs <= built, f);
});

H('every case answers as the unbundled CLI: proofs, trust lists, refusals, usage, stdin', async () => {
  const v = vector('proofs.json');
  const proof = write('p.json', v.countersigned);
  const trust = write('t.json', v.trust);
  const tampered = write('bad.json', { ...v.countersigned, txId: v.countersigned.txId.replace(/^./, (c: string) => (c === '0' ? '1' : '0')) });
  const r = await same(['verify', proof, '--trust', trust]);
  assert.is(r.code, 0);
  assert.ok(JSON.parse(r.stdout).valid);
  await same(['verify', proof, '--no-trust']);
  await same(['verify', proof, '--trust', trust, '--json']);
  assert.is((await same(['verify', tampered, '--trust', trust])).code, 1);
  assert.is((await same(['verify', proof])).code, 2); // neither --trust nor --no-trust
  assert.is((await same(['verify', proof, '--trust', proof])).code, 2); // a proof is no trust list
  await same(['verify', path.join(dir, 'missing.json'), '--trust', trust]);
  await same(['verify', '-', '--trust', trust], JSON.stringify(v.countersigned)); // stdin
  await same(['verify', '--help']);
  await same(['verify']);
  await same(['verify', proof, '--no-trust', '--bogus']);
  await same(['verify', proof, '--trust', trust, '--headers', path.join(dir, 'no-headers')]); // the anchor checks, loaded on demand
});

H('a passport, the page --html writes, and a C2SP tlog-proof answer as unbundled', async () => {
  const pv = vector('passport.json');
  const passport = write('passport.json', pv.merged);
  const trust = write('pt.json', pv.trust);
  await same(['verify', passport, '--trust', trust]);
  // --html: the page (the verifier script is found beside its module, as unbundled).
  const a = path.join(dir, 'a.html');
  const b = path.join(dir, 'b.html');
  const hot = await run(['verify', passport, '--trust', trust, '--html', a], true);
  const plain = await run(['verify', passport, '--trust', trust, '--html', b], false);
  assert.is(hot.code, plain.code, hot.stderr);
  assert.is(hot.stdout, plain.stdout);
  assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)), 'the pages differ');

  const key = generateKeyPair();
  const A = new TestChain('plant-a', [signer(key)]);
  for (let i = 0; i < 3; i++) A.block([A.record(signer(key), `reading ${i}`)]);
  const leaves = A.hashes.map(leafHash);
  const note = signTreeHead({ origin: checkpointOrigin(A.params), size: leaves.length, root: rootOf(leaves) }, key);
  const tlog = write('p.tlog-proof', makeTlogProof(A.proof(2), 2, inclusionProof(leaves, 2), note));
  const tlogTrust = write('tt.json', { chains: [toHex(A.chainId)], authorities: [toHex(key.publicKey)], ...chainNoteKeys(A.params) });
  assert.is((await same(['verify', tlog, '--trust', tlogTrust])).code, 0);
});

H('a stale or missing bundle is not used; a refused code cache is made again', async () => {
  const v = vector('proofs.json');
  const args = ['verify', write('p.json', v.countersigned), '--no-trust'];
  const expected = await run(args, false);
  const bundle = path.join(HOT_DIR, manifest.bundle);
  // An input newer than the bundle (tsc rebuilt it, the bundle step did not run): unbundled.
  const input = path.join(root, manifest.inputs[manifest.inputs.length - 1]);
  const { atime, mtime } = fs.statSync(input);
  try {
    fs.utimesSync(input, atime, new Date(Date.now() + 60_000));
    const r = await run(args, true);
    assert.is(r.stdout, expected.stdout);
    assert.ok(own(r).some((u) => u.endsWith('/dist/commands/cli.js')), 'a stale bundle was used');
  } finally {
    fs.utimesSync(input, atime, mtime);
  }
  // The code cache: garbage is refused by V8 (the run still answers) and replaced.
  const cache = `${bundle}.cache`;
  fs.writeFileSync(cache, Buffer.alloc(1000, 7));
  const r = await run(args, true);
  assert.is(r.stdout, expected.stdout);
  assert.equal(own(r), []);
  assert.not.ok(fs.readFileSync(cache).equals(Buffer.alloc(1000, 7)), 'the refused cache was not made again');
  // No bundle file (the manifest names one that is gone): unbundled.
  fs.renameSync(bundle, `${bundle}.away`);
  try {
    const gone = await run(args, true);
    assert.is(gone.stdout, expected.stdout);
    assert.ok(own(gone).some((u) => u.endsWith('/dist/commands/cli.js')));
  } finally {
    fs.renameSync(`${bundle}.away`, bundle);
  }
});

H.run();
