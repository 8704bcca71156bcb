/**
 * Flooding under load (net/flood): a relay passes payloads only to peers that keep them and the
 * batch without payloads to the others; a copy of a batch taken is dropped before its checks
 * and not passed on again; a keeper that got a batch without payloads takes them from a later
 * copy; a keeper linked to a batch's origin holds back a relayed copy without payloads for the
 * origin's; a forged batch of another size under a seen signature still fails its checks.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import { Flood, type PayloadGaps } from '../../src/net/flood.js';
import { Msg, batchToCbor, batchFromCbor, decodeMsg, type WireBatch } from '../../src/net/wire.js';
import { encodeCore, txIdOf } from '../../src/chain/transaction.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { toHex } from '../../src/codec/bytes.js';
import { UrchainError } from '../../src/errors.js';
import { encodeMsg } from '../../src/net/wire.js';
import { ROLES, type NodeType } from '../../src/contracts/roles.js';
import type { NetContext } from '../../src/net/context.js';
import type { Link } from '../../src/net/link.js';

const F = suite('net flood');
const chainId = new Uint8Array(32).fill(7);
const origin = generateKeyPair();

function batch(n: number): WireBatch {
  const txs = Array.from({ length: n }, (_, i) => {
    const payload = crypto.randomBytes(64 + i);
    const core = encodeCore({ version: 1, chainId, origin: origin.publicKey, timestamp: 1, seq: i + 1, kind: 'record', meta: [], payloadDigest: sha256(payload), payloadLength: payload.length });
    return { core, payload };
  });
  const signed = signBatch(txs.map((t) => txIdOf(t.core)), origin);
  return { origin: origin.publicKey, signature: signed.signature, txs };
}

/** A node of `type` with a store in memory and links that record what they are sent. */
function world(type: NodeType, o: { members?: { key: Uint8Array; role: NodeType }[]; deferMs?: number } = {}) {
  const txs = new Map<string, { coreBytes: Uint8Array }>();
  const payloads = new Map<string, Uint8Array>();
  let commits = 0;
  let putPayloads = 0;
  /** Resolved at each held-back copy handed on again (net.deliver). */
  let delivered: () => void = () => undefined;
  const nextDeliver = () => new Promise<void>((r) => (delivered = r));
  /** Commits still to fail (a full disk), and each commit's outcome as it is known. */
  let failing = 0;
  const written: Promise<unknown>[] = [];
  const store = {
    hasTx: (id: Uint8Array) => txs.has(toHex(id)),
    getTx: (id: Uint8Array) => txs.get(toHex(id)),
    getPayload: (id: Uint8Array) => payloads.get(toHex(id)),
    location: () => undefined,
    head: () => ({ height: 0, hash: new Uint8Array(32) }),
    commitIngest: async (w: { txs: { txId: Uint8Array; coreBytes: Uint8Array; payload?: Uint8Array }[] }) => {
      commits++;
      const fail = failing > 0 && failing--;
      const done = new Promise((r) => setTimeout(r, 5)); // a sync takes a while: copies arrive meanwhile
      written.push(done.then(() => !fail));
      await done;
      if (fail) throw UrchainError.STORE('no space left on device');
      for (const t of w.txs) {
        txs.set(toHex(t.txId), { coreBytes: t.coreBytes });
        if (t.payload) payloads.set(toHex(t.txId), t.payload);
      }
    },
    putPayload: async (id: Uint8Array, p: Uint8Array) => void (putPayloads++, payloads.set(toHex(id), p)),
  };
  const links = new Map<string, Link>();
  const sent = new Map<string, WireBatch[]>();
  const raws = new Map<string, Uint8Array[]>();
  const link = (name: string, role: NodeType, key = generateKeyPair().publicKey) => {
    sent.set(name, []);
    raws.set(name, []);
    const l = {
      hello: { role, nodeKey: key },
      sendBytes: (b: Uint8Array) => (sent.get(name)!.push(batchFromCbor(decodeMsg(b)[1])), raws.get(name)!.push(b)),
    } as unknown as Link;
    links.set(toHex(key), l);
    return l;
  };
  const missing = new Set<string>();
  const gaps: PayloadGaps = {
    note: (id) => void missing.add(toHex(id)),
    lacks: (id) => missing.has(toHex(id)),
    filled: (id) => void missing.delete(toHex(id)),
    get size() {
      return missing.size;
    },
  };
  const errors: unknown[] = [];
  const handled: Promise<void>[] = [];
  /** A message as a link hands it on: first to `preview`, then decoded to its handler (as net/network does). */
  const arrive = (raw: Uint8Array, from: Link) => {
    if (flood.preview(raw, from)) return;
    handled.push(flood.onBatch(decodeMsg(raw), from, raw).catch((e: unknown) => void errors.push(e)));
  };
  const self = generateKeyPair();
  const members = [{ key: origin.publicKey, role: 'full' }, { key: self.publicKey, role: type }, ...(o.members ?? [])];
  const net = {
    links,
    deliver: (raw: Uint8Array, from: Link) => (arrive(raw, from), delivered()),
    o: { key: self, role: ROLES[type], store, tree: { chainId }, pool: { add: () => undefined }, members: () => ({ members }), onEvent: () => undefined },
  } as unknown as NetContext;
  const flood = new Flood(net, gaps, o.deferMs);
  /** Waits until every message handed on (also those handed on later, held copies) is handled. */
  const settled = async () => {
    for (let n = -1; n !== handled.length; ) {
      n = handled.length;
      await Promise.all([...handled, ...written]);
    }
  };
  const failNext = (n: number) => void (failing = n);
  return { flood, link, sent, raws, payloads, missing, commits: () => commits, putPayloads: () => putPayloads, nextDeliver, stored: (id: Uint8Array) => txs.has(toHex(id)), arrive, settled, errors, failNext };
}

const msg = (b: WireBatch) => [Msg.BATCH, batchToCbor(b)];
const withPayloads = (b: WireBatch) => b.txs.every((t) => t.payload);

F('a thin relay: payloads to the keeper only, the batch without them to the thin peer, nothing back to the sender', async () => {
  const w = world('thin');
  const from = w.link('origin', 'full');
  w.link('archive', 'archive');
  w.link('thin', 'thin');
  const b = batch(3);
  await w.flood.onBatch(msg(b), from);
  assert.is(w.sent.get('origin')!.length, 0);
  assert.is(w.sent.get('archive')!.length, 1);
  assert.ok(withPayloads(w.sent.get('archive')![0]));
  assert.is(w.sent.get('thin')!.length, 1);
  assert.ok(w.sent.get('thin')![0].txs.every((t) => !t.payload), 'no payloads to a peer that drops them');
  assert.is(w.payloads.size, 0, 'a thin node keeps no payload of another');
});

F('copies of a batch are dropped unchecked, also while the first copy is being stored', async () => {
  const w = world('thin');
  const a = w.link('a', 'thin');
  const c = w.link('c', 'thin');
  const b = batch(4);
  // Three copies at once: one write; the others see it being stored.
  await Promise.all([w.flood.onBatch(msg(b), a), w.flood.onBatch(msg(b), c), w.flood.onBatch(msg(b), a)]);
  assert.is(w.commits(), 1);
  const before = [...w.sent.values()].reduce((n, x) => n + x.length, 0);
  await w.flood.onBatch(msg(b), c); // later: its signature was seen
  assert.is(w.commits(), 1);
  assert.is([...w.sent.values()].reduce((n, x) => n + x.length, 0), before, 'not passed on again');
  // Under a seen signature, a batch of another size is checked, and fails.
  const forged = { ...b, txs: batch(3).txs };
  const err = await w.flood.onBatch(msg(forged), a).then(() => undefined, (e: Error) => e);
  assert.match(err?.message ?? 'no error', /signature does not verify/);
});

F('a keeper that got a batch without payloads takes them from a later copy', async () => {
  const w = world('full');
  const from = w.link('thin', 'thin');
  const b = batch(2);
  await w.flood.onBatch(msg({ ...b, txs: b.txs.map((t) => ({ core: t.core })) }), from);
  assert.is(w.missing.size, 2, 'noted for backfill');
  await w.flood.onBatch(msg(b), from);
  assert.is(w.missing.size, 0);
  assert.is(w.payloads.size, 2);
  for (const t of b.txs) assert.equal(w.payloads.get(toHex(txIdOf(t.core))), t.payload);
  assert.is(w.commits(), 1);
});

F('a keeper linked to the origin holds back a relayed copy without payloads and takes the origin\'s copy: one write, payloads in it, none written again', async () => {
  const w = world('full');
  const relay = w.link('relay', 'thin');
  const from = w.link('origin', 'full', origin.publicKey);
  const b = batch(3);
  w.arrive(encodeMsg(msg({ ...b, txs: b.txs.map((t) => ({ core: t.core })) })), relay); // the relay's bare copy wins the race
  await w.settled();
  assert.is(w.commits(), 0, 'held back');
  w.arrive(encodeMsg(msg(b)), from);
  await w.settled();
  assert.is(w.commits(), 1);
  assert.is(w.payloads.size, 3, 'stored with its payloads');
  assert.is(w.putPayloads(), 0, 'no payload written again');
  assert.is(w.missing.size, 0);
  assert.is(w.errors.length, 0);
});

F('a held-back copy is taken when the origin\'s copy does not come; a keeper not linked to the origin takes a bare copy at once', async () => {
  const w = world('full', { deferMs: 20 });
  const relay = w.link('relay', 'thin');
  w.link('origin', 'full', origin.publicKey);
  const b = batch(2);
  const handedOn = w.nextDeliver();
  w.arrive(encodeMsg(msg({ ...b, txs: b.txs.map((t) => ({ core: t.core })) })), relay);
  await w.settled();
  assert.is(w.commits(), 0);
  const alive = setInterval(() => undefined, 1000); // the node's timer does not hold a process open; this test's must
  await handedOn.finally(() => clearInterval(alive)); // its wait is over: handled as if it had just come
  await w.settled();
  assert.is(w.commits(), 1);
  for (const t of b.txs) assert.ok(w.stored(txIdOf(t.core)), 'stored without payloads');
  assert.is(w.missing.size, 2, 'noted for backfill');

  const alone = world('full');
  const r = alone.link('relay', 'thin');
  const c = batch(2);
  await alone.flood.onBatch(msg({ ...c, txs: c.txs.map((t) => ({ core: t.core })) }), r);
  assert.is(alone.commits(), 1, 'the origin is not linked here: its copy comes only through relays');
});

F('a copy that came while another copy was being stored is taken when that write fails', async () => {
  const w = world('thin');
  const a = w.link('a', 'thin');
  const c = w.link('c', 'thin');
  w.link('d', 'thin');
  const b = batch(4);
  w.failNext(1); // the first copy's write fails (a full disk)
  const first = w.flood.onBatch(msg(b), a).then(() => undefined, (e: Error) => e);
  const second = w.flood.onBatch(msg(b), c);
  assert.match((await first)?.message ?? 'no error', /no space/);
  await second;
  assert.is(w.commits(), 2);
  for (const t of b.txs) assert.ok(w.stored(txIdOf(t.core)), 'stored from the second copy');
  assert.ok(w.sent.get('d')!.length >= 1, 'passed on (by the first copy, after its checks, and again by the second)');
});

F('copies held undecoded while the first is stored: dropped when it is stored, taken when its write fails', async () => {
  const w = world('thin');
  const [a, c, d] = ['a', 'c', 'd'].map((n) => w.link(n, 'thin'));
  const ok = batch(3);
  const okRaw = encodeMsg(msg(ok));
  for (const l of [a, c, d]) w.arrive(okRaw, l);
  await w.settled();
  assert.is(w.commits(), 1);
  assert.is(w.errors.length, 0);
  assert.ok(w.flood.preview(okRaw, a), 'a later copy is dropped before it is decoded');

  const lost = batch(5);
  const raw = encodeMsg(msg(lost));
  w.failNext(1);
  for (const l of [a, c, d]) w.arrive(raw, l); // the first is taken, the others held by preview
  await w.settled();
  assert.is(w.errors.length, 1, 'the failed write counts once');
  assert.is(w.commits(), 3);
  for (const t of lost.txs) assert.ok(w.stored(txIdOf(t.core)), 'stored from a held copy');
});

F('a relay passes a batch on as the bytes it came in, and never back to its origin', async () => {
  const w = world('thin');
  const from = w.link('from', 'thin');
  w.link('origin', 'full', origin.publicKey);
  w.link('other', 'thin');
  const b = batch(3);
  const stripped = { ...b, txs: b.txs.map((t) => ({ core: t.core })) };
  const raw = encodeMsg(msg(stripped));
  w.arrive(raw, from);
  await w.settled();
  assert.is(w.sent.get('origin')!.length, 0, 'the origin has it');
  assert.is(w.raws.get('other')!.length, 1);
  assert.ok(w.raws.get('other')![0] === raw, 'the same bytes, not encoded again');
});

/** The write of a batch this node took in, as the intake hands it to the network. */
function ingestWrite(b: WireBatch) {
  const txIds = b.txs.map((t) => txIdOf(t.core));
  return { batchRoot: new Uint8Array(32), batch: { origin: b.origin, signature: b.signature, txIds }, txs: b.txs.map((t, index) => ({ txId: txIds[index], coreBytes: t.core, payload: t.payload, index })) } as never;
}

F('the origin sends payloads only to keepers when every keeper is linked, else to every link', async () => {
  const archive = generateKeyPair().publicKey;
  const linked = world('thin', { members: [{ key: archive, role: 'archive' }] });
  linked.link('archive', 'archive', archive);
  linked.link('batch origin', 'full', origin.publicKey); // a keeper too (it gets nothing: it has the batch)
  linked.link('thin', 'thin');
  linked.flood.announceBatch(ingestWrite(batch(2)));
  assert.ok(withPayloads(linked.sent.get('archive')![0]));
  assert.ok(linked.sent.get('thin')![0].txs.every((t) => !t.payload), 'a thin peer would drop them');

  const unlinked = world('thin', { members: [{ key: archive, role: 'archive' }] });
  unlinked.link('thin', 'thin');
  unlinked.flood.announceBatch(ingestWrite(batch(2)));
  assert.ok(withPayloads(unlinked.sent.get('thin')![0]), 'the archive gets them through a relay');
});

F.run();
