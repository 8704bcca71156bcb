/**
 * A company network of real node processes on 127.0.0.1: an archive as seed, a full producer and
 * thin nodes. Records taken in at a thin node reach blocks on every node; the seed can stop;
 * a late node catches up; an unadmitted key cannot link; a member that sends a forged batch is
 * disconnected while the node carries on.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { tmpDir, cleanup, startNode, cli, killChildren, type RunningNode } from '../helpers.js';
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.js';
import { writeKeyFile } from '../../src/crypto/keyfile.js';
import { toHex, fromHex } from '../../src/codec/bytes.js';
import { Link } from '../../src/net/link.js';
import { Msg } from '../../src/net/wire.js';

const N = suite('network');
let dir: string;
const keys: Record<string, KeyPair> = {};
const nodes: Record<string, RunningNode> = {};
let members: string;
let genesis: string;
let seedAddr: string;

const status = (n: RunningNode) => fetch(`${n.url}/v1/status`).then((r) => r.json());
const peers = (n: RunningNode) => fetch(`${n.url}/v1/peers`).then((r) => r.json());

/** Fails instead of hanging when an awaited event never comes. */
function within<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)))]).finally(() => clearTimeout(t));
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}`);
}

function prepare(name: string) {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  keys[name] = generateKeyPair();
  writeKeyFile(path.join(dir, name, 'node.key'), keys[name]);
}

const start = (name: string, type: string, extra: string[] = []) =>
  startNode(path.join(dir, name), ['--type', type, '--listen', '127.0.0.1:0', '--members', members, '--genesis', genesis, '--links', '4', ...extra]).then((n) => (nodes[name] = n));

N.before(async () => {
  dir = tmpDir();
  for (const n of ['seed', 'full', 'thin1', 'thin2', 'late', 'tester', 'stranger']) prepare(n);
  const nk = path.join(dir, 'network.key');
  assert.is((await cli(['keygen', '--network', '--out', nk])).code, 0);
  members = path.join(dir, 'members.json');
  const add = (role: string, ...names: string[]) => cli(['member', 'add', ...names.map((n) => toHex(keys[n].publicKey)), '--role', role, '--network-key', nk, '--members', members]);
  assert.is((await add('archive', 'seed')).code, 0);
  assert.is((await add('full', 'full')).code, 0);
  const r = await add('thin', 'thin1', 'thin2', 'late', 'tester');
  assert.is(r.json.serial, 3);
  // The chain: the full node is its only authority.
  const init = await cli(['init', '--data', path.join(dir, 'full'), '--block-time', '300ms']);
  assert.is(init.code, 0, init.stderr);
  genesis = path.join(dir, 'genesis.json');
  fs.writeFileSync(genesis, JSON.stringify(init.json.params));
  await start('seed', 'archive');
  seedAddr = (await status(nodes.seed)).listen;
  await start('full', 'full', ['--seed', seedAddr]);
  await start('thin1', 'thin', ['--seed', seedAddr]);
  await start('thin2', 'thin', ['--seed', seedAddr]);
});
N.after(async () => {
  for (const n of Object.values(nodes)) await n.stop().catch(() => undefined);
  killChildren();
  cleanup();
});

async function inBlockEverywhere(txId: string, names: string[]) {
  for (const n of names) await until(`${txId.slice(0, 8)} in a block on ${n}`, async () => !!(await fetch(`${nodes[n].url}/v1/txs/${txId}`).then((r) => r.json())).block);
}

N('a record taken in at a thin node is in a block on every node; the seed can stop', async () => {
  await until('thin1 linked to the producer', async () => (await peers(nodes.thin1)).links.some((l: any) => l.key === toHex(keys.full.publicKey)) || (await peers(nodes.full)).links.length >= 2);
  const r = await cli(['ingest', 'send', '-', '--node', nodes.thin1.url, '--product', 'NET-1'], 'from a thin node');
  assert.is(r.code, 0, r.stderr);
  await inBlockEverywhere(r.json.txId, ['seed', 'full', 'thin1', 'thin2']);
  const heads = await Promise.all(['seed', 'full', 'thin1', 'thin2'].map((n) => status(nodes[n])));
  assert.ok(heads.every((h) => h.head === heads[1].head || h.height <= heads[1].height), 'one chain');
  // the archive keeps the payload, the other thin node does not, and proves by fetching it
  const onThin2 = await fetch(`${nodes.thin2.url}/v1/txs/${r.json.txId}?payload=1`).then((x) => x.json());
  assert.is(onThin2.payloadStored, false);
  const onSeed = await fetch(`${nodes.seed.url}/v1/txs/${r.json.txId}?payload=1`).then((x) => x.json());
  assert.is(Buffer.from(onSeed.payload, 'base64').toString(), 'from a thin node');
  const proof = await cli(['prove', r.json.txId, '--node', nodes.thin2.url]);
  assert.is(proof.code, 0, proof.stderr);
  assert.is(Buffer.from(proof.json.payload, 'base64').toString(), 'from a thin node');

  await nodes.seed.stop();
  delete nodes.seed;
  const r2 = await cli(['ingest', 'send', '-', '--node', nodes.thin2.url], 'after the seed stopped');
  await inBlockEverywhere(r2.json.txId, ['full', 'thin1', 'thin2']);
});

N('a node started late catches up, and gets new blocks after', async () => {
  const before = await status(nodes.full);
  await start('late', 'thin', ['--seed', (await status(nodes.full)).listen]);
  await until('late caught up', async () => (await status(nodes.late)).height >= before.height);
  const r = await cli(['ingest', 'send', '-', '--node', nodes.full.url], 'news for the late node');
  await inBlockEverywhere(r.json.txId, ['late']);
});

function testLink(key: KeyPair, address: string, admit = true) {
  const ws = new WebSocket(`ws://${address}/`);
  const chainId = fromHex(JSON.parse(fs.readFileSync(genesis, 'utf8')).chainId ?? '00'.repeat(32));
  return { ws, link: new Link(ws, 'out', address, { key, chainId, role: 'thin', listen: '', head: () => ({ height: 0, hash: new Uint8Array(32) }), members: () => undefined, offerMembers: () => undefined, admit: () => (admit ? 'full' : undefined) }) };
}

N('an unadmitted key cannot link; a member sending a forged batch is cut off; the node carries on', async () => {
  const addr = (await status(nodes.full)).listen;
  const chainId = (await status(nodes.full)).chainId;
  fs.writeFileSync(genesis, JSON.stringify({ ...JSON.parse(fs.readFileSync(genesis, 'utf8')), chainId }));
  const s = testLink(keys.stranger, addr);
  let told = '';
  s.ws.on('message', (d: Buffer) => (told += d.toString('latin1')));
  const strangerClosed = new Promise<void>((r) => s.ws.on('close', () => r()));
  await within(s.link.handshake().catch(() => undefined), 'stranger handshake'); // it may see the node's AUTH before the refusal
  await within(strangerClosed, 'the node closes the stranger link');
  assert.match(told, /not a member of this network/, 'the node says why');
  assert.not.ok((await peers(nodes.full)).links.some((l: any) => l.key === toHex(keys.stranger.publicKey)));
  const t = testLink(keys.tester, addr);
  await within(t.link.handshake(), 'tester handshake');
  const closed = new Promise<void>((r) => t.ws.on('close', () => r()));
  const forgedCore = new Uint8Array(40).fill(7);
  t.link.send([Msg.BATCH, [keys.tester.publicKey, new Uint8Array(64), [[forgedCore]]]]);
  await within(closed, 'the node cuts the forger off');
  const p = await peers(nodes.full);
  assert.ok(p.banned.includes(toHex(keys.tester.publicKey)), 'the forger is banned');
  const r = await cli(['ingest', 'send', '-', '--node', nodes.thin1.url], 'still running');
  await inBlockEverywhere(r.json.txId, ['full', 'thin1']);
});

N.run();
