/**
 * Hostile peers that try to hurt others, against one real node process: a client that names a
 * member's key in HELLO and then sends a garbage AUTH proves nothing, so the member is neither
 * scored nor banned and its live link stays; members whose AUTH comes in one write with a
 * malformed message are banned and their links closed, and a closed link never holds a slot, so
 * after more of them than the node has slots it still accepts and makes links. Before its AUTH
 * verifies, a connection gets no more than 1 MiB per message, 2 MiB in all, and one of 32 places.
 * Peer addresses a member names that cannot be dialed are dropped, not dialed into a crash.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket, { WebSocketServer } from 'ws';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { sign, type KeyPair } from '../../src/crypto/ed25519.js';
import { toHex, fromHex } from '../../src/codec/bytes.js';
import { Link } from '../../src/net/link.js';
import { linkMessage } from '../../src/crypto/signed.js';
import { Msg, WIRE_VERSION, encodeMsg, decodeMsg, helloToCbor, helloFromCbor, type Hello } from '../../src/net/wire.js';
import { Cluster, until, within } from './cluster.js';

const H = suite('hostile-peers');
const c = new Cluster();
/** More members than the hub has slots (2 × --links 4). */
const ATTACKERS = Array.from({ length: 10 }, (_, i) => `attacker${i}`);
let chainId: Uint8Array;
let direct: string; // the hub's own listen address: one write arrives as one chunk
let advertised: string;
const opened: WebSocket[] = [];

H.before(async () => {
  await c.admit('full', 'hub');
  await c.admit('thin', 'other', 'member', 'prober', 'peerA', 'peerB', 'peerC', ...ATTACKERS);
  await c.init('hub', ['--block-time', '300ms']);
  await c.start('hub', 'full');
  const p = await c.peers('hub');
  direct = p.listen;
  advertised = p.advertise;
  chainId = fromHex((await c.status('hub')).chainId);
});
H.after(async () => {
  for (const ws of opened) ws.terminate();
  await c.close();
});

/** A link made with the real handshake code, as a member would. */
function memberLink(key: KeyPair, address: string, listen = '') {
  const ws = new WebSocket(`ws://${address}/`);
  opened.push(ws);
  const link = new Link(ws, 'out', address, { key, chainId, role: 'thin', listen, head: () => ({ height: 0, hash: new Uint8Array(32) }), members: () => undefined, offerMembers: () => undefined, admit: () => 'full' });
  return { ws, link };
}

/** A hand-driven client: sends HELLO naming `claimed`, then `then(node's HELLO, ws)`. */
function rawClient(claimed: Uint8Array, address: string, then: (h: Hello, ws: WebSocket) => void) {
  const ws = new WebSocket(`ws://${address}/`);
  opened.push(ws);
  const closed = new Promise<void>((r) => ws.on('close', () => r()));
  ws.on('error', () => undefined);
  ws.on('open', () => {
    const hello: Hello = { version: WIRE_VERSION, chainId, nodeKey: claimed, nonce: crypto.getRandomValues(new Uint8Array(32)), role: 'thin', listen: '', membersSerial: 1 << 30, height: 0, headHash: new Uint8Array(32) };
    ws.send(encodeMsg(helloToCbor(hello) as never));
  });
  ws.once('message', (d: Buffer) => then(helloFromCbor(decodeMsg(new Uint8Array(d))), ws));
  return { ws, closed };
}

H('an impostor naming a member in HELLO, with a garbage AUTH, neither bans the member nor drops its link', async () => {
  const member = toHex(c.keys.member.publicKey);
  const m = memberLink(c.keys.member, advertised);
  await within(m.link.handshake(), 'the member links');
  await until('the hub lists the member', async () => (await c.peers('hub')).links.some((l: { key: string }) => l.key === member));

  const impostor = rawClient(c.keys.member.publicKey, direct, (_h, ws) => ws.send(encodeMsg([Msg.AUTH, new Uint8Array(64), new Uint8Array(0)])));
  await within(impostor.closed, 'the hub closes the impostor');
  await c.nodes.hub.waitFor((e) => e.event === 'link-refused' && /did not prove its key/.test(e.message));

  const p = await c.peers('hub');
  assert.not.ok(p.banned.includes(member), 'the member is not banned');
  assert.not.ok(c.nodes.hub.events.some((e) => e.event === 'bad-peer' && e.peer === member), 'the member was not scored');
  assert.ok(p.links.some((l: { key: string }) => l.key === member), "the member's link is still in the table");
  assert.is(m.ws.readyState, WebSocket.OPEN, "the member's link is still open");
  m.link.close('done');
  await until('the member unlinked', async () => !(await c.peers('hub')).links.some((l: { key: string }) => l.key === member));
});

H('members whose AUTH arrives with a malformed message are cut off and never hold a slot', async () => {
  await c.start('other', 'thin', ['--seed', advertised]);
  const other = toHex(c.keys.other.publicKey);
  await until('the hub links to the other node', async () => (await c.peers('hub')).links.some((l: { key: string }) => l.key === other));

  for (const [i, name] of ATTACKERS.entries()) {
    const key = c.keys[name];
    const a = rawClient(key.publicKey, direct, (h, ws) => {
      const sig = sign(linkMessage(h.nonce, key.publicKey, h.nodeKey, chainId), key.secretKey);
      // AUTH and, in the same write, a message that does not decode or (every other one) the
      // head of a frame over the 64 MiB limit, which closes the link before it is in the table.
      const sock = (ws as unknown as { _socket: import('node:net').Socket })._socket;
      sock.cork();
      ws.send(encodeMsg([Msg.AUTH, sig, new Uint8Array(0)]));
      if (i % 2) {
        const head = Buffer.alloc(14);
        head[0] = 0x82;
        head[1] = 0x80 | 127;
        head.writeBigUInt64BE(64n * 1024n * 1024n + 1n, 2);
        sock.write(head);
      } else ws.send(Buffer.from([0xff, 0x00]));
      sock.uncork();
    });
    await within(a.closed, `the hub cuts ${name} off`);
  }
  const p = await c.peers('hub');
  for (const name of ATTACKERS) assert.ok(p.banned.includes(toHex(c.keys[name].publicKey)), `${name} is banned`);
  assert.equal(
    p.links.map((l: { key: string }) => l.key),
    [other],
    'only the live link is in the table',
  );

  // The hub still takes links and makes them: cut the other node's link and they link again,
  // and a member that dials in is linked.
  const unlinks = () => c.nodes.hub.events.filter((e) => e.event === 'unlink' && e.peer === other).length;
  const before = unlinks();
  assert.ok(c.sb.cut('other') + c.sb.cut('hub') > 0, 'there was a link to cut');
  await until('the hub saw the link drop', async () => unlinks() > before);
  await until('the hub and the other node link again', async () => (await c.peers('hub')).links.some((l: { key: string }) => l.key === other), 10_000);
  const member = toHex(c.keys.member.publicKey);
  const m = memberLink(c.keys.member, advertised);
  await within(m.link.handshake(), 'the member links');
  await until('the hub lists the member', async () => (await c.peers('hub')).links.some((l: { key: string }) => l.key === member), 10_000);
});

H('before its AUTH verifies a peer may send at most 1 MiB in a message, 2 MiB in all, on one of 32 connections', async () => {
  const opens = (n: number) =>
    Array.from({ length: n }, () => {
      const ws = new WebSocket(`ws://${direct}/`);
      opened.push(ws);
      ws.on('error', () => undefined);
      return { ws, open: new Promise<void>((r) => ws.on('open', () => r())), closed: new Promise<void>((r) => ws.on('close', () => r())) };
    });
  const [big] = opens(1);
  await big.open;
  big.ws.send(Buffer.alloc(1.5 * 1024 * 1024, 0x80));
  await within(big.closed, 'the hub closes the link');
  await c.nodes.hub.waitFor((e) => e.event === 'link-refused' && /handshake message of 1572864 bytes/.test(e.message));

  // A frame announced as 60 MiB and sent slowly is cut off once 2 MiB have come, not buffered.
  const [slow] = opens(1);
  await slow.open;
  const sock = (slow.ws as unknown as { _socket: import('node:net').Socket })._socket;
  const head = Buffer.alloc(14);
  head[0] = 0x82; // FIN, binary
  head[1] = 0x80 | 127; // masked, 64-bit length
  head.writeBigUInt64BE(60n * 1024n * 1024n, 2);
  sock.write(head);
  for (let i = 0; i < 48 && !sock.destroyed; i++) sock.write(Buffer.alloc(64 * 1024, 0x55));
  await within(slow.closed, 'the hub cuts the slow frame off');
  await c.nodes.hub.waitFor((e) => e.event === 'link-refused' && /bytes before the handshake completed/.test(e.message));

  // Connections that never say HELLO: the 33rd is closed at once.
  const idle = opens(32);
  await Promise.all(idle.map((x) => x.open));
  const [extra] = opens(1);
  await within(extra.closed, 'the hub closes the 33rd');
  await c.nodes.hub.waitFor((e) => e.event === 'link-refused' && /32 handshakes already in progress/.test(e.message));
  for (const x of idle) x.ws.terminate();
});

// Found by npm run fuzz (net-post): a PEERS entry "12k.0.0.1:9" passed the address pattern, was
// dialed a second later, and `new WebSocket` threw in the timer: the node died.
H('peer addresses a member gives that cannot be dialed are dropped, and the node stays up', async () => {
  const member = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  try {
    await once(member, 'listening');
    const good = `127.0.0.1:${(member.address() as AddressInfo).port}`;
    const dialed = new Promise<void>((r) => member.on('connection', (s) => (s.terminate(), r())));
    const m = memberLink(c.keys.prober, advertised, '12k.0.0.1:9');
    await within(m.link.handshake(), 'the prober links');
    const bad = ['12k.0.0.1:9', '127.0.0.1:99999', '127.0.0.1:0'];
    m.link.send([Msg.PEERS, [...bad.map((a, i) => [c.keys[['peerA', 'peerB', 'prober'][i]].publicKey, a, 'thin']), [c.keys.peerC.publicKey, good, 'thin']]]);
    // The hub dials what it learnt on its next round; the bad entries were in the same list.
    await within(dialed, 'the hub dials the dialable peer');
    const p = await c.peers('hub');
    const kept = p.peers.map((x: { listen: string }) => x.listen);
    assert.ok(kept.includes(good), 'the dialable address is kept');
    for (const a of bad) assert.not.ok(kept.includes(a), `${a} is not kept as a peer address`);
    assert.ok((await c.status('hub')).chainId, 'the hub still answers');
    m.link.close('done');
  } finally {
    member.close();
  }
});

H.run();
