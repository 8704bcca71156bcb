/**
 * @module scripts/fuzz/netTargets
 * Fuzz targets for the node's peer port (WebSocket, urchain-network(7)): messages before the
 * handshake (HELLO and AUTH as a member, mutated, reordered, with a bad message in the same write,
 * as text) and after it (every message type, mutated, on links of real member keys). Every 500
 * inputs before the handshake, a well-behaved member must still get a working link.
 */
import WebSocket from 'ws';
import { Finding, quietTimer, type FuzzNode, type Target } from './harness.js';
import { Rng, mutateBytes, mutateCbor } from './mutate.js';
import { encode, decode, type CborValue } from '../../src/codec/cbor.js';
import { randomBytes } from '../../src/crypto/seal.js';
import { Link } from '../../src/net/link.js';
import { linkMessage } from '../../src/crypto/signed.js';
import { Msg, WIRE_VERSION, encodeMsg, decodeMsg, helloFromCbor, helloToCbor, batchToCbor, blockToCbor } from '../../src/net/wire.js';
import { encodeMembers } from '../../src/net/members.js';
import { sign, type KeyPair } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { encodeCore, txIdOf, normalizeMeta } from '../../src/chain/transaction.js';
import { signBatch } from '../../src/chain/batch.js';
import { headerFromJson, sigsFromJson } from '../../src/chain/header.js';
import { fromHex, utf8 } from '../../src/codec/bytes.js';

const pick = <T>(r: Rng, xs: readonly T[]) => xs[r.int(xs.length)];

// ---- network: before the handshake ---------------------------------------------------------

/** Opens a WebSocket to the node's peer port; resolves with the node's HELLO (or undefined). */
function wsOpen(address: string): Promise<{ ws: WebSocket; hello?: ReturnType<typeof helloFromCbor> }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${address}/`, { maxPayload: 64 << 20, handshakeTimeout: 3000 });
    const t = setTimeout(() => resolve({ ws }), 3000);
    ws.on('error', () => (clearTimeout(t), resolve({ ws })));
    ws.once('message', (d: Buffer) => {
      clearTimeout(t);
      try {
        resolve({ ws, hello: helloFromCbor(decodeMsg(new Uint8Array(d))) });
      } catch {
        resolve({ ws });
      }
    });
  });
}

function wsWait(ws: WebSocket, quietMs = 40, maxMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    const { arm, done } = quietTimer(() => (ws.terminate(), resolve()), quietMs, maxMs);
    ws.on('message', arm);
    ws.on('close', done);
    if (ws.readyState !== WebSocket.OPEN) done();
    else arm();
  });
}

export function netPre(node: FuzzNode): Target {
  return {
    name: 'net-pre',
    concurrency: 24,
    usesNode: true,
    make(r) {
      return { bytes: encode([r.int(0xffffffff), r.int(12)]) };
    },
    async send(x, i) {
      const [salt, plan] = decode(x.bytes) as [number, number];
      const r = new Rng(salt);
      const { ws, hello } = await wsOpen(node.listen);
      if (!hello) return void ws.terminate();
      // Keys rotate over 17 members: a link the node leaves in its table after refusing it would pile up.
      const k = node.memberKeys[salt % 17];
      const mine = helloToCbor({ version: WIRE_VERSION, chainId: node.chainId, nodeKey: k.publicKey, nonce: randomBytes(32), role: 'thin', listen: '', membersSerial: hello.membersSerial, height: hello.height, headHash: hello.headHash });
      const sig = sign(linkMessage(hello.nonce, k.publicKey, hello.nodeKey, node.chainId), k.secretKey);
      const auth: CborValue[] = [Msg.AUTH, sig, r.chance(0.3) ? encodeMembers(node.members) : new Uint8Array(0)];
      let msgs: Uint8Array[] = [encodeMsg(mine as CborValue[]), encodeMsg(auth)];
      const corpus = msgs.slice();
      if (plan < 4) msgs[0] = mutateCbor(r, msgs[0], corpus);
      else if (plan < 8) msgs[1] = mutateCbor(r, msgs[1], corpus);
      else if (plan === 8) msgs = [msgs[1], msgs[0]];
      else if (plan === 9) msgs.push(mutateCbor(r, encodeMsg([Msg.GET_PEERS]), corpus)); // AUTH and a bad message in one write
      else if (plan === 10) msgs = [mutateBytes(r, msgs[0], corpus), msgs[1]];
      const text = plan === 11;
      for (const m of msgs) if (ws.readyState === WebSocket.OPEN) ws.send(text ? Buffer.from(m).toString('latin1') : m, { binary: !text });
      await wsWait(ws);
      // Every so often a well-behaved member must still get a working link: refused handshakes
      // must not leave dead links that fill the node's link table.
      if (i % 500 === 499) {
        const c = await memberLink(node, node.memberKeys[17]);
        const ok = c ? await answered(c) : false;
        c?.ws.terminate();
        if (!ok) throw new Finding('inconsistent', `after ${i + 1} refused handshakes a member can no longer link (dead links fill the link table)`);
      }
    },
  };
}

// ---- network: after the handshake ----------------------------------------------------------

interface PostConn {
  link: Link;
  ws: WebSocket;
  closed: boolean;
  wake?: () => void;
}

/** Links to the node as member `k` (a real handshake); undefined when the node refuses. */
async function memberLink(node: FuzzNode, k: KeyPair): Promise<PostConn | undefined> {
  const head = await fetch(`${node.url}/v1/blocks/head?noTxs=1`).then((x) => x.json());
  const ws = new WebSocket(`ws://${node.listen}/`, { maxPayload: 64 << 20 });
  ws.on('error', () => undefined);
  const link = new Link(ws, 'out', node.listen, {
    key: k,
    chainId: node.chainId,
    role: 'thin',
    listen: '',
    head: () => ({ height: head.height, hash: fromHex(head.hash, 32) }),
    members: () => node.members,
    offerMembers: () => undefined,
    admit: () => 'full',
  });
  try {
    await link.handshake();
  } catch {
    ws.terminate();
    return undefined;
  }
  const c: PostConn = { link, ws, closed: false };
  link.listen((m) => {
    if (m[0] === Msg.PEERS) c.wake?.();
  });
  ws.on('close', () => {
    c.closed = true;
    c.wake?.();
  });
  return c;
}

/** Sends GET_PEERS on a link; true once PEERS comes back, false when the link closes or stays silent. */
function answered(c: PostConn, before?: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), 2000);
    c.wake = () => (clearTimeout(t), resolve(!c.closed));
    if (before) c.link.sendBytes(before);
    c.link.send([Msg.GET_PEERS]);
  });
}

export function netPost(node: FuzzNode): Target {
  const conns: (PostConn | undefined)[] = [];
  let seeds: Uint8Array[] = [];
  let refused = 0;
  let reconnects = 0;
  const free = Array.from({ length: 15 }, (_, k) => k);

  const connect = async (k: KeyPair) => {
    const c = await memberLink(node, k);
    if (c) reconnects++;
    else refused++;
    return c;
  };

  return {
    name: 'net-post',
    concurrency: 15,
    usesNode: true,
    async setup() {
      const k = node.memberKeys[0];
      const headRes = await fetch(`${node.url}/v1/blocks/head`).then((x) => x.json());
      const block = { signed: { header: headerFromJson(headRes.header), signatures: sigsFromJson(headRes.signatures) }, txIds: (headRes.txIds ?? []).map((t: string) => fromHex(t, 32)) };
      const payloads = [utf8('a record from a member'), new Uint8Array(100).fill(9)];
      const cores = payloads.map((p, i) => encodeCore({ version: 1, chainId: node.chainId, origin: k.publicKey, timestamp: Date.now(), seq: i + 1, kind: 'record', meta: normalizeMeta({ product: 'NET' }), payloadDigest: sha256(p), payloadLength: p.length }));
      const ids = cores.map(txIdOf);
      const b = signBatch(ids, k);
      const batch = batchToCbor({ origin: k.publicKey, signature: b.signature, txs: cores.map((core, i) => ({ core, payload: payloads[i] })) });
      const hash = fromHex(headRes.hash, 32);
      seeds = (
        [
          [Msg.GET_PEERS],
          [Msg.PEERS, [[node.memberKeys[1].publicKey, '127.0.0.1:9', 'thin']]],
          [Msg.BATCH, batch],
          [Msg.BLOCK, blockToCbor(block)],
          [Msg.GET_BLOCKS, [hash], 10],
          [Msg.BLOCKS, [blockToCbor(block)], [batch]],
          [Msg.GET_TXS, ids, 1],
          [Msg.TXS, [batch]],
          [Msg.GET_PAYLOAD, ids[0]],
          [Msg.PAYLOAD, ids[0], payloads[0], 1],
          [Msg.MEMBERS, encodeMembers(node.members)],
          [Msg.ERROR, 'BAD_INPUT', 'fuzz'],
          [Msg.SIGN_REQ, blockToCbor(block)],
          [Msg.SIG, hash, new Uint8Array(64), ''],
        ] as CborValue[][]
      ).map(encodeMsg);
    },
    make(r) {
      const s = pick(r, seeds);
      return { bytes: r.chance(0.85) ? mutateCbor(r, s, seeds) : mutateBytes(r, s, seeds) };
    },
    async send(x) {
      // One link per member key, one input at a time on it: each worker holds a key while it sends.
      const w = free.pop()!;
      try {
        let c = conns[w];
        if (!c || c.closed) {
          c = conns[w] = await connect(node.memberKeys[w]);
          if (!c) return;
        }
        const conn = c;
        // The node answers GET_PEERS in order: its PEERS says the input before it was taken.
        await answered(conn, x.bytes);
      } finally {
        free.push(w);
      }
    },
    async teardown() {
      for (const c of conns) c?.ws.terminate();
    },
    extra: () => ({ links: reconnects, refusedLinks: refused }),
  };
}
