/**
 * Blocks that come before their transactions (net/sync): only a block one above a block the node
 * has, with a seal that verifies, waits for them; a peer has few such slots. Forged blocks (an
 * unknown parent, a height far ahead, a bad seal) can neither fill the waiting slots nor hold off
 * sync with a peer that is really ahead, and one that stops answering its round is passed over.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import { Sync, MAX_WAITING_PER_PEER } from '../../src/net/sync.js';
import { Msg } from '../../src/net/wire.js';
import { blockHashOf, type Header, type SignedHeader } from '../../src/chain/header.js';
import { toHex } from '../../src/codec/bytes.js';
import { badBlock } from '../../src/errors.js';
import type { NetContext } from '../../src/net/context.js';
import type { Flood } from '../../src/net/flood.js';
import type { Link } from '../../src/net/link.js';

const S = suite('net sync guard');
const chainId = new Uint8Array(32).fill(3);
const producer = new Uint8Array(32).fill(9);
const SEAL = { key: producer, sig: new Uint8Array(64).fill(1) };

function header(height: number, prevHash: Uint8Array, txCount = 1): Header {
  return { version: 1, chainId, height, timestamp: 1, prevHash, merkleRoot: crypto.randomBytes(32), txCount, difficulty: 0, nonce: 0n, producer, historyRoot: new Uint8Array(32) };
}

/** A node at height 5 whose store has its own chain and no other transaction, with links that record what they are sent. */
function world() {
  const chain: SignedHeader[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  for (let h = 0; h <= 5; h++) {
    const hd = header(h, prev, 0);
    chain.push({ header: hd, signatures: [SEAL] });
    prev = blockHashOf(hd);
  }
  const byHash = new Map(chain.map((b) => [toHex(blockHashOf(b.header)), b]));
  const head = { height: 5, hash: prev };
  const store = {
    getBlock: (h: Uint8Array) => {
      const b = byHash.get(toHex(h));
      return b && { signed: b };
    },
    hasTx: () => false,
    hashAt: (h: number) => (h <= 5 ? blockHashOf(chain[h].header) : undefined),
  };
  // The seal check: a stand-in that takes a block with the producer's signature.
  const consensus = {
    validate: (b: SignedHeader) => {
      if (!b.signatures.length) throw badBlock('no seal');
    },
  };
  const links = new Map<string, Link>();
  const sent = new Map<string, number[]>();
  const link = (name: string, height: number) => {
    sent.set(name, []);
    const l = { peerHex: name, height, isClosed: false, send: (m: unknown[]) => sent.get(name)!.push(m[0] as number) } as unknown as Link;
    links.set(name, l);
    return l;
  };
  const net = { links, o: { store, tree: { head: () => head, consensus }, role: { keepsPayload: () => false }, onEvent: () => undefined } } as unknown as NetContext;
  const flood = { coming: () => false } as unknown as Flood;
  return { sync: new Sync(net, flood), link, sent, head };
}

const block = (signed: SignedHeader) => ({ signed, txIds: [crypto.randomBytes(32)] });

S('forged blocks with an unknown parent or far ahead neither wait nor hold off sync with a peer that is ahead', async () => {
  const w = world();
  const bad = w.link('bad', 5);
  const good = w.link('good', 7);
  for (let i = 0; i < 1100; i++) await w.sync.takeBlock(block({ header: header(1_000_000 + i, crypto.randomBytes(32)), signatures: [SEAL] }), bad);
  assert.is(w.sync.status().waitingBlocks, 0, 'no slot taken');
  assert.ok(bad.height < 1_000_000, 'the forged height is not believed');
  w.sync.keepSyncing();
  assert.ok(w.sent.get('good')!.includes(Msg.GET_BLOCKS), 'the peer that is ahead is asked');
});

S('a block above a known one waits when its seal verifies; a bad seal is refused; a peer has few slots', async () => {
  const w = world();
  const peer = w.link('peer', 5);
  const real = block({ header: header(6, w.head.hash), signatures: [SEAL] });
  await w.sync.takeBlock(real, peer);
  assert.is(w.sync.status().waitingBlocks, 1);
  assert.ok(w.sent.get('peer')!.includes(Msg.GET_TXS), 'its transactions are asked for');
  // Its child waits too (its parent is waiting), and the node counts them as on their way.
  const child = block({ header: header(7, blockHashOf(real.signed.header)), signatures: [SEAL] });
  await w.sync.takeBlock(child, peer);
  assert.is(w.sync.status().waitingBlocks, 2);
  w.link('ahead', 7);
  w.sync.keepSyncing();
  assert.not.ok(w.sent.get('ahead')!.includes(Msg.GET_BLOCKS), 'no sync round for blocks on their way');

  const err = await w.sync.takeBlock(block({ header: header(6, w.head.hash), signatures: [] }), peer).then(() => undefined, (e: Error) => e);
  assert.match(err?.message ?? 'no error', /no seal/);

  const greedy = w.link('greedy', 5);
  for (let i = 0; i < MAX_WAITING_PER_PEER + 20; i++) await w.sync.takeBlock(block({ header: header(6, w.head.hash), signatures: [SEAL] }), greedy);
  assert.is(w.sync.status().waitingBlocks, 2 + MAX_WAITING_PER_PEER);
});

S('a peer that leaves its round unanswered is passed over for one that is ahead', () => {
  const w = world();
  const liar = w.link('liar', 1_000_000);
  const now = Date.now;
  try {
    w.sync.keepSyncing();
    assert.is(w.sent.get('liar')!.filter((t) => t === Msg.GET_BLOCKS).length, 1);
    w.link('honest', 9);
    Date.now = () => now() + 11_000; // a round's time later, no answer
    w.sync.keepSyncing();
    assert.ok(w.sent.get('honest')!.includes(Msg.GET_BLOCKS));
    assert.ok(liar.height > 0);
  } finally {
    Date.now = now;
  }
});

S.run();
