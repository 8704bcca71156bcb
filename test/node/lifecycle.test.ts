/**
 * A node never half-runs: a start that fails closes every listener, keeps its data-folder lock
 * until its process is gone, persists nothing and exits; the lock tells a live node from a dead
 * one (kill -9, a reused pid); --genesis of another chain is refused; data files are private.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { tmpDir, startNode, cli, bin, cleanupAfter, adopt } from '../helpers.js';
import { UrchainNode } from '../../src/node/node.js';
import { identity, LOCK_FILE } from '../../src/node/lock.js';
import { initData } from '../../src/node/init.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { signMembers, writeMembersFile } from '../../src/net/members.js';
import { toHex } from '../../src/codec/bytes.js';

const L = suite('node lifecycle');
const closing = cleanupAfter(L);
const servers: net.Server[] = [];

L.after.each(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A port something listens on, for as long as the test runs. */
async function busyPort(): Promise<number> {
  const s = net.createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Resolves true when something accepts a TCP connection on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}

/** Runs `urchain ARGS`; kills it after `ms` (then `code` is 'running'). Times the exit after the first stderr line. */
function run(args: string[], ms = 10_000): Promise<{ code: number | null | 'running'; stderr: string; exitAfterErrorMs: number }> {
  return new Promise((resolve) => {
    const p = adopt(spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stderr = '';
    let firstErr = 0;
    let timedOut = false;
    p.stdout.resume();
    p.stderr.on('data', (d) => {
      firstErr ||= Date.now();
      stderr += d;
    });
    const t = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, ms);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code: timedOut ? 'running' : code, stderr, exitAfterErrorMs: firstErr ? Date.now() - firstErr : -1 });
    });
  });
}

/** A folder with a chain and a member list that admits its node key. */
async function memberFolder(dir: string, name: string) {
  const data = path.join(dir, name);
  const init = await initData({ dataDir: data });
  const networkKey = generateKeyPair();
  const members = path.join(dir, `${name}-members.json`);
  writeMembersFile(members, signMembers(networkKey, 1, [{ key: Buffer.from(init.publicKey, 'hex'), role: 'full' }]));
  return { data, members, publicKey: init.publicKey };
}

const lockOf = (data: string) => path.join(data, LOCK_FILE);

L('node run on a busy API port: one-line error, exit 1 within a second, peer port closed, nothing written, folder free after', async () => {
  const dir = tmpDir();
  const { data, members } = await memberFolder(dir, 'a');
  const api = await busyPort();
  const peer = await freePort();
  const r = await run(['node', 'run', '--data', data, '--api', `127.0.0.1:${api}`, '--listen', `127.0.0.1:${peer}`, '--members', members]);
  assert.is(r.code, 1, `exit code; stderr: ${r.stderr}`);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`127.0.0.1:${api} is in use`));
  assert.ok(r.exitAfterErrorMs < 1000, `exited ${r.exitAfterErrorMs} ms after its error`);
  assert.not.ok(await accepts(peer), 'peer port still open');
  assert.not.ok(fs.existsSync(path.join(data, 'members.json')), 'a failed start wrote members.json');
  // The process is gone, so the folder is free: the next start runs.
  await startNode(data, ['--listen', '127.0.0.1:0', '--members', members]);
  assert.ok(fs.existsSync(path.join(data, 'members.json')), 'a started node keeps its member list');
});

L('a failed start keeps the folder locked while its process lives, with every listener closed', async () => {
  const dir = tmpDir();
  const { data, members } = await memberFolder(dir, 'b');
  const peer = await freePort();
  const api = await freePort();
  const profichain = await busyPort(); // fails last: peer port and API are open by then
  const err = await UrchainNode.start({ dataDir: data, api: `127.0.0.1:${api}`, listen: `127.0.0.1:${peer}`, members, profichain: `127.0.0.1:${profichain}` }).then(
    (n) => void closing(n),
    (e: Error) => e,
  );
  assert.ok(err, 'start should fail');
  assert.match(err!.message, /in use/);
  assert.not.ok(await accepts(peer), 'peer port still open');
  assert.not.ok(await accepts(api), 'API port still open');
  assert.not.ok(fs.existsSync(path.join(data, 'members.json')), 'a failed start wrote members.json');
  assert.is(fs.readFileSync(lockOf(data), 'utf8').split(' ')[0], String(process.pid), 'the lock is kept while this process lives');
  const second = await run(['node', 'run', '--data', data, '--api', '127.0.0.1:0']);
  assert.is(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`another node \\(pid ${process.pid}\\)`));
  // In this process, where nothing of the failed start runs any more, a new start takes it over.
  const n = closing(await UrchainNode.start({ dataDir: data, api: false }));
  assert.is(fs.readFileSync(lockOf(data), 'utf8').split(' ')[0], String(process.pid));
  const twice = await UrchainNode.start({ dataDir: data, api: false }).then(
    (x) => x.close().then(() => 'started twice'),
    (e: Error) => e.message,
  );
  assert.match(twice, /another node \(pid \d+, this process\)/);
  await n.close();
  assert.not.ok(fs.existsSync(lockOf(data)), 'a clean stop frees the folder');
});

L('a start refused on a running node\'s folder leaves that node running and its lock untouched', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'c');
  const a = await startNode(data);
  const lock = fs.readFileSync(lockOf(data), 'utf8');
  assert.is(lock.split(' ')[0], String(a.proc.pid));
  for (const extra of [[], ['--api', `127.0.0.1:${await busyPort()}`]]) {
    const r = await run(['node', 'run', '--data', data, '--api', '127.0.0.1:0', ...extra]);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`another node \\(pid ${a.proc.pid}\\)`));
    assert.is(fs.readFileSync(lockOf(data), 'utf8'), lock, 'the refused start changed the lock');
  }
  assert.is((await fetch(`${a.url}/v1/status`)).status, 200, 'the running node stopped answering');
});

L('kill -9 leaves a lock the next start recognises as stale; a reused pid is not a live node', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'd');
  const a = await startNode(data);
  await a.kill9();
  assert.ok(fs.existsSync(lockOf(data)), 'kill -9 cannot remove the lock');
  const b = await startNode(data);
  assert.is(fs.readFileSync(lockOf(data), 'utf8').split(' ')[0], String(b.proc.pid));
  await b.stop();
  // A lock naming a live process (this test runner) with its real identity: refused.
  fs.writeFileSync(lockOf(data), identity(process.pid) + '\n');
  let r = await run(['node', 'run', '--data', data, '--api', '127.0.0.1:0']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`another node \\(pid ${process.pid}\\)`));
  // The same pid but another start time: the pid was reused since, the lock is stale.
  const [pid, , boot] = identity(process.pid).split(' ');
  fs.writeFileSync(lockOf(data), `${pid} 1 ${boot}\n`);
  await startNode(data);
});

L('three starts at once on a folder with a stale lock: exactly one runs', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'race');
  await initData({ dataDir: data });
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => dead.on('exit', r));
  fs.writeFileSync(lockOf(data), `${dead.pid}\n`); // an older release's lock, its process gone
  const starts = [0, 1, 2].map(() => {
    const p = adopt(spawn(process.execPath, [bin, 'node', 'run', '--data', data, '--api', '127.0.0.1:0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const outcome = new Promise<string>((resolve) => {
      p.stdout.on('data', (d) => String(d).includes('"event":"started"') && resolve('started'));
      p.on('exit', (code) => resolve(`exit ${code}: ${err.trim()}`));
    });
    return { p, outcome };
  });
  try {
    const outcomes = await Promise.all(starts.map((s) => s.outcome));
    assert.is(outcomes.filter((o) => o === 'started').length, 1, outcomes.join('; '));
    for (const o of outcomes.filter((o) => o !== 'started')) assert.match(o, /^exit 1: urchain: another node/);
    const winner = starts[outcomes.indexOf('started')].p;
    assert.is(fs.readFileSync(lockOf(data), 'utf8').split(' ')[0], String(winner.pid));
  } finally {
    for (const s of starts) s.p.kill('SIGTERM');
    await Promise.all(starts.map((s) => s.p.exitCode === null && new Promise((r) => s.p.on('exit', r))));
  }
});

L('a wrong --members file writes nothing and keeps the member list the folder has', async () => {
  const dir = tmpDir();
  const { data, members } = await memberFolder(dir, 'e');
  const n = await startNode(data, ['--listen', '127.0.0.1:0', '--members', members]);
  await n.stop();
  const kept = fs.readFileSync(path.join(data, 'members.json'), 'utf8');
  // Signed by another network key, and a newer serial.
  const other = path.join(dir, 'other.json');
  writeMembersFile(other, signMembers(generateKeyPair(), 7, [{ key: Buffer.from(toHex(generateKeyPair().publicKey), 'hex'), role: 'full' }]));
  const r = await run(['node', 'run', '--data', data, '--api', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--members', other]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /another membership key/);
  assert.is(fs.readFileSync(path.join(data, 'members.json'), 'utf8'), kept);
  // A fresh folder and a list that does not name this node: no members.json, no chain left behind.
  const fresh = path.join(dir, 'fresh');
  const r2 = await run(['node', 'run', '--data', fresh, '--api', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--members', other]);
  assert.is(r2.code, 1, r2.stderr);
  assert.match(r2.stderr, /not on the member list/);
  assert.equal(fs.readdirSync(fresh).sort(), ['node.key'], 'a failed start on an empty folder keeps only the node key');
});

L('--genesis of another chain on a folder that holds a chain is refused; the same chain is fine', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'f');
  await initData({ dataDir: data, name: 'plant-f' });
  const mine = await cli(['init', '--data', path.join(dir, 'g'), '--json']);
  const other = path.join(dir, 'other-genesis.json');
  fs.writeFileSync(other, JSON.stringify(mine.json.params));
  const r = await run(['node', 'run', '--data', data, '--api', '127.0.0.1:0', '--genesis', other]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /--genesis is chain g .* holds chain plant-f/);
  const same = path.join(dir, 'same-genesis.json');
  fs.writeFileSync(same, JSON.stringify(await fetchParams(data)));
  await startNode(data, ['--genesis', same]);
});

/** The folder's own genesis parameters, through a short-lived node's GET /v1/params. */
async function fetchParams(data: string): Promise<unknown> {
  const n = await UrchainNode.start({ dataDir: data, api: '127.0.0.1:0' });
  try {
    return await fetch(`${n.apiUrl}/v1/params`).then((r) => r.json());
  } finally {
    await n.close();
  }
}

L('data folder 0700, its files 0600 (LMDB files, key, lock, member list)', async () => {
  const dir = tmpDir();
  const mode = (data: string, f: string) => (fs.statSync(path.join(data, f)).mode & 0o777).toString(8);
  const fresh = path.join(dir, 'made-by-node-run');
  await startNode(fresh);
  assert.is(mode(fresh, '.'), '700');
  for (const f of ['chain.lmdb', 'chain.lmdb-lock', 'node.key', LOCK_FILE]) assert.is(mode(fresh, f), '600', f);
  const { data, members } = await memberFolder(dir, 'h');
  await startNode(data, ['--listen', '127.0.0.1:0', '--members', members]);
  assert.is(mode(data, '.'), '700');
  assert.is(mode(data, 'members.json'), '600');
});

L.run();
