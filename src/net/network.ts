/**
 * @module net/network
 * A node's part in its company network (DESIGN decision 8): a WebSocket server on `--listen`,
 * bootstrap from `--seed` nodes, at most `--links` live links, topped up at once when one drops.
 * Here: the server, dialing and attaching links, the table that hands each message type to its
 * handler, and status. Beside it: the peer table and discovery (net/peers), scoring and bans
 * (net/scoring), flooding (net/flood), sync (net/sync), payload backfill (net/backfill) and
 * proof-of-authority countersigning (net/authority). Nothing a peer sends can stop the node:
 * whatever a handler throws scores the sender.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { listen, closeServer } from '../io/listen.js';
import { WebSocketServer, WebSocket } from 'ws';
import type { CborValue } from '../codec/cbor.js';
import { toHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import type { NetContext, NetworkOptions } from './context.js';
import { Link, HandshakeGate, openLink } from './link.js';
import { Msg, MAX_MESSAGE, decodeMsg } from './wire.js';
import { PeerTable, admission } from './peers.js';
import { Scores, punishLink } from './scoring.js';
import { Flood } from './flood.js';
import { Sync } from './sync.js';
import { Backfill } from './backfill.js';
import { Authority } from './authority.js';

export type { NetworkOptions } from './context.js';
export { dialable } from './peers.js';
export { penalty, BAN_MS } from './scoring.js';
export { SIGN_LOCK_MS } from './authority.js';
export { LINK_PATH } from './link.js';

export const DEFAULT_LINKS = 8;
/** Maintenance (dial, discovery, sync, backfill) runs this often; peer lists are asked for every 10th time. */
const TICK_MS = 1000;
const PEER_LIST_TICKS = 10;

type Handler = (m: CborValue[], from: Link, raw: Uint8Array) => void | Promise<void>;

export class Network implements NetContext {
  private server?: http.Server;
  private wss?: WebSocketServer;
  listenAddress = '';
  /** What this node tells peers to dial: --advertise, else the listen address ('' = none). */
  advertised = '';
  readonly links = new Map<string, Link>();
  private dialing = new Set<string>();
  private readonly gate = new HandshakeGate();
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  /** True once `close` began (NetContext). */
  closed = false;
  private readonly scores = new Scores();
  /** Banned keys: the fuzz host (scripts/fuzz/host.ts) clears them after each ban. */
  private readonly bans = this.scores.bans;
  private readonly peerTable = new PeerTable(this);
  private readonly backfill = new Backfill(this);
  private readonly flood = new Flood(this, this.backfill);
  private readonly sync = new Sync(this, this.flood);
  private readonly authority = new Authority(this, this.sync);
  /** What each message type after the handshake is handed to. */
  private readonly handlers = new Map<number, Handler>([
    [Msg.GET_PEERS, (m, l) => this.peerTable.onGetPeers(m, l)],
    [Msg.PEERS, (m) => this.peerTable.onPeers(m)],
    [Msg.BATCH, async (m, l, raw) => (await this.flood.onBatch(m, l, raw), await this.sync.retryWaiting())],
    [Msg.BLOCK, (m, l) => this.sync.onBlock(m, l)],
    [Msg.GET_BLOCKS, (m, l) => this.sync.onGetBlocks(m, l)],
    [Msg.BLOCKS, (m, l) => this.sync.onBlocks(m, l)],
    [Msg.GET_TXS, (m, l) => this.sync.onGetTxs(m, l)],
    [Msg.TXS, (m) => this.sync.onTxs(m)],
    [Msg.GET_PAYLOAD, (m, l) => this.backfill.onGetPayload(m, l)],
    [Msg.PAYLOAD, (m) => this.backfill.onPayload(m)],
    [Msg.SIGN_REQ, (m, l) => this.authority.onSignRequest(m, l)],
    [Msg.SIG, (m, l) => this.authority.onSig(m, l)],
    [Msg.ERROR, (m, l) => this.o.onEvent({ event: 'peer-error', peer: l.peerHex, code: String(m[1]), message: String(m[2]) })],
  ]);

  constructor(readonly o: NetworkOptions) {}

  async start(): Promise<void> {
    if (this.o.listen) {
      this.server = http.createServer((_q, r) => r.writeHead(426).end('urchain peer links are WebSocket\n'));
      this.wss = new WebSocketServer({ server: this.server, maxPayload: MAX_MESSAGE });
      this.wss.on('connection', (ws, req) => this.accept(ws, req.socket));
      this.listenAddress = await listen(this.server, this.o.listen, '--listen');
    }
    this.advertised = this.o.advertise ?? this.listenAddress;
    this.timer = setInterval(() => this.maintain(), TICK_MS);
    this.maintain();
  }

  /**
   * Runs the handshake on a new socket and, once the peer has proved its key, enters the link in
   * the table. The one way out of the table is the link's close (whoever closes it, whenever:
   * during the handshake, before the table entry, or from a handler run by `listen`), so a closed
   * link never holds a slot.
   */
  private attach(ws: WebSocket, direction: 'in' | 'out', address: string): Promise<Link | undefined> {
    const o = this.o;
    const link = new Link(ws, direction, address, {
      key: o.key,
      chainId: o.tree.chainId,
      role: o.role.type,
      listen: this.advertised,
      head: () => o.tree.head(),
      ...admission(this, (k) => this.scores.bannedUntil(k)),
    });
    link.onClose = (l, why) => this.unlink(l, why);
    return link.handshake().then(
      (h) => {
        const k = toHex(h.nodeKey);
        const bad = (l: Link, e: UrchainError) => this.punish(l, e);
        // Closed between its AUTH and this callback (say, an oversized frame came with the AUTH),
        // or not wanted: it never enters the table, but what it did wrong still counts against
        // the key it proved.
        if (link.isClosed || this.closed || this.links.has(k) || this.links.size >= (o.maxLinks ?? DEFAULT_LINKS) * 2) {
          link.listen(() => undefined, bad);
          link.close(this.closed ? 'shutting down' : 'already linked or full');
          return undefined;
        }
        this.links.set(k, link);
        // Messages that came with the AUTH are handled now and may close the link at once
        // (a malformed one bans the key): `unlink` takes it out of the table again.
        link.listen((m, l, raw) => this.handle(m, l, raw), bad, (raw, l) => this.flood.preview(raw, l));
        if (link.isClosed) return undefined;
        // Tell the other links at once, so the network learns of a newcomer without waiting for
        // the next round of GET_PEERS (a node linked only to a seed that stops would be cut off).
        if (this.peerTable.linked(k, h.listen, h.role, address)) this.flood.send([Msg.PEERS, [[h.nodeKey, h.listen, h.role]]], link);
        o.onEvent({ event: 'link', peer: k, role: h.role, direction, address: h.listen || address });
        link.send([Msg.GET_PEERS]);
        this.flood.handOverPending(link);
        this.sync.linked(link, h);
        return link;
      },
      // No score: a failed handshake proved no key (net/peers, reportRefusal).
      (e: UrchainError) => {
        if (this.peerTable.reportRefusal(address, direction, e.message)) o.onEvent({ event: 'link-refused', address, direction, message: e.message });
        return undefined;
      },
    );
  }

  /** An inbound connection: held within the handshake bounds (net/link) until it proves a key. */
  private accept(ws: WebSocket, socket: Socket) {
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    const refuse = (message: string) => {
      this.o.onEvent({ event: 'link-refused', address, direction: 'in', message });
      socket.destroy();
    };
    this.gate.pass(socket, refuse, () => this.attach(ws, 'in', address));
  }

  private dial(address: string): void {
    if (this.dialing.has(address) || address === this.listenAddress || address === this.advertised) return;
    const ws = openLink(address, this.o.key.publicKey);
    if (!ws) return;
    this.dialing.add(address);
    void this.attach(ws, 'out', address).finally(() => this.dialing.delete(address));
  }

  /** Every second: top links up to the limit, keep syncing, backfill; every 10 s ask for peer lists. */
  private maintain() {
    if (this.closed) return;
    const want = (this.o.maxLinks ?? DEFAULT_LINKS) - this.links.size;
    for (const a of this.peerTable.toDial(want, (k) => this.scores.bannedUntil(k) !== undefined)) void this.dial(a);
    if (++this.ticks % PEER_LIST_TICKS === 0) for (const l of this.links.values()) l.send([Msg.GET_PEERS]);
    this.sync.keepSyncing();
    this.backfill.run().catch((e: Error) => this.o.onEvent({ event: 'error', where: 'backfill', message: e.message }));
  }

  /** Takes a closed link out of the table (only that link: a newer one for the key stays). */
  private unlink(link: Link, why: string) {
    if (!link.up) return;
    const k = link.peerHex;
    if (this.links.get(k) !== link) return;
    this.links.delete(k);
    this.sync.unlinked(k);
    this.o.onEvent({ event: 'unlink', peer: k, why });
  }

  /** Scores the key behind `link` for `err` (net/scoring); the fuzz host wraps this method. */
  punish(link: Link, err: unknown): void {
    punishLink(this, this.scores, link, err);
  }

  /** Hands a message to its handler; whatever it throws scores the sender. */
  private handle(m: CborValue[], from: Link, raw: Uint8Array) {
    void (async () => {
      const h = this.handlers.get(m[0] as number);
      if (!h) throw UrchainError.BAD_INPUT(`unknown message type ${String(m[0])}`);
      await h(m, from, raw);
    })().catch((e: unknown) => this.punish(from, e));
  }

  /**
   * A message held back (net/flood keeps copies of a batch being stored): handled now, as if it
   * had just come, also when its link has closed since (what it brings is as good).
   */
  deliver(raw: Uint8Array, from: Link): void {
    if (this.closed || this.flood.preview(raw, from)) return;
    let m: CborValue[];
    try {
      m = decodeMsg(raw);
    } catch (e) {
      return this.punish(from, e);
    }
    this.handle(m, from, raw);
  }

  /** A batch this node took in: to every link (net/flood). */
  readonly announceBatch: Flood['announceBatch'] = (w) => this.flood.announceBatch(w);
  /** Blocks that joined this node's tree (its own or a peer's): to every link but the source. */
  readonly announceBlocks: Flood['announceBlocks'] = (out, except) => this.flood.announceBlocks(out, except);
  /** PoA with k > 1: the other authorities' signatures for a sealed block (net/authority). */
  readonly collectSignatures: Authority['collectSignatures'] = (signed, txIds, ms) => this.authority.collectSignatures(signed, txIds, ms);
  /** A payload this node does not keep, from a linked archive or full node (net/backfill). */
  readonly fetchPayload: Backfill['fetchPayload'] = (txId, ms) => this.backfill.fetchPayload(txId, ms);

  status() {
    return {
      listen: this.listenAddress || null,
      advertise: this.advertised || null,
      links: [...this.links.values()].map((l) => ({ key: l.peerHex, role: l.hello?.role, listen: l.hello?.listen || null, direction: l.direction, since: new Date(l.since).toISOString() })),
      peers: this.peerTable.status(),
      sync: { ...this.sync.status(), missingPayloads: this.backfill.size },
      banned: this.scores.banned(),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const l of this.links.values()) l.close('shutting down');
    for (const c of this.wss?.clients ?? []) c.terminate();
    await new Promise((r) => (this.wss ? this.wss.close(() => r(undefined)) : r(undefined)));
    if (this.server) {
      this.server.closeAllConnections?.();
      await closeServer(this.server);
    }
  }
}
