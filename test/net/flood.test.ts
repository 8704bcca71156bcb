/**
 * Flooding under load (net/flood): a relay passes payloads only to peers that keep them and the
 * batch without payloads to the others; a copy of a batch taken is dropped before its checks
 * and not passed on again; a keeper that got a batch without payloads takes them from a later
 * copy; a forged batch of another size under a seen signature still fails its checks.
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
function world(type: NodeType) {
  const txs = new Map<string, { coreBytes: Uint8Array }>();
  const payloads = new Map<string, Uint8Array>();
  let commits = 0;
  const store = {
    hasTx: (id: Uint8Array) => txs.has(toHex(id)),
    getTx: (id: Uint8Array) => txs.get(toHex(id)),
    getPayload: (id: Uint8Array) => payloads.get(toHex(id)),
    location: () => undefined,
    commitIngest: async (w: { txs: { txId: Uint8Array; coreBytes: Uint8Array; payload?: Uint8Array }[] }) => {
      commits++;
      await new Promise((r) => setTimeout(r, 5)); // a sync takes a while: copies arrive meanwhile
      for (const t of w.txs) {
        txs.set(toHex(t.txId), { coreBytes: t.coreBytes });
        if (t.payload) payloads.set(toHex(t.txId), t.payload);
      }
    },
    putPayload: async (id: Uint8Array, p: Uint8Array) => void payloads.set(toHex(id), p),
  };
  const links = new Map<string, Link>();
  const sent = new Map<string, WireBatch[]>();
  const link = (name: string, role: NodeType) => {
    sent.set(name, []);
    const l = { hello: { role }, sendBytes: (b: Uint8Array) => sent.get(name)!.push(batchFromCbor(decodeMsg(b)[1])) } as unknown as Link;
    links.set(name, l);
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
  const net = {
    links,
    o: { role: ROLES[type], store, tree: { chainId }, pool: { add: () => undefined }, members: () => ({ members: [{ key: origin.publicKey, role: 'full' }] }), onEvent: () => undefined },
  } as unknown as NetContext;
  return { flood: new Flood(net, gaps), link, sent, payloads, missing, commits: () => commits };
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

F.run();
