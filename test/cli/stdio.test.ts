/**
 * stdin and stdout as pipes behave in real pipelines: `verify -` and `decrypt -` wait for a slow
 * writer on a non-blocking pipe (no EAGAIN), and a reader that leaves early (`| head -c1`) ends
 * `prove` and `decrypt` quietly with exit 141, without a stack trace.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { tmpDir, startNode, cli, cleanupAfter, bin, vector } from '../helpers.js';
import { encryptTier2, writeAesKeyFile, readAesKeyFile } from '../../src/ingest/profichain/tier2.js';

const S = suite('cli stdio');
let dir: string;
// Nodes a test starts are stopped when it ends, pass or fail; temp folders go after the suite.
cleanupAfter(S);
S.before(() => {
  dir = tmpDir();
});

/**
 * Runs `urchain ARGS` whose stdin is a pipe made non-blocking by another process (a parent that
 * touched its own process.stdin, as node-based tools and test runners do), and feeds it `input`
 * in 64 KiB pieces, each after the one before was taken: the reader catches up with the writer
 * again and again, finding the pipe empty but not closed.
 */
function runSlowStdin(args: string[], input: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const parent = `process.stdin; const c = require('child_process').spawn(process.execPath, ${JSON.stringify([bin, ...args])}, { stdio: 'inherit' }); c.on('exit', (code) => process.exit(code ?? 99));`;
  const p = spawn(process.execPath, ['-e', parent], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  p.stdout.on('data', (d) => out.push(d));
  p.stderr.on('data', (d) => (stderr += d));
  p.stdin.on('error', () => {}); // the old code exits before reading everything
  const done = new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((r) => p.on('close', (code) => r({ code, stdout: Buffer.concat(out), stderr })));
  void (async () => {
    for (let i = 0; i < input.length && !p.stdin.destroyed; i += 65536)
      await new Promise<void>((r) => p.stdin.write(input.subarray(i, i + 65536), () => r()));
    p.stdin.end();
  })();
  return done;
}

/** Runs `urchain ARGS`, reads one chunk of its stdout and closes the pipe, as `| head -c1` does. */
function runClosedEarly(args: string[]): Promise<{ code: number | null; stderr: string; got: number }> {
  const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let got = 0;
  p.stderr.on('data', (d) => (stderr += d));
  p.stdout.once('data', (d) => {
    got = d.length;
    p.stdout.destroy();
  });
  return new Promise((r) => p.on('close', (code) => r({ code, stderr, got })));
}

S('verify - reads a slow, non-blocking pipe to its end: same answer as from the file', async () => {
  const proofFile = path.join(dir, 'vector.proof.json');
  const text = JSON.stringify(vector('formats.json').proof);
  fs.writeFileSync(proofFile, text);
  const fromFile = await cli(['verify', proofFile, '--json']);
  assert.ok(fromFile.json, fromFile.stderr);
  // Leading whitespace is valid JSON and makes the input many pipe-fulls long.
  const r = await runSlowStdin(['verify', '-', '--json'], Buffer.from(' '.repeat(3 << 20) + text));
  assert.not.match(r.stderr, /EAGAIN/);
  assert.equal(JSON.parse(r.stdout.toString()), fromFile.json, r.stderr);
  assert.is(r.code, fromFile.code);
});

S('decrypt - reads a slow, non-blocking pipe to its end', async () => {
  const keyFile = path.join(dir, 'aes.json');
  writeAesKeyFile(keyFile);
  const plain = Buffer.alloc(3 << 20, 'torque 42 Nm\n');
  const ct = Buffer.from(encryptTier2(plain, readAesKeyFile(keyFile)));
  const r = await runSlowStdin(['decrypt', '-', '--key', keyFile], ct);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.equals(plain), `${r.stdout.length} bytes out`);
});

S('decrypt --out writes the plaintext readable by its owner only (0600)', async () => {
  const keyFile = path.join(dir, 'aes-out.json');
  writeAesKeyFile(keyFile);
  const ctFile = path.join(dir, 'secret.ct');
  fs.writeFileSync(ctFile, encryptTier2(Buffer.from('spec rev C'), readAesKeyFile(keyFile)));
  const out = path.join(dir, 'secret.txt');
  const r = await cli(['decrypt', ctFile, '--key', keyFile, '--out', out]);
  assert.is(r.code, 0, r.stderr);
  assert.is(fs.readFileSync(out, 'utf8'), 'spec rev C');
  assert.is(fs.statSync(out).mode & 0o777, 0o600);
});

S('a reader that leaves early: decrypt and prove exit 141 quietly, no EPIPE stack trace', async () => {
  const keyFile = path.join(dir, 'aes.json');
  const ctFile = path.join(dir, 'big.ct');
  fs.writeFileSync(ctFile, encryptTier2(Buffer.alloc(4 << 20, 'x'), readAesKeyFile(keyFile)));
  const d = await runClosedEarly(['decrypt', ctFile, '--key', keyFile]);
  assert.ok(d.got > 0);
  assert.is(d.code, 141, d.stderr);
  assert.is(d.stderr, '');

  const node = await startNode(path.join(dir, 'n'), ['--block-time', '150ms']);
  const big = Buffer.alloc(2 << 20, 'sample ');
  const sent = await cli(['ingest', 'send', '-', '--node', node.url], big);
  assert.is(sent.code, 0, sent.stderr);
  await node.included(sent.json.txId);
  const p = await runClosedEarly(['prove', sent.json.txId, '--node', node.url]);
  assert.ok(p.got > 0);
  assert.is(p.code, 141, p.stderr);
  assert.not.match(p.stderr, /EPIPE|Error|\n\s+at /);
});

S.run();
