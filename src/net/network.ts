/**
 * @module net/network
 * A node's part in its company network (DESIGN decision 8): a WebSocket server on `--listen`,
 * bootstrap from `--seed` nodes, a table of the peers currently online (learned by asking linked
 * peers, no broadcast), at most `--links` live links, topped up at once when one drops.
 *
 * Flooding: a batch of transactions (the unit a node signs) and a block travel each link at
 * most once — a node forwards only what it had not seen and found valid. A node that is behind
 * asks a peer for blocks after the newest of its own canonical blocks the peer knows (a block
 * locator, as in Bitcoin), together with the batches their transactions came in; thin nodes get
 * them without payloads, round after round until it has the head of its best linked peer. A
 * block whose transactions are unknown waits until they are fetched.
 *
 * Bad peers: a message that does not decode, a forged signature or an invalid block costs score;
 * a forgery or malformed message ends the link at once and bans the key for a while. Only a key
 * that proved itself in the handshake is scored; a failed handshake just closes the socket.
 * Nothing a peer sends can stop the node: every handler catches and scores.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { asArray, asUint, asBytes, asText, type CborValue } from '../codec/cbor.js';
import { toHex, fromHex, equal } from '../codec/bytes.js';
import { decodeCore, txIdOf, metaGet } from '../chain/transaction.js';
import { verifyBatch } from '../chain/batch.js';
import { blockHashOf, type SignedHeader } from '../chain/header.js';
import { sign, verify } from '../crypto/ed25519.js';
import { blockMessage } from '../crypto/signed.js';
import { leafHash, rootOf } from '../merkle/tree.js';
import { sha256 } from '../crypto/hash.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { UrchainError, asUrchainError } from '../errors.js';
import { peerRole, type NodeRole } from '../contracts/roles.js';
import type { BlockTree, AddOutcome } from '../ledger/blocktree.js';
import type { LmdbStore } from '../store/lmdb.js';
import type { IngestWrite } from '../store/types.js';
import type { Pool } from '../node/pool.js';
import { Link, MAX_HANDSHAKE_BYTES, MAX_HANDSHAKES } from './link.js';
import { Msg, MAX_MESSAGE, MAX_LOCATOR, MAX_BLOCKS_PER_REPLY, MAX_TXS_PER_REQUEST, batchToCbor, batchFromCbor, blockToCbor, blockFromCbor, encodeMsg, type WireBatch, type WireBlock } from './wire.js';
import { MESSAGE_BUDGET, locatorOf, blocksAfter, batchesFor } from './sync.js';
import { checkMembers, roleOf, type MemberList } from './members.js';

export const DEFAULT_LINKS = 8;
export const LINK_PATH = '/urchain/link/v1';
export const BAN_MS = 60_000;
/** Ids per GET_TXS request. */
const TXS_CHUNK = 10_000;
/** An authority countersigns one block per height (per proposer) within this time. */
export const SIGN_LOCK_MS = 10_000;
const PEER_TTL_MS = 120_000;

/**
 * True iff `listen` is a HOST:PORT this node can dial: what peers say (HELLO, PEERS) is checked
 * before it is kept or passed on, because `ws://…` is parsed only at the dial, where a host such
 * as `12k.0.0.1` (a dotted name ending in a number must be an IPv4 address) or port 99999 throws.
 */
export function dialable(listen: string): boolean {
  const m = /^([\w.\-[\]:]{1,100}):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return false;
  try {
    return new URL(`ws://${listen}/`).hostname !== '';
  } catch {
    return false;
  }
}

/** A sync round not answered within this time may be asked again (of the same or another peer). */
const SYNC_ROUND_MS = 10_000;

export interface NetworkOptions {
  key: KeyPair;
  /** This node's type as a policy: what it keeps, serves and announces. */
  role: NodeRole;
  store: LmdbStore;
  tree: BlockTree;
  pool: Pool;
  listen?: { host: string; port: number };
  /** HOST:PORT peers should dial (behind NAT or a proxy); default the --listen address. */
  advertise?: string;
  seeds: string[];
  maxLinks?: number;
  members: () => MemberList | undefined;
  adoptMembers: (l: MemberList) => boolean;
  onBlocks: (out: AddOutcome[]) => void;
  /** This node's key is a proof-of-authority authority: it countersigns valid proposals. */
  countersigns?: boolean;
  onEvent: (e: Record<string, unknown>) => void;
}

interface PeerInfo {
  key: string;
  listen: string;
  role: string;
  lastSeen: number;
}

export class Network {
  private server?: http.Server;
  private wss?: WebSocketServer;
  listenAddress = '';
  /** What this node tells peers to dial: --advertise, else the listen address ('' = none). */
  advertised = '';
  readonly links = new Map<string, Link>();
  private dialing = new Set<string>();
  private refusals = new Map<string, { message: string; at: number }>();
  readonly peers = new Map<string, PeerInfo>();
  private scores = new Map<string, number>();
  private bans = new Map<string, number>();
  private waitingBlocks = new Map<string, { block: WireBlock; from: Link }>();
  /** Sync rounds asked for, by peer: when, the head then, and whether the reply came. */
  private rounds = new Map<string, { asked: number; head: string; answered: boolean }>();
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private closed = false;
  bestPeerHeight = 0;

  constructor(private readonly o: NetworkOptions) {}

  async start(): Promise<void> {
    if (this.o.listen) {
      this.server = http.createServer((_q, r) => r.writeHead(426).end('urchain peer links are WebSocket\n'));
      this.wss = new WebSocketServer({ server: this.server, maxPayload: MAX_MESSAGE });
      this.wss.on('connection', (ws, req) => this.accept(ws, req.socket));
      const { host, port } = this.o.listen;
      await new Promise<void>((resolve, reject) => {
        this.server!.once('error', (e: NodeJS.ErrnoException) => reject(new UrchainError('UNAVAILABLE', e.code === 'EADDRINUSE' ? `${host}:${port} is in use; pick another with --listen` : e.message)));
        this.server!.listen(port, host, () => resolve());
      });
      const a = this.server.address() as AddressInfo;
      this.listenAddress = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    }
    this.advertised = this.o.advertise ?? this.listenAddress;
    this.timer = setInterval(() => this.maintain(), 1000);
    this.maintain();
  }

  // ---- links -----------------------------------------------------------------------------

  private context() {
    return {
      key: this.o.key,
      chainId: this.o.tree.chainId,
      role: this.o.role.type,
      listen: this.advertised,
      head: () => this.o.tree.head(),
      members: this.o.members,
      offerMembers: (l: MemberList) => {
        checkMembers(l, this.o.members()?.networkKey);
        if (this.o.adoptMembers(l)) this.o.onEvent({ event: 'members', serial: l.serial, members: l.members.length });
      },
      admit: (k: Uint8Array) => {
        const hex = toHex(k);
        const until = this.bans.get(hex) ?? 0;
        if (until > Date.now()) throw new UrchainError('FORBIDDEN', `key ${hex.slice(0, 16)}… is banned until ${new Date(until).toISOString()}`);
        return roleOf(this.o.members(), k);
      },
    };
  }

  /**
   * Runs the handshake on a new socket and, once the peer has proved its key, enters the link in
   * the table. The one way out of the table is the link's close (whoever closes it, whenever:
   * during the handshake, before the table entry, or from a handler run by `listen`), so a closed
   * link never holds a slot.
   */
  private attach(ws: WebSocket, direction: 'in' | 'out', address: string): Promise<Link | undefined> {
    const link = new Link(ws, direction, address, this.context());
    link.onClose = (l, why) => this.unlink(l, why);
    return link.handshake().then(
      (h) => {
        const k = toHex(h.nodeKey);
        const bad = (l: Link, e: UrchainError) => this.punish(l, penalty(e), `${e.code}: ${e.message}`);
        // Closed between its AUTH and this callback (say, an oversized frame came with the AUTH),
        // or not wanted: it never enters the table, but what it did wrong still counts against
        // the key it proved.
        if (link.isClosed || this.closed || this.links.has(k) || this.links.size >= (this.o.maxLinks ?? DEFAULT_LINKS) * 2) {
          link.listen(() => undefined, bad);
          link.close(this.closed ? 'shutting down' : 'already linked or full');
          return undefined;
        }
        this.links.set(k, link);
        this.refusals.delete(address);
        // Messages that came with the AUTH are handled now and may close the link at once
        // (a malformed one bans the key): `unlink` takes it out of the table again.
        link.listen((m, l) => this.handle(m, l), bad);
        if (link.isClosed) return undefined;
        if (h.listen && dialable(h.listen)) {
          this.peers.set(k, { key: k, listen: h.listen, role: h.role, lastSeen: Date.now() });
          // Tell the other links at once, so the network learns of a newcomer without waiting for
          // the next round of GET_PEERS (a node linked only to a seed that stops would be cut off).
          this.flood([Msg.PEERS, [[h.nodeKey, h.listen, h.role]]], link);
        }
        this.o.onEvent({ event: 'link', peer: k, role: h.role, direction, address: h.listen || address });
        link.send([Msg.GET_PEERS]);
        this.handOverPending(link);
        this.bestPeerHeight = Math.max(this.bestPeerHeight, h.height);
        if (h.height > this.o.tree.head().height || !this.o.store.getBlock(h.headHash)) this.requestBlocks(link);
        return link;
      },
      (e: UrchainError) => {
        // No score here: a peer that failed the handshake has proved no key, and the key its
        // HELLO named may be a member's (an impostor must not get a member banned). Closing the
        // socket is all it costs; the handshake deadline bounds how long it holds one.
        // A peer that stays down is retried every second; say so once a minute, not each time.
        const last = direction === 'out' ? this.refusals.get(address) : undefined;
        if (!last || last.message !== e.message || Date.now() - last.at > 60_000) {
          if (direction === 'out') this.refusals.set(address, { message: e.message, at: Date.now() });
          this.o.onEvent({ event: 'link-refused', address, direction, message: e.message });
        }
        return undefined;
      },
    );
  }

  private handshaking = 0;

  /**
   * An inbound connection: what it can hold before it proves a key is bounded, in bytes (a
   * frame is buffered whole before it is read, so the socket's bytes are counted as they come)
   * and in number of connections doing so at once.
   */
  private accept(ws: WebSocket, socket: Socket) {
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    const refuse = (message: string) => {
      this.o.onEvent({ event: 'link-refused', address, direction: 'in', message });
      socket.destroy();
    };
    if (this.handshaking >= MAX_HANDSHAKES) return refuse(`${MAX_HANDSHAKES} handshakes already in progress`);
    this.handshaking++;
    let bytes = 0;
    const count = (d: Buffer) => {
      bytes += d.length;
      if (bytes > MAX_HANDSHAKE_BYTES) refuse(`more than ${MAX_HANDSHAKE_BYTES} bytes before the handshake completed`);
    };
    socket.on('data', count);
    void this.attach(ws, 'in', address).finally(() => {
      this.handshaking--;
      socket.off('data', count);
    });
  }

  private dial(address: string): Promise<Link | undefined> {
    if (this.dialing.has(address) || address === this.listenAddress || address === this.advertised) return Promise.resolve(undefined);
    // The path names the protocol and the dialer, for proxies and logs; it is not trusted: the
    // handshake proves the key. The constructor throws on an address it cannot parse (a seed
    // given on the command line): in a timer that would end the process.
    let ws: WebSocket;
    try {
      ws = new WebSocket(`ws://${address}${LINK_PATH}?from=${toHex(this.o.key.publicKey)}`, { maxPayload: MAX_MESSAGE, handshakeTimeout: 3000 });
    } catch {
      return Promise.resolve(undefined);
    }
    this.dialing.add(address);
    ws.on('error', () => undefined);
    return this.attach(ws, 'out', address).finally(() => this.dialing.delete(address));
  }

  /** Every second: drop stale peers, top links up to the limit; every 10 s ask for peer lists. */
  private maintain() {
    if (this.closed) return;
    const now = Date.now();
    for (const [k, p] of this.peers) if (now - p.lastSeen > PEER_TTL_MS && !this.links.has(k)) this.peers.delete(k);
    const linkedAddrs = new Set([...this.links.values()].map((l) => l.hello?.listen).filter(Boolean));
    const want = (this.o.maxLinks ?? DEFAULT_LINKS) - this.links.size;
    if (want > 0) {
      const candidates = [...this.peers.values()]
        .filter((p) => !this.links.has(p.key) && p.key !== toHex(this.o.key.publicKey) && !linkedAddrs.has(p.listen) && (this.bans.get(p.key) ?? 0) < now)
        .map((p) => p.listen);
      // Seeds when the table has too few; shuffled so nodes spread their links. An authority that
      // needs countersignatures links to the other authorities first.
      if (candidates.length < want) candidates.push(...this.o.seeds.filter((s) => !linkedAddrs.has(s)));
      const first = this.o.countersigns && this.o.tree.params.threshold > 1 ? this.authorityAddresses() : new Set<string>();
      const order = shuffle([...new Set(candidates)]).sort((x, y) => Number(first.has(y)) - Number(first.has(x)));
      for (const a of order.slice(0, want)) void this.dial(a);
    }
    if (++this.ticks % 10 === 0) for (const l of this.links.values()) l.send([Msg.GET_PEERS]);
    this.keepSyncing();
    this.backfill().catch((e: Error) => this.o.onEvent({ event: 'error', where: 'backfill', message: e.message }));
  }

  private missingPayloads = new Set<string>();
  private backfilling = false;

  /** A node that keeps every payload fetches the ones that came without (a few at a time). */
  private async backfill() {
    if (this.backfilling || !this.missingPayloads.size) return;
    this.backfilling = true;
    try {
      for (const hex of [...this.missingPayloads].slice(0, 64)) {
        if (this.closed) return;
        const id = fromHex(hex);
        const p = await this.fetchPayload(id, 3000);
        if (!p) continue; // tried again next second
        await this.o.store.putPayload(id, p);
        this.missingPayloads.delete(hex);
      }
      if (!this.missingPayloads.size) this.o.onEvent({ event: 'payloads-complete' });
    } finally {
      this.backfilling = false;
    }
  }

  private authorityAddresses(): Set<string> {
    const auth = new Set(this.o.tree.params.authorities.map(toHex));
    return new Set([...this.peers.values()].filter((p) => auth.has(p.key)).map((p) => p.listen));
  }

  /** Takes a closed link out of the table (only that link: a newer one for the key stays). */
  private unlink(link: Link, why: string) {
    if (!link.up) return;
    const k = link.peerHex;
    if (this.links.get(k) !== link) return;
    this.links.delete(k);
    this.rounds.delete(k);
    this.o.onEvent({ event: 'unlink', peer: k, why });
  }

  /**
   * Scores the key behind `link`, banning it and closing its links at -100. Only a link whose
   * peer proved its key (`up`) is scored: the key in an unproved HELLO is only a claim.
   */
  private punish(link: Link, points: number, why: string) {
    if (!link.up) return;
    const peer = link.peerHex;
    const s = (this.scores.get(peer) ?? 0) - points;
    this.scores.set(peer, s);
    this.o.onEvent({ event: 'bad-peer', peer, points, score: s, why });
    if (s <= -100) {
      this.bans.set(peer, Date.now() + BAN_MS);
      this.scores.delete(peer);
      const tell = new UrchainError('FORBIDDEN', `banned for ${BAN_MS / 1000} s: ${why}`);
      // The offending link (it may already be out of the table) and the key's link in the table.
      link.close(`banned: ${why}`, tell);
      this.links.get(peer)?.close(`banned: ${why}`, tell);
    }
  }

  private flood(msg: CborValue[], except?: Link) {
    const bytes = encodeMsg(msg);
    for (const l of this.links.values()) if (l !== except) l.sendBytes(bytes);
  }

  /**
   * A new link gets the batches of every transaction still pending here: records taken in while
   * this node had no link (or whose flood a dropped link lost) still reach a producer.
   */
  private handOverPending(link: Link) {
    const ids = this.o.pool.take(MAX_TXS_PER_REQUEST);
    if (!ids.length) return;
    const payloads = !!peerRole(link.hello?.role)?.servesPayloads;
    for (const b of batchesFor(this.o.store, ids, payloads)) link.send([Msg.BATCH, b]);
  }

  // ---- what the node tells the network ------------------------------------------------------

  /** A batch this node took in: to every link. */
  announceBatch(w: IngestWrite): void {
    const bytes = w.txs.reduce((n, t) => n + (t.payload?.length ?? 0), 0);
    const strip = bytes > MESSAGE_BUDGET; // archives fetch the payloads one by one
    this.flood([Msg.BATCH, batchToCbor({ origin: w.batch.origin, signature: w.batch.signature, txs: w.txs.map((t) => ({ core: t.coreBytes, payload: strip ? undefined : t.payload })) })]);
  }

  /** Blocks that joined this node's tree (its own or a peer's): to every link but the source. */
  announceBlocks(out: AddOutcome[], except?: Link): void {
    for (const o of out) {
      if (o.result !== 'head' && o.result !== 'side') continue;
      const b = this.o.store.getBlock(o.hash);
      const ids = this.o.store.getBody(o.hash);
      if (!b || !ids) continue;
      this.flood([Msg.BLOCK, blockToCbor({ signed: b.signed, txIds: ids })], except);
    }
  }

  // ---- handlers ----------------------------------------------------------------------------

  private handle(m: CborValue[], from: Link) {
    void this.dispatch(m, from).catch((e: UrchainError) => this.punish(from, penalty(e), `${e.code}: ${e.message}`));
  }

  private async dispatch(m: CborValue[], from: Link): Promise<void> {
    switch (m[0]) {
      case Msg.GET_PEERS: {
        const now = Date.now();
        const list: CborValue[] = [...this.peers.values()].filter((p) => now - p.lastSeen < PEER_TTL_MS).map((p) => [fromHex(p.key), p.listen, p.role]);
        if (this.advertised) list.push([this.o.key.publicKey, this.advertised, this.o.role.type]);
        from.send([Msg.PEERS, list]);
        return;
      }
      case Msg.PEERS: {
        const list = m[1];
        if (!Array.isArray(list) || list.length > 10_000) throw new UrchainError('BAD_INPUT', 'PEERS: expected an array');
        for (const e of list) {
          const a = asArray(e, 3, 'peer');
          const key = asBytes(a[0], 'key', 32);
          if (!roleOf(this.o.members(), key) || equal(key, this.o.key.publicKey)) continue;
          const listen = asText(a[1], 'listen');
          if (!dialable(listen)) continue;
          this.peers.set(toHex(key), { key: toHex(key), listen, role: asText(a[2], 'role'), lastSeen: Date.now() });
        }
        return;
      }
      case Msg.BATCH: {
        const b = batchFromCbor(asArray(m, 2, 'BATCH')[1]);
        const fresh = await this.takeBatches([b]);
        if (fresh.length) this.flood(m, from);
        await this.retryWaiting();
        return;
      }
      case Msg.BLOCK:
        return this.takeBlock(blockFromCbor(asArray(m, 2, 'BLOCK')[1]), from);
      case Msg.GET_BLOCKS:
        return this.serveBlocks(m, from);
      case Msg.BLOCKS: {
        const a = asArray(m, 3, 'BLOCKS');
        if (!Array.isArray(a[1]) || !Array.isArray(a[2])) throw new UrchainError('BAD_INPUT', 'BLOCKS: expected arrays');
        await this.takeBatches(a[2].map(batchFromCbor));
        const blocks = a[1].map(blockFromCbor);
        for (const b of blocks) await this.takeBlock(b, from, true);
        const round = this.rounds.get(from.peerHex);
        if (round) round.answered = true;
        this.nextRound(from);
        return;
      }
      case Msg.GET_TXS: {
        const a = asArray(m, 3, 'GET_TXS');
        if (!Array.isArray(a[1]) || a[1].length > MAX_TXS_PER_REQUEST) throw new UrchainError('BAD_INPUT', 'GET_TXS: too many ids');
        const ids = a[1].map((x) => asBytes(x, 'txId', 32));
        from.send([Msg.TXS, batchesFor(this.o.store, ids, asUint(a[2], 'wantPayloads') === 1)]);
        return;
      }
      case Msg.TXS: {
        const a = asArray(m, 2, 'TXS');
        if (!Array.isArray(a[1])) throw new UrchainError('BAD_INPUT', 'TXS: expected an array');
        await this.takeBatches(a[1].map(batchFromCbor));
        await this.retryWaiting();
        return;
      }
      case Msg.GET_PAYLOAD: {
        const id = asBytes(asArray(m, 2, 'GET_PAYLOAD')[1], 'txId', 32);
        const p = this.o.store.getPayload(id);
        from.send([Msg.PAYLOAD, id, p ?? new Uint8Array(0), p ? 1 : 0]);
        return;
      }
      case Msg.PAYLOAD: {
        const a = asArray(m, 4, 'PAYLOAD');
        const id = asBytes(a[1], 'txId', 32);
        const w = this.payloadWaiters.get(toHex(id));
        if (!w) return;
        this.payloadWaiters.delete(toHex(id));
        w(asUint(a[3], 'found') === 1 ? asBytes(a[2], 'payload') : undefined);
        return;
      }
      case Msg.SIGN_REQ:
        return this.countersign(blockFromCbor(asArray(m, 2, 'SIGN_REQ')[1]), from);
      case Msg.SIG: {
        const a = asArray(m, 4, 'SIG');
        const hash = asBytes(a[1], 'blockHash', 32);
        const sig = asBytes(a[2], 'signature');
        if (!sig.length) {
          this.o.onEvent({ event: 'countersign-refused', peer: from.peerHex, block: toHex(hash), why: asText(a[3], 'reason') });
          return;
        }
        const w = this.sigWaiters.get(toHex(hash));
        if (!w) return; // late: the block was completed or given up
        if (sig.length !== 64 || !verify(blockMessage(hash), sig, from.hello!.nodeKey)) throw new UrchainError('BAD_SIGNATURE', `countersignature for ${toHex(hash).slice(0, 16)}… does not verify`);
        w(from.hello!.nodeKey, sig);
        return;
      }
      case Msg.ERROR:
        this.o.onEvent({ event: 'peer-error', peer: from.peerHex, code: String(m[1]), message: String(m[2]) });
        return;
      default:
        throw new UrchainError('BAD_INPUT', `unknown message type ${String(m[0])}`);
    }
  }

  /**
   * Verifies and stores batches (stripped for nodes that do not keep every payload). A forged
   * batch throws BAD_SIGNATURE. Returns the transaction ids that were new here.
   */
  private async takeBatches(batches: WireBatch[]): Promise<Uint8Array[]> {
    const fresh: Uint8Array[] = [];
    for (const b of batches) {
      if (!roleOf(this.o.members(), b.origin)) throw new UrchainError('BAD_SIGNATURE', `batch from ${toHex(b.origin).slice(0, 16)}…, which is not a member`);
      const txIds = b.txs.map((t) => txIdOf(t.core));
      const root = rootOf(txIds.map(leafHash));
      const rootHex = toHex(root);
      if (txIds.every((id) => this.o.store.hasTx(id))) continue; // seen before: not forwarded again
      if (!verifyBatch(txIds.length, root, b.signature, b.origin)) throw new UrchainError('BAD_SIGNATURE', `batch ${rootHex.slice(0, 16)}…: the signature does not verify`);
      const txs = b.txs.map((t, index) => {
        const core = decodeCore(t.core);
        if (!equal(core.chainId, this.o.tree.chainId)) throw new UrchainError('BAD_INPUT', 'batch: a transaction of another chain');
        if (!equal(core.origin, b.origin)) throw new UrchainError('BAD_SIGNATURE', 'batch: a transaction of another origin');
        if (t.payload && (t.payload.length !== core.payloadLength || !equal(sha256(t.payload), core.payloadDigest)))
          throw new UrchainError('BAD_SIGNATURE', 'batch: a payload does not match its digest');
        return { txId: txIds[index], coreBytes: t.core, index, payload: this.o.role.keepsPayload(false) ? t.payload : undefined, product: metaGet(core.meta, 'product') };
      });
      const isNew = txIds.filter((id) => !this.o.store.hasTx(id));
      await this.o.store.commitIngest({ batchRoot: root, batch: { origin: b.origin, signature: b.signature, txIds }, txs });
      if (this.o.role.keepsPayload(false)) for (const t of txs) if (!t.payload && !this.o.store.getPayload(t.txId)) this.missingPayloads.add(toHex(t.txId));
      // Pending only what no canonical block holds yet (a syncing node gets old batches too).
      this.o.pool.add(isNew.filter((id) => !this.o.store.location(id)));
      fresh.push(...isNew);
    }
    return fresh;
  }

  private async takeBlock(b: WireBlock, from: Link, syncing = false): Promise<void> {
    const hash = blockHashOf(b.signed.header);
    const hex = toHex(hash);
    if (this.o.store.getBlock(hash)) return;
    this.bestPeerHeight = Math.max(this.bestPeerHeight, b.signed.header.height);
    from.height = Math.max(from.height, b.signed.header.height);
    const missing = b.txIds.filter((id) => !this.o.store.hasTx(id));
    if (missing.length) {
      if (this.waitingBlocks.size < 1024) this.waitingBlocks.set(hex, { block: b, from });
      for (let i = 0; i < missing.length; i += TXS_CHUNK) from.send([Msg.GET_TXS, missing.slice(i, i + TXS_CHUNK), this.o.role.keepsPayload(false) ? 1 : 0]);
      return;
    }
    const out = await this.o.tree.add(b.signed, b.txIds);
    this.o.onBlocks(out);
    if (out[0].result === 'orphan') {
      if (!syncing) this.requestBlocks(from);
      return;
    }
    this.announceBlocks(out, from);
  }

  private async retryWaiting() {
    const from = new Set<Link>();
    for (const [hex, w] of [...this.waitingBlocks]) {
      if (w.block.txIds.some((id) => !this.o.store.hasTx(id))) continue;
      this.waitingBlocks.delete(hex);
      from.add(w.from);
      await this.takeBlock(w.block, w.from).catch((e: UrchainError) => this.punish(w.from, penalty(e), `${e.code}: ${e.message}`));
    }
    for (const l of from) this.nextRound(l);
  }

  /**
   * After a sync reply (and once the blocks it brought that waited for their transactions are
   * in): asks the same peer for the next blocks while it is still ahead. A reply ends a round
   * for many reasons (200 blocks, the message budget, a block that came alone), so the size of
   * a reply never decides that sync is done: heights do. A round that moved the head nowhere
   * ends sync with that peer (it had nothing newer for this node), until it shows a new block.
   */
  private nextRound(link: Link) {
    const k = link.peerHex;
    const round = this.rounds.get(k);
    if (!round?.answered || link.isClosed) return;
    for (const w of this.waitingBlocks.values()) if (w.from === link) return; // the round goes on from retryWaiting
    this.rounds.delete(k);
    const head = this.o.tree.head();
    if (toHex(head.hash) === round.head) link.height = Math.min(link.height, head.height);
    if (head.height < link.height) {
      this.o.onEvent({ event: 'sync', peer: k, height: head.height, target: link.height });
      this.requestBlocks(link);
    } else this.o.onEvent({ event: 'synced', peer: k, height: head.height });
  }

  /** The linked peer with the highest chain, when it is ahead of this node. */
  private aheadPeer(): Link | undefined {
    let best: Link | undefined;
    for (const l of this.links.values()) if (l.height > this.o.tree.head().height && (!best || l.height > best.height)) best = l;
    return best;
  }

  /** Every second: a node behind its best peer with no round under way asks for one. */
  private keepSyncing() {
    const best = this.aheadPeer();
    const round = best && this.rounds.get(best.peerHex);
    if (best && !(round && Date.now() - round.asked < SYNC_ROUND_MS)) this.requestBlocks(best);
  }

  /** Asks `link` for the blocks after the newest canonical block of ours it knows. */
  private requestBlocks(link: Link) {
    const k = link.peerHex;
    const round = this.rounds.get(k);
    if (link.isClosed || (round && !round.answered && Date.now() - round.asked < SYNC_ROUND_MS)) return;
    this.rounds.set(k, { asked: Date.now(), head: toHex(this.o.tree.head().hash), answered: false });
    link.send([Msg.GET_BLOCKS, locatorOf(this.o.store, this.o.tree.head().height), MAX_BLOCKS_PER_REPLY]);
  }

  private serveBlocks(m: CborValue[], from: Link) {
    const a = asArray(m, 3, 'GET_BLOCKS');
    if (!Array.isArray(a[1]) || a[1].length > MAX_LOCATOR) throw new UrchainError('BAD_INPUT', 'GET_BLOCKS: bad locator');
    const locator = a[1].map((x) => asBytes(x, 'locator hash', 32));
    const max = Math.min(asUint(a[2], 'max'), MAX_BLOCKS_PER_REPLY);
    const { blocks, ids } = blocksAfter(this.o.store, locator, this.o.tree.head().height, max);
    from.send([Msg.BLOCKS, blocks, batchesFor(this.o.store, ids, !!peerRole(from.hello?.role)?.servesPayloads)]);
  }


  // ---- countersignatures (proof-of-authority, k > 1) ----------------------------------------

  private signedAt = new Map<number, { hash: string; proposer: string; at: number }>();
  private sigWaiters = new Map<string, (key: Uint8Array, sig: Uint8Array) => void>();

  /** May this node sign block `hash` at `height` for `proposer`? Records it when so. */
  private lockHeight(height: number, hash: string, proposer: string): boolean {
    const prev = this.signedAt.get(height);
    // One block per height: another proposer's block only once the lock has run out (a proposer
    // that went quiet must not stop the chain); the same proposer may replace its own proposal.
    if (prev && prev.hash !== hash && prev.proposer !== proposer && Date.now() - prev.at < SIGN_LOCK_MS) return false;
    this.signedAt.set(height, { hash, proposer, at: Date.now() });
    for (const h of this.signedAt.keys()) if (h < height - 64) this.signedAt.delete(h);
    return true;
  }

  /**
   * Sends a sealed block to the linked authorities and resolves once it carries the threshold
   * of authority signatures; rejects with UNAVAILABLE when they do not come in time.
   */
  collectSignatures(signed: SignedHeader, txIds: Uint8Array[], timeoutMs: number): Promise<SignedHeader> {
    const params = this.o.tree.params;
    const h = signed.header;
    const hash = blockHashOf(h);
    const hex = toHex(hash);
    const auth = new Set(params.authorities.map(toHex));
    const sigs = [...signed.signatures];
    const have = new Set(sigs.map((s) => toHex(s.key)).filter((k) => auth.has(k)));
    this.lockHeight(h.height, hex, toHex(this.o.key.publicKey));
    const targets = [...this.links.values()].filter((l) => auth.has(l.peerHex) && !have.has(l.peerHex));
    if (have.size + targets.length < params.threshold)
      return Promise.reject(new UrchainError('UNAVAILABLE', `block ${h.height} needs ${params.threshold} authority signatures; linked to ${targets.length} other authorities`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.sigWaiters.delete(hex);
        reject(new UrchainError('UNAVAILABLE', `block ${h.height}: ${have.size} of ${params.threshold} authority signatures within ${timeoutMs} ms`));
      }, timeoutMs);
      this.sigWaiters.set(hex, (key, sig) => {
        const k = toHex(key);
        if (!auth.has(k) || have.has(k)) return;
        have.add(k);
        sigs.push({ key, sig });
        if (have.size < params.threshold) return;
        clearTimeout(timer);
        this.sigWaiters.delete(hex);
        resolve({ header: h, signatures: sigs });
      });
      const msg = encodeMsg([Msg.SIGN_REQ, blockToCbor({ signed, txIds })]);
      for (const l of targets) l.sendBytes(msg);
    });
  }

  /** An authority's answer to SIGN_REQ: its signature, or a refusal with the reason. */
  private async countersign(b: WireBlock, from: Link) {
    const h = b.signed.header;
    const hash = blockHashOf(h);
    const refuse = (why: string) => from.send([Msg.SIG, hash, new Uint8Array(0), why]);
    if (!equal(h.producer, from.hello!.nodeKey)) throw new UrchainError('BAD_INPUT', "SIGN_REQ: only a block's producer asks for countersignatures");
    if (!this.o.countersigns) return refuse('not an authority');
    const missing = b.txIds.filter((id) => !this.o.store.hasTx(id));
    if (missing.length) {
      from.send([Msg.GET_TXS, missing.slice(0, TXS_CHUNK), this.o.role.keepsPayload(false) ? 1 : 0]);
      return refuse(`${missing.length} transactions not here yet; asked for them`);
    }
    if (!equal(h.prevHash, this.o.tree.head().hash)) {
      if (h.height > this.o.tree.head().height) this.requestBlocks(from);
      return refuse(`not on this node's head (height ${this.o.tree.head().height})`);
    }
    this.o.tree.checkProposal(b.signed, b.txIds, hash); // BAD_BLOCK: the proposer is punished
    if (!this.lockHeight(h.height, toHex(hash), from.peerHex)) return refuse(`already countersigned another block at height ${h.height}`);
    from.send([Msg.SIG, hash, sign(blockMessage(hash), this.o.key.secretKey), '']);
  }

  private payloadWaiters = new Map<string, (p: Uint8Array | undefined) => void>();

  /** Fetches a payload this node does not keep from a linked archive or full node. */
  async fetchPayload(txId: Uint8Array, timeoutMs = 5000): Promise<Uint8Array | undefined> {
    const core = this.o.store.getTx(txId);
    if (!core) return undefined;
    const c = decodeCore(core.coreBytes);
    for (const l of this.links.values()) {
      // Archives and full nodes keep every payload; the origin keeps the ones it took in.
      if (!peerRole(l.hello?.role)?.servesPayloads && !equal(l.hello!.nodeKey, c.origin)) continue;
      const p = await new Promise<Uint8Array | undefined>((resolve) => {
        const t = setTimeout(() => resolve(undefined), timeoutMs);
        this.payloadWaiters.set(toHex(txId), (x) => (clearTimeout(t), resolve(x)));
        l.send([Msg.GET_PAYLOAD, txId]);
      });
      if (p && p.length === c.payloadLength && equal(sha256(p), c.payloadDigest)) return p;
    }
    return undefined;
  }

  status() {
    return {
      listen: this.listenAddress || null,
      advertise: this.advertised || null,
      links: [...this.links.values()].map((l) => ({ key: l.peerHex, role: l.hello?.role, listen: l.hello?.listen || null, direction: l.direction, since: new Date(l.since).toISOString() })),
      peers: [...this.peers.values()].map((p) => ({ key: p.key, listen: p.listen, role: p.role, linked: this.links.has(p.key) })),
      sync: this.syncStatus(),
      banned: [...this.bans].filter(([, t]) => t > Date.now()).map(([k]) => k),
    };
  }

  /**
   * Sync progress: this node's height, the height of the highest linked peer (`target`; the
   * best seen since start is `bestPeerHeight`), and `syncing` while behind it or a round is open.
   */
  private syncStatus() {
    const height = this.o.tree.head().height;
    const target = Math.max(height, ...[...this.links.values()].map((l) => l.height));
    const open = [...this.rounds.values()].some((r) => !r.answered && Date.now() - r.asked < SYNC_ROUND_MS);
    return { height, target, bestPeerHeight: this.bestPeerHeight, syncing: height < target || open, waitingBlocks: this.waitingBlocks.size, missingPayloads: this.missingPayloads.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const l of this.links.values()) l.close('shutting down');
    for (const c of this.wss?.clients ?? []) c.terminate();
    await new Promise((r) => (this.wss ? this.wss.close(() => r(undefined)) : r(undefined)));
    if (this.server) {
      this.server.closeAllConnections?.();
      await new Promise((r) => this.server!.close(() => r(undefined)));
    }
  }
}

/**
 * Score a peer loses for an error: a forgery, a malformed or oversized message or an invalid
 * block (an honest node never sends one) ends the link at once; a flood twice; anything else
 * (a local failure, say) costs little.
 */
export function penalty(e: unknown): number {
  return asUrchainError(e).spec.penalty;
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

