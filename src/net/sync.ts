/**
 * @module net/sync
 * Header and block sync for a node that is behind. It asks a peer for the blocks after the newest
 * of its own canonical blocks the peer knows: a block locator (its canonical block hashes from
 * the head back, the first 9 one apart, then doubling the step, genesis last, as in Bitcoin).
 * The peer answers with up to 200 blocks after the newest locator hash on its canonical chain,
 * with the batches their transactions came in (without payloads for nodes that do not keep
 * them), all within the message budget so that no honest message goes over the limit. Rounds go
 * on until the node has the head of its best linked peer. A block whose transactions are unknown
 * waits until they are fetched (GET_TXS), if it is one above a block this node has and its seal
 * verifies (a few per peer, for a minute at most); any other is left to a sync round, so blocks
 * a peer makes up cannot hold off sync or take the places of real ones.
 */
import { toHex, equal } from '../codec/bytes.js';
import { asArray, asBytes, asUint, type CborValue } from '../codec/cbor.js';
import { blockHashOf } from '../chain/header.js';
import { UrchainError } from '../errors.js';
import { peerRole } from '../contracts/roles.js';
import type { Store } from '../store/types.js';
import type { NetContext } from './context.js';
import type { Flood } from './flood.js';
import type { Link } from './link.js';
import { Msg, MAX_LOCATOR, MAX_BLOCKS_PER_REPLY, MAX_TXS_PER_REQUEST, batchFromCbor, batchToCbor, blockFromCbor, blockToCbor, type Hello, type WireBlock } from './wire.js';

/**
 * Payload bytes one message may carry (URCHAIN_MESSAGE_BUDGET overrides; default 32 MiB, half the
 * message limit). Payloads beyond it are left out, and nodes that keep every payload fetch them
 * one by one afterwards, so no honest message ever goes over the limit.
 */
export const MESSAGE_BUDGET = Number(process.env.URCHAIN_MESSAGE_BUDGET) || 32 * 1024 * 1024;
/** What one transaction adds to a BLOCKS reply without its payload (id and core), roughly. */
const TX_WIRE_BYTES = 300;

/** The locator for a node whose canonical head is at `head`. */
export function locatorOf(store: Store, head: number): Uint8Array[] {
  const locator: Uint8Array[] = [];
  for (let h = head, step = 1; h >= 0 && locator.length < MAX_LOCATOR - 1; h -= step) {
    locator.push(store.hashAt(h)!);
    if (locator.length > 8) step *= 2;
  }
  locator.push(store.hashAt(0)!);
  return locator;
}

/**
 * Up to `max` canonical blocks after the newest locator hash on this chain (after genesis when
 * none is), and the ids whose batches go with them. Ids and cores count against the budget too:
 * a reply stops before it would grow too big, and a block too big to come with its transactions
 * comes alone (the peer asks GET_TXS).
 */
export function blocksAfter(store: Store, locator: Uint8Array[], head: number, max: number): { blocks: CborValue[]; ids: Uint8Array[] } {
  let start = 1;
  for (const h of locator) {
    const b = store.getBlock(h);
    if (b && equal(store.hashAt(b.signed.header.height) ?? new Uint8Array(0), h)) {
      start = b.signed.header.height + 1;
      break;
    }
  }
  const blocks: CborValue[] = [];
  const ids: Uint8Array[] = [];
  let bytes = 0;
  for (let h = start; h <= head && blocks.length < max; h++) {
    const hash = store.hashAt(h)!;
    const body = store.getBody(hash)!;
    const cost = body.length * TX_WIRE_BYTES;
    if (blocks.length && bytes + cost > MESSAGE_BUDGET) break;
    blocks.push(blockToCbor({ signed: store.getBlock(hash)!.signed, txIds: body }));
    bytes += cost;
    if (bytes <= MESSAGE_BUDGET) ids.push(...body);
  }
  return { blocks, ids };
}

/** The batches the given transactions were signed in, each whole (its root needs every id). */
export function batchesFor(store: Store, ids: Uint8Array[], payloads: boolean): CborValue[] {
  const roots = new Map<string, Uint8Array>();
  for (const id of ids) {
    const t = store.getTx(id);
    if (t) roots.set(toHex(t.batchRoot), t.batchRoot);
  }
  const out: CborValue[] = [];
  let budget = MESSAGE_BUDGET;
  for (const root of roots.values()) {
    const b = store.getBatch(root);
    if (!b) continue;
    out.push(
      batchToCbor({
        origin: b.origin,
        signature: b.signature,
        txs: b.txIds.map((id) => {
          // Payloads past the budget are left out; the peer fetches them one by one.
          let payload = payloads && budget > 0 ? store.getPayload(id) : undefined;
          if (payload && payload.length > budget) payload = undefined;
          if (payload) budget -= payload.length;
          return { core: store.getTx(id)!.coreBytes, payload };
        }),
      }),
    );
  }
  return out;
}

/** Ids per GET_TXS request. */
export const TXS_CHUNK = 10_000;
/** A sync round not answered within this time may be asked again (of the same or another peer). */
const SYNC_ROUND_MS = 10_000;
/** Blocks that wait for their transactions, at most. */
export const MAX_WAITING_BLOCKS = 1024;
/** Blocks one peer may have waiting at once: more than a burst of real ones, far fewer than all slots. */
export const MAX_WAITING_PER_PEER = 32;
/** A block still waiting after this long is dropped: a sync round fetches it with its transactions, if it is real. */
const WAITING_MS = 60_000;

export class Sync {
  /** Blocks that came before their transactions, by hex hash, with the link they came from. */
  private waitingBlocks = new Map<string, { block: WireBlock; from: Link; since: number }>();
  /** The highest block being added to the tree right now (0: none). */
  private adding = 0;
  /** Sync rounds asked for, by peer: when, the head then, and whether the reply came. */
  private rounds = new Map<string, { asked: number; head: string; answered: boolean }>();
  /** The highest height any peer has shown since start. */
  bestPeerHeight = 0;

  constructor(
    private readonly net: NetContext,
    private readonly flood: Flood,
  ) {}

  /** A new link: asks it for blocks when it is ahead or its head is unknown here. */
  linked(link: Link, h: Hello): void {
    this.bestPeerHeight = Math.max(this.bestPeerHeight, h.height);
    if (h.height > this.net.o.tree.head().height || !this.net.o.store.getBlock(h.headHash)) this.requestBlocks(link);
  }

  /** A closed link: its round is over. */
  unlinked(key: string): void {
    this.rounds.delete(key);
  }

  /**
   * Asks `link` for transactions this node lacks, TXS_CHUNK ids a request, with payloads when it
   * keeps them; `firstOnly` sends the first request alone.
   */
  askTxs(link: Link, missing: Uint8Array[], firstOnly = false): void {
    const payloads = this.net.o.role.keepsPayload(false) ? 1 : 0;
    for (let i = 0; i < missing.length; i += TXS_CHUNK) {
      link.send([Msg.GET_TXS, missing.slice(i, i + TXS_CHUNK), payloads]);
      if (firstOnly) return;
    }
  }

  /** BLOCK: a block a peer flooded. */
  onBlock(m: CborValue[], from: Link): Promise<void> {
    return this.takeBlock(blockFromCbor(asArray(m, 2, 'BLOCK')[1]), from);
  }

  async takeBlock(b: WireBlock, from: Link, syncing = false): Promise<void> {
    const { o } = this.net;
    const hash = blockHashOf(b.signed.header);
    if (o.store.getBlock(hash)) return;
    const missing = b.txIds.filter((id) => !o.store.hasTx(id));
    if (missing.length) {
      if (!this.mayWait(b, hash, from)) {
        if (!syncing) this.requestBlocks(from); // a round brings it with its transactions, if it is real
        return;
      }
      this.claims(b, from);
      this.waitingBlocks.set(toHex(hash), { block: b, from, since: Date.now() });
      // Transactions whose batch is being stored (it came just before the block) are not asked
      // for: retryWaiting adds the block once that write is done.
      const ask = missing.filter((id) => !this.flood.coming(id));
      if (ask.length) this.askTxs(from, ask);
      return;
    }
    this.claims(b, from);
    const height = b.signed.header.height;
    this.adding = Math.max(this.adding, height);
    let out: Awaited<ReturnType<typeof o.tree.add>>;
    try {
      out = await o.tree.add(b.signed, b.txIds);
    } finally {
      if (this.adding === height) this.adding = 0;
    }
    o.onBlocks(out);
    if (out[0].result === 'orphan') {
      if (!syncing) this.requestBlocks(from);
      return;
    }
    this.flood.announceBlocks(out, from);
  }

  /** What a block a peer sent says of its chain: at least this high (what sync aims at). */
  private claims(b: WireBlock, from: Link): void {
    this.bestPeerHeight = Math.max(this.bestPeerHeight, b.signed.header.height);
    from.height = Math.max(from.height, b.signed.header.height);
  }

  /**
   * Whether a block that came before its transactions may wait for them here (kept unchecked
   * until they come, and counted as on its way by keepSyncing). Only a block one above a block
   * this node has (stored, or waiting itself) whose seal verifies: a peer could make up any
   * other at will (a height far ahead, an unknown parent) to hold off sync and take the slots of
   * real blocks. Such a block is left to a sync round. A peer has at most MAX_WAITING_PER_PEER
   * blocks waiting, and a block waits at most WAITING_MS. A bad seal throws BAD_BLOCK: the
   * sender is scored.
   */
  private mayWait(b: WireBlock, hash: Uint8Array, from: Link): boolean {
    const now = Date.now();
    let mine = 0;
    for (const [hex, w] of this.waitingBlocks)
      if (now - w.since > WAITING_MS) this.waitingBlocks.delete(hex);
      else if (w.from === from) mine++;
    if (this.waitingBlocks.size >= MAX_WAITING_BLOCKS || mine >= MAX_WAITING_PER_PEER) return false;
    const h = b.signed.header;
    const parent = this.net.o.store.getBlock(h.prevHash)?.signed.header ?? this.waitingBlocks.get(toHex(h.prevHash))?.block.signed.header;
    if (!parent || h.height !== parent.height + 1) return false;
    this.net.o.tree.consensus.validate(b.signed, hash);
    return true;
  }

  /** Adds the waiting blocks whose transactions are all here now. */
  async retryWaiting(): Promise<void> {
    const from = new Set<Link>();
    for (const [hex, w] of [...this.waitingBlocks]) {
      if (w.block.txIds.some((id) => !this.net.o.store.hasTx(id))) continue;
      this.waitingBlocks.delete(hex);
      from.add(w.from);
      await this.takeBlock(w.block, w.from).catch((e: unknown) => this.net.punish(w.from, e));
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
    const head = this.net.o.tree.head();
    if (toHex(head.hash) === round.head) link.height = Math.min(link.height, head.height);
    if (head.height < link.height) {
      this.net.o.onEvent({ event: 'sync', peer: k, height: head.height, target: link.height });
      this.requestBlocks(link);
    } else this.net.o.onEvent({ event: 'synced', peer: k, height: head.height });
  }

  /**
   * Every second: a node behind its best linked peer with no round under way asks for one. A
   * peer's head that is being added here, or waits for transactions on their way (for less than
   * a round's time), is not a reason: under load a node is always a block behind for a moment,
   * and a sync round would fetch that block's transactions a second time.
   */
  keepSyncing(): void {
    let best: Link | undefined;
    let height = Math.max(this.net.o.tree.head().height, this.adding);
    const now = Date.now();
    for (const w of this.waitingBlocks.values()) if (now - w.since < SYNC_ROUND_MS) height = Math.max(height, w.block.signed.header.height);
    // A peer that left its last round unanswered for a round's time (it may claim a height it
    // does not have) is asked again only when no other peer is ahead.
    const stalled = (l: Link) => {
      const r = this.rounds.get(l.peerHex);
      return !!r && !r.answered && now - r.asked >= SYNC_ROUND_MS;
    };
    const ahead = [...this.net.links.values()].filter((l) => l.height > height);
    const answering = ahead.filter((l) => !stalled(l));
    for (const l of answering.length ? answering : ahead) if (!best || l.height > best.height) best = l;
    const round = best && this.rounds.get(best.peerHex);
    if (best && !(round && Date.now() - round.asked < SYNC_ROUND_MS)) this.requestBlocks(best);
  }

  /** Asks `link` for the blocks after the newest canonical block of ours it knows. */
  requestBlocks(link: Link): void {
    const { o } = this.net;
    const k = link.peerHex;
    const round = this.rounds.get(k);
    if (link.isClosed || (round && !round.answered && Date.now() - round.asked < SYNC_ROUND_MS)) return;
    this.rounds.set(k, { asked: Date.now(), head: toHex(o.tree.head().hash), answered: false });
    link.send([Msg.GET_BLOCKS, locatorOf(o.store, o.tree.head().height), MAX_BLOCKS_PER_REPLY]);
  }

  /** GET_BLOCKS: the blocks after the peer's locator, with their batches. */
  onGetBlocks(m: CborValue[], from: Link): void {
    const { o } = this.net;
    const a = asArray(m, 3, 'GET_BLOCKS');
    if (!Array.isArray(a[1]) || a[1].length > MAX_LOCATOR) throw UrchainError.BAD_INPUT('GET_BLOCKS: bad locator');
    const locator = a[1].map((x) => asBytes(x, 'locator hash', 32));
    const max = Math.min(asUint(a[2], 'max'), MAX_BLOCKS_PER_REPLY);
    const { blocks, ids } = blocksAfter(o.store, locator, o.tree.head().height, max);
    from.send([Msg.BLOCKS, blocks, batchesFor(o.store, ids, !!peerRole(from.hello?.role)?.servesPayloads)]);
  }

  /** BLOCKS: the reply to a round; the next round follows when the peer is still ahead. */
  async onBlocks(m: CborValue[], from: Link): Promise<void> {
    const a = asArray(m, 3, 'BLOCKS');
    if (!Array.isArray(a[1]) || !Array.isArray(a[2])) throw UrchainError.BAD_INPUT('BLOCKS: expected arrays');
    await this.flood.takeBatches(a[2].map(batchFromCbor));
    await this.retryWaiting(); // flooded blocks that waited for these batches' write
    const blocks = a[1].map(blockFromCbor);
    for (const b of blocks) await this.takeBlock(b, from, true);
    const round = this.rounds.get(from.peerHex);
    if (round) round.answered = true;
    this.nextRound(from);
  }

  /** GET_TXS: the batches of the asked transactions, with payloads when asked for. */
  onGetTxs(m: CborValue[], from: Link): void {
    const a = asArray(m, 3, 'GET_TXS');
    if (!Array.isArray(a[1]) || a[1].length > MAX_TXS_PER_REQUEST) throw UrchainError.BAD_INPUT('GET_TXS: too many ids');
    const ids = a[1].map((x) => asBytes(x, 'txId', 32));
    from.send([Msg.TXS, batchesFor(this.net.o.store, ids, asUint(a[2], 'wantPayloads') === 1)]);
  }

  /** TXS: transactions asked for; blocks that waited for them go in. */
  async onTxs(m: CborValue[]): Promise<void> {
    const a = asArray(m, 2, 'TXS');
    if (!Array.isArray(a[1])) throw UrchainError.BAD_INPUT('TXS: expected an array');
    await this.flood.takeBatches(a[1].map(batchFromCbor));
    await this.retryWaiting();
  }

  /**
   * Sync progress: this node's height, the height of the highest linked peer (`target`; the
   * best seen since start is `bestPeerHeight`), and `syncing` while behind it or a round is open.
   */
  status(): { height: number; target: number; bestPeerHeight: number; syncing: boolean; waitingBlocks: number } {
    const height = this.net.o.tree.head().height;
    const target = Math.max(height, ...[...this.net.links.values()].map((l) => l.height));
    const open = [...this.rounds.values()].some((r) => !r.answered && Date.now() - r.asked < SYNC_ROUND_MS);
    return { height, target, bestPeerHeight: this.bestPeerHeight, syncing: height < target || open, waitingBlocks: this.waitingBlocks.size };
  }
}
