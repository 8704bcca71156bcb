/**
 * scripts/readmeCheck.ts, the checker behind `npm run readme-check`, run as a child process on
 * small markdown fixtures (--here --readme FILE): what passes, what fails and where, what is
 * skipped, and that nothing a block started outlives the check — not after a failure, a
 * timeout, a SIGTERM or a SIGKILL of the checker itself. The README itself is not run here: the
 * whole check takes one to two minutes on the 2-core machine (npm run readme-check), past the
 * minute a test of the suite may take.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { adopt, cleanupAfter } from '../support/children.js';
import { root } from '../support/paths.js';
import { tmpDir } from '../support/tmp.js';

cleanupAfter(test);

const checker = path.join(root, 'dist', 'scripts', 'readmeCheck.js');
const fence = '```';

/** Runs the checker on `markdown` (written to DIR/fixture.md); resolves with its exit code and output. */
function check(dir: string, markdown: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const file = path.join(dir, 'fixture.md');
  fs.writeFileSync(file, markdown);
  const p = adopt(spawn(process.execPath, [checker, '--here', '--readme', file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  return { proc: p, out: () => out, done: new Promise<{ code: number | null; out: string }>((r) => p.on('close', (code) => r({ code, out }))) };
}

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/** Waits until `pid` is gone; a poll with a deadline, because no event tells one process of another's end. */
async function awaitGone(pid: number, ms = 15_000) {
  const end = Date.now() + ms;
  while (!gone(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return gone(pid);
}

const readPid = (f: string) => Number(fs.readFileSync(f, 'utf8').trim());

test('a failing block is named with its heading, line and output; later blocks do not run; its background process is stopped', async () => {
  const dir = tmpDir();
  const md = [
    '# fixture', // 1
    '', // 2
    '## Set up', // 3
    '', // 4
    `${fence}sh`, // 5
    `held() { sleep 300; }`, // 6
    `echo "$HOME" > ${dir}/home; echo "\${URCHAIN_NODE-unset}" > ${dir}/env`, // 7
    fence, // 8
    '', // 9
    '## Runs', // 10
    '', // 11
    `${fence}sh`, // 12
    'held &', // 13
    `echo $! > ${dir}/held.pid`, // 14
    fence, // 15
    '', // 16
    '<!-- readme-check: skip needs root -->', // 17
    `${fence}sh`, // 18
    'exit 3', // 19
    fence, // 20
    '', // 21
    '## Fails', // 22
    '', // 23
    `${fence}text`, // 24
    'false', // 25
    fence, // 26
    '', // 27
    `${fence}bash`, // 28
    'echo before', // 29
    'ls /nonexistent-readme-check', // 30
    'echo after', // 31
    fence, // 32
    '', // 33
    '## Never', // 34
    '', // 35
    `${fence}sh`, // 36
    `touch ${dir}/never`, // 37
    fence, // 38
  ].join('\n');
  const r = await check(dir, md, [], { URCHAIN_NODE: 'http://127.0.0.1:1' }).done;
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /ok {4}fixture\.md:5 {2}Set up/);
  assert.match(r.out, /ok {4}fixture\.md:12 {2}Runs/);
  assert.match(r.out, /skip {2}fixture\.md:18 {2}Runs \(needs root\)/);
  assert.match(r.out, /FAIL {2}fixture\.md:28 {2}Fails/);
  assert.match(r.out, /line 30: ls \/nonexistent-readme-check {2}\(exit 2\)/);
  assert.match(r.out, /\| before\n/);
  assert.not.match(r.out, /\| after/);
  assert.match(r.out, /2 blocks passed, 1 failed, 1 skipped, 1 not run/);
  assert.not.ok(fs.existsSync(path.join(dir, 'never')), 'a block after the failed one ran');
  assert.ok(await awaitGone(readPid(path.join(dir, 'held.pid'))), 'the background process outlived the check');
  assert.is.not(fs.readFileSync(path.join(dir, 'home'), 'utf8').trim(), os.homedir(), 'HOME is a temp folder');
  assert.is(fs.readFileSync(path.join(dir, 'env'), 'utf8').trim(), 'unset', 'URCHAIN_* variables are dropped');
});

test('a failure inside a function names the calling line too; a passing run says what it stopped', async () => {
  const dir = tmpDir();
  const fail = ['# f', '', '## A', '', `${fence}sh`, 'f() {', '  test -e /nonexistent-readme-check', '}', 'echo ok', 'f', fence].join('\n');
  const r = await check(dir, fail).done;
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /line 10: f {2}\(exit 1\)/);
  assert.match(r.out, /line 7: test -e \/nonexistent-readme-check {2}\(exit 1, in a function it called\)/);

  const pass = ['# p', '', '## A', '', `${fence}sh`, 'sleep 300 &', `echo $! > ${dir}/left.pid`, fence].join('\n');
  const p = await check(dir, pass).done;
  assert.is(p.code, 0, p.out);
  assert.match(p.out, /note {2}stopped 1 process\(es\) the blocks left running/);
  assert.match(p.out, /1 blocks passed, 0 failed/);
  assert.ok(await awaitGone(readPid(path.join(dir, 'left.pid'))));
});

test('a block over --timeout fails as timed out, and what it started is stopped', async () => {
  const dir = tmpDir();
  const md = ['# t', '', '## Slow', '', `${fence}sh`, `sleep 300 & echo $! > ${dir}/bg.pid`, 'sleep 300', fence].join('\n');
  const r = await check(dir, md, ['--timeout', '1s']).done;
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /FAIL {2}fixture\.md:5 {2}Slow/);
  assert.match(r.out, /timed out after 1\.0 s/);
  assert.ok(await awaitGone(readPid(path.join(dir, 'bg.pid'))));
});

/** Starts the checker on a fixture whose second block hangs; resolves once the first block (which left `sleep` running) has passed. */
async function hanging(dir: string) {
  const md = ['# k', '', '## Start', '', `${fence}sh`, `sleep 300 & echo $! > ${dir}/bg.pid`, `echo "$TMPDIR" > ${dir}/tmpdir`, fence, '', '## Hang', '', `${fence}sh`, 'sleep 300', fence].join('\n');
  const c = check(dir, md);
  await new Promise<void>((resolve, reject) => {
    const rl = readline.createInterface({ input: c.proc.stdout! });
    rl.on('line', (l) => l.startsWith('ok    fixture.md:5') && (rl.close(), resolve()));
    c.proc.once('close', () => reject(new Error(`checker ended: ${c.out()}`)));
  });
  const bg = readPid(path.join(dir, 'bg.pid'));
  assert.not.ok(gone(bg));
  const checkDir = path.dirname(fs.readFileSync(path.join(dir, 'tmpdir'), 'utf8').trim()); // TMPDIR is DIR/tmp
  assert.match(path.basename(checkDir), /^urchain-readme-/);
  return { ...c, bg, checkDir };
}

test('SIGTERM (as Ctrl-C) ends the check: what the blocks started is stopped, the temp folder removed, exit 143', async () => {
  const c = await hanging(tmpDir());
  c.proc.kill('SIGTERM');
  const r = await c.done;
  assert.is(r.code, 143, r.out);
  assert.match(r.out, /FAIL {2}fixture\.md:12 {2}Hang/);
  assert.match(r.out, /interrupted \(SIGTERM\)/);
  assert.ok(gone(c.bg), 'a block process outlived the check');
  assert.not.ok(fs.existsSync(c.checkDir), 'the temp folder was left behind');
});

test('when the checker itself is killed (SIGKILL), the watcher stops what the blocks started and removes the temp folder', async () => {
  const c = await hanging(tmpDir());
  c.proc.kill('SIGKILL');
  await c.done;
  assert.ok(await awaitGone(c.bg), 'a block process outlived a killed checker');
  const end = Date.now() + 15_000; // a poll: the watcher removes it after its grace period, unobserved
  while (fs.existsSync(c.checkDir) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  assert.not.ok(fs.existsSync(c.checkDir), 'the temp folder of a killed checker was left behind');
});

test.run();
