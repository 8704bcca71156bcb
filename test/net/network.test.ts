/**
 * A company network of five real node processes on 127.0.0.1 (an archive as seed, a full
 * producer, three thin nodes), every link through a switchboard that can cut it. Records taken
 * in at any thin node reach blocks on every node; cut links are replaced and a node cut off for a
 * while delivers what it took in meanwhile; the seed can stop; a late node catches up; a thin
 * node's folder is a small fraction of the archive's; an unadmitted key cannot link; a member
 * that sends a forged batch (or relays one of a non-member), a forged block, a malformed or
 * oversized message or a flood is disconnected while the node carries on.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { cli, diskBytes } from '../helpers.js';
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.js';
import { toHex, fromHex } from '../../src/codec/bytes.js';
import { Link } from '../../src/net/link.js';
import { Msg, blockToCbor } from '../../src/net/wire.js';
import { blockHashOf, signHeader } from '../../src/chain/header.js';
import { EMPTY_ROOT } from '../../src/merkle/tree.js';
import { Cluster, until, within } from './cluster.js';

const N = suite('network');
const FORGERS = ['forger1', 'forger2', 'forger3', 'forger4', 'forger5', 'forger6'];
const BULK = 100;
const BULK_BYTES = 32 * 1024;
const c = new Cluster();
const { keys, nodes, sb, dir } = c;
const status = c.status;
const peers = c.peers;
const start = (name: string, type: string, extra: string[] = []) => c.start(name, type, extra);
const inBlockEverywhere = (txId: string, names: string[]) => c.inBlockEverywhere(txId, names);
let seedAddr: string;
let chainId: Uint8Array;

N.before(async () => {
  await c.admit('archive', 'seed');
  await c.admit('full', 'full');
  await c.admit('thin', 'thin1', 'thin2', 'late', ...FORGERS);
  keys.stranger = generateKeyPair();
  // The chain: the full node is its only authority.
  await c.init('full', ['--block-time', '300ms']);
  await start('seed', 'archive');
  seedAddr = (await peers(nodes.seed)).advertise;
  await start('full', 'full', ['--seed', seedAddr]);
  chainId = fromHex((await status(nodes.full)).chainId);
  await start('thin1', 'thin', ['--seed', seedAddr]);
  await start('thin2', 'thin', ['--seed', seedAddr]);
});
N.after(() => c.close());

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
  // Bulk for the storage comparison: 100 records of 32 KiB taken in at the other thin node.
  const bulk = await Promise.all(
    Array.from({ length: BULK }, (_, i) =>
      fetch(`${nodes.thin2.url}/v1/records?kind=bulk`, { method: 'POST', body: Buffer.alloc(BULK_BYTES, i) }).then((x) => x.json()),
    ),
  );
  await inBlockEverywhere(bulk[BULK - 1].txId, ['seed', 'full', 'thin1', 'thin2']);
  await inBlockEverywhere(bulk[0].txId, ['seed', 'full', 'thin1', 'thin2']);
  const proof = await cli(['prove', r.json.txId, '--node', nodes.thin2.url]);
  assert.is(proof.code, 0, proof.stderr);
  assert.is(Buffer.from(proof.json.payload, 'base64').toString(), 'from a thin node');

  await c.stop('seed');
  const r2 = await cli(['ingest', 'send', '-', '--node', nodes.thin2.url], 'after the seed stopped');
  await inBlockEverywhere(r2.json.txId, ['full', 'thin1', 'thin2']);
});

N('cut links are replaced at once; a node cut off for a while delivers what it took in meanwhile', async () => {
  const linksOf = async (n: string) => (await peers(nodes[n])).links.length;
  await until('thin1 linked', async () => (await linksOf('thin1')) > 0);
  const unlinksBefore = nodes.thin1.events.filter((e) => e.event === 'unlink').length;
  assert.ok(sb.cut('thin1') > 0, 'thin1 had links through the switchboard');
  await until('thin1 saw its links drop', async () => nodes.thin1.events.filter((e) => e.event === 'unlink').length > unlinksBefore);
  await until('thin1 linked again', async () => (await linksOf('thin1')) > 0, 10_000);
  // Cut off from everyone: the record is acknowledged (durable at thin1) and delivered after.
  sb.partition(['thin1'], ['full', 'thin2']);
  await until('thin1 isolated', async () => (await linksOf('thin1')) === 0);
  const r = await cli(['ingest', 'send', '-', '--node', nodes.thin1.url, '--product', 'CUT-1'], 'taken in while cut off');
  assert.is(r.code, 0, r.stderr);
  // thin1 says its batch reached no link: it is held there, so the producer cannot have it yet.
  await within(nodes.thin1.waitFor((e) => e.event === 'batch-held' && e.batch === r.json.batchRoot), 'thin1 holds the batch');
  assert.not.ok((await fetch(`${nodes.full.url}/v1/txs/${r.json.txId}`)).ok, 'the producer cannot have it yet');
  sb.heal();
  await inBlockEverywhere(r.json.txId, ['full', 'thin1', 'thin2']);
});

N('a node started late catches up, and gets new blocks after', async () => {
  const before = await status(nodes.full);
  await start('late', 'thin', ['--seed', (await peers(nodes.full)).advertise]);
  await until('late caught up', async () => (await status(nodes.late)).height >= before.height);
  const r = await cli(['ingest', 'send', '-', '--node', nodes.full.url], 'news for the late node');
  await inBlockEverywhere(r.json.txId, ['late']);
});

function testLink(key: KeyPair, address: string, admit = true) {
  const ws = new WebSocket(`ws://${address}/`);
  return { ws, link: new Link(ws, 'out', address, { key, chainId, role: 'thin', listen: '', head: () => ({ height: 0, hash: new Uint8Array(32) }), members: () => undefined, offerMembers: () => undefined, admit: () => (admit ? 'full' : undefined) }) };
}

/** Links a member key to the full node, does something bad, and checks it is cut off and banned. */
async function misbehave(name: string, act: (t: ReturnType<typeof testLink>) => Promise<void> | void, why: RegExp) {
  const addr = (await peers(nodes.full)).advertise;
  const t = testLink(keys[name], addr);
  await within(t.link.handshake(), `${name} handshake`);
  const closed = new Promise<void>((r) => t.ws.on('close', () => r()));
  await act(t);
  await within(closed, `the node cuts ${name} off`);
  const key = toHex(keys[name].publicKey);
  const p = await peers(nodes.full);
  assert.ok(p.banned.includes(key), `${name} is banned`);
  const e = nodes.full.events.find((x) => x.event === 'bad-peer' && x.peer === key);
  assert.match(e?.why ?? '', why);
  // A banned key cannot link again while the ban lasts.
  await refusedWith(keys[name], addr, /is banned until/);
}

/** Tries to link with `key` and checks the node closes the link saying `why`. */
async function refusedWith(key: KeyPair, addr: string, why: RegExp) {
  const t = testLink(key, addr);
  let told = '';
  t.ws.on('message', (d: Buffer) => (told += d.toString('latin1')));
  const closed = new Promise<void>((r) => t.ws.on('close', () => r()));
  await within(t.link.handshake().catch(() => undefined), 'handshake'); // it may see the node's AUTH before the refusal
  await within(closed, 'the node closes the link');
  assert.match(told, why, 'the node says why');
}

N('an unadmitted key cannot link; forged batches and blocks, malformed, oversized and flooding messages cut a member off; the node carries on', async () => {
  const addr = (await peers(nodes.full)).advertise;
  await refusedWith(keys.stranger, addr, /not a member of this network/);
  assert.not.ok((await peers(nodes.full)).links.some((l: any) => l.key === toHex(keys.stranger.publicKey)));

  const headBefore = (await status(nodes.full)).head;
  await misbehave('forger1', (t) => t.link.send([Msg.BATCH, [keys.forger1.publicKey, new Uint8Array(64), [[new Uint8Array(40).fill(7)]]]]), /BAD_SIGNATURE|BAD_ENCODING/);
  // A block claiming the authority as producer, on the head's parent, signed with another key.
  const head = await fetch(`${nodes.full.url}/v1/blocks/head?noTxs=1`).then((x) => x.json());
  await misbehave(
    'forger2',
    (t) => {
      const raw = { ...head.header };
      const h = {
        version: 1,
        chainId: fromHex(raw.chainId),
        height: raw.height,
        timestamp: Date.now(),
        prevHash: fromHex(raw.prevHash),
        merkleRoot: EMPTY_ROOT,
        txCount: 0,
        difficulty: 0,
        nonce: 0n,
        producer: keys.full.publicKey,
        historyRoot: fromHex(raw.historyRoot),
      };
      const sig = signHeader(blockHashOf(h), keys.forger2);
      t.link.send([Msg.BLOCK, blockToCbor({ signed: { header: h, signatures: [{ key: keys.full.publicKey, sig: sig.sig }] }, txIds: [] })]);
    },
    /BAD_BLOCK.*signature/,
  );
  await misbehave('forger3', (t) => t.ws.send(Buffer.from([0xff, 0x00, 0x13])), /BAD_ENCODING|BAD_INPUT/);
  await misbehave('forger4', (t) => t.ws.send(Buffer.alloc(64 * 1024 * 1024 + 1)), /BAD_INPUT.*(length|large|Max)/i);
  await misbehave(
    'forger5',
    async (t) => {
      const getPeers = Buffer.from([0x81, 0x03]); // [3]
      for (let i = 0; i < 10 && t.ws.readyState === WebSocket.OPEN; i++) {
        for (let j = 0; j < 6000; j++) t.ws.send(getPeers);
        await new Promise((r) => setTimeout(r, 400));
      }
    },
    /RATE_LIMITED/,
  );
  // Relaying a batch whose origin is not a member is FORBIDDEN, and costs a whole ban at once.
  await misbehave('forger6', (t) => t.link.send([Msg.BATCH, [keys.stranger.publicKey, new Uint8Array(64), [[new Uint8Array(40).fill(7)]]]]), /FORBIDDEN.*not a member/);
  const after = await status(nodes.full);
  assert.ok(after.height >= 1 && (after.head === headBefore || after.height > head.height), 'the forged block did not become the head');
  const r = await cli(['ingest', 'send', '-', '--node', nodes.thin1.url], 'still running');
  await inBlockEverywhere(r.json.txId, ['full', 'thin1']);
});

N("a thin node's data folder is a small fraction of the archive's for the same chain", async () => {
  // The seed (archive) stopped after the bulk records were in its blocks; thin2 has the same chain.
  const archive = diskBytes(path.join(dir, 'seed'));
  const thin = diskBytes(path.join(dir, 'thin1'));
  const ratio = thin / archive;
  console.log(JSON.stringify({ storage: { archiveBytes: archive, thinBytes: thin, ratio: Number(ratio.toFixed(3)), payloadBytes: BULK * BULK_BYTES } }));
  assert.ok(archive > BULK * BULK_BYTES, `the archive holds the payloads (${archive} bytes)`);
  assert.ok(ratio < 0.25, `thin/archive = ${ratio.toFixed(3)}`);
});

N.run();
