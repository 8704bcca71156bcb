/**
 * @module net/flood
 * Flooding with de-duplication: a batch of transactions (the unit a node signs) and a block
 * travel each link at most once, because a node forwards only what it had not seen and found
 * valid. A batch is checked whole before anything of it is kept: its origin is a member, its
 * signature covers the Merkle root of its transaction ids, every transaction is of this chain
 * and that origin, and every payload it carries matches its digest. Nodes that do not keep every
 * payload store it stripped; those that do fetch what came without (net/backfill).
 *
 * Cost under load (issue 11): a batch reaches a node over every link, so most copies are
 * duplicates. A duplicate is dropped before it is even decoded: its signature (read from the
 * message's first bytes) was seen on a batch this node took (a bounded set). A copy of a batch
 * that is being checked and stored is held until that is done: dropped when it is stored, taken
 * in its place when the checks or the write failed (a full disk), so no copy is lost to a
 * failed write. Only a new batch gets the root and signature checks and the one write; a relay
 * passes it on once it passed its checks, as the bytes it came in, to every link but the one it
 * came from and its origin. Payloads travel to peers that keep them (archive, full); the origin,
 * the only node holding them at first, sends them to every link only while some keeper is not
 * linked to it (a relay passes them on to the keepers). A keeper linked to a batch's origin
 * holds back a relayed copy without payloads for a moment: the origin's copy with them is on
 * its way, and taking the bare one first meant writing every payload a second time. A keeper
 * that got a batch without payloads first takes them from a later copy that has them, instead
 * of fetching them one by one.
 */
import type { CborValue } from '../codec/cbor.js';
import { asArray } from '../codec/cbor.js';
import { toHex, equal } from '../codec/bytes.js';
import { decodeCore, txIdOf, payloadMatches } from '../chain/transaction.js';
import { indexOf } from '../epcis/meta.js';
import { checkBatch } from '../io/checks.js';
import type { AddOutcome } from '../ledger/blocktree.js';
import { UrchainError } from '../errors.js';
import { peerRole } from '../contracts/roles.js';
import type { IngestWrite } from '../store/types.js';
import type { NetContext } from './context.js';
import type { Link } from './link.js';
import { roleOf, type MemberList } from './members.js';
import { BAN_SCORE } from './scoring.js';
import { MESSAGE_BUDGET, batchesFor } from './sync.js';
import { Msg, MAX_TXS_PER_REQUEST, batchToCbor, batchFromCbor, blockToCbor, encodeMsg, peekBatch, type WireBatch } from './wire.js';
import { IdMap } from '../codec/idMap.js';
import { RecentIds } from './ids.js';

/** Signatures of batches taken, remembered to drop later copies unchecked (oldest forgotten first). */
const RECENT_BATCHES = 4096;
/** Copies of a batch held while another copy of it is checked and stored (see `Flood.preview`). */
const HELD_COPIES = 4;
/** How long a keeper holds back a relayed copy without payloads for the origin's copy with them (see `Flood.defer`). */
export const DEFER_MS = 2000;

/** A batch being checked and stored. */
interface Taking {
  /** Its number of transactions (with the signature, what names the batch). */
  size: number;
  /** True once it is stored; false when its checks or its write failed. */
  done: Promise<boolean>;
  /** Copies that came meanwhile: their bytes and the link each came from. */
  copies: { raw: Uint8Array; from: Link }[];
}

/** What flooding asks of payload backfill (net/backfill). */
export interface PayloadGaps {
  /** A transaction kept without its payload by a node that keeps every payload. */
  note(txId: Uint8Array): void;
  /** Whether the payload of this transaction is still missing here. */
  lacks(txId: Uint8Array): boolean;
  /** Its payload came after all (stored by the caller). */
  filled(txId: Uint8Array): void;
  /** How many payloads are missing here. */
  readonly size: number;
}

export class Flood {
  /** Transactions whose batch is being stored right now: a block that names one waits for it. */
  private storing = new IdMap<true>();
  /** Signatures of batches taken, with their number of transactions (see RECENT_BATCHES). */
  private recent = new RecentIds<number>(RECENT_BATCHES);
  /** Batches being checked and stored, by signature, with the copies that came meanwhile. */
  private taking = new IdMap<Taking>();
  /** Relayed copies without payloads held back by signature (`defer`); `due` once their wait is over. */
  private deferred = new IdMap<{ due: boolean }>();
  /** The hex keys of the members other than this node that keep every payload, for `keeperUnlinked`. */
  private keepers?: { list: MemberList; keys: string[] };

  constructor(
    private readonly net: NetContext,
    private readonly gaps: PayloadGaps,
    /** How long `defer` holds a copy back (ms; tests shorten it). */
    private readonly deferMs = DEFER_MS,
  ) {}

  /** Whether a block's transaction is missing but on its way (its batch is being stored). */
  coming(id: Uint8Array): boolean {
    return this.storing.has(id);
  }

  /** Sends one message to every link but `except` (encoded once). */
  send(msg: CborValue[], except?: Link): void {
    const bytes = encodeMsg(msg);
    for (const l of this.net.links.values()) if (l !== except) l.sendBytes(bytes);
  }

  /**
   * A batch: with its payloads to the links in `full`, without them to the others; each form
   * encoded once and only when some link gets it (`raw`: the bytes it came in, sent on as they
   * are, since the decoder takes canonical CBOR only and encoding it again gives the same). Not
   * to `except` (it came from there) nor to its origin, which has it.
   */
  private sendBatch(b: WireBatch, except: Link | undefined, full: (l: Link) => boolean, raw?: Uint8Array): void {
    const carries = b.txs.some((t) => t.payload);
    const origin = this.net.links.get(toHex(b.origin));
    let whole = raw;
    let bare = carries ? undefined : raw;
    for (const l of this.net.links.values()) {
      if (l === except || l === origin) continue;
      if (!carries || full(l)) l.sendBytes((whole ??= encodeMsg([Msg.BATCH, batchToCbor(b)])));
      else l.sendBytes((bare ??= encodeMsg([Msg.BATCH, batchToCbor({ ...b, txs: b.txs.map((t) => ({ core: t.core })) })])));
    }
  }

  /**
   * Whether some member that keeps every payload (archive, full) is not linked to this node. It
   * can get a batch only through a relay, so the origin sends every link the payloads; when all
   * keepers are linked, the other links get the batch without them (they would drop them).
   */
  private keeperUnlinked(): boolean {
    const list = this.net.o.members();
    if (!list) return true;
    if (this.keepers?.list !== list) {
      const self = this.net.o.key?.publicKey;
      const keys = list.members.filter((m) => peerRole(m.role)?.servesPayloads && !(self && equal(m.key, self))).map((m) => toHex(m.key));
      this.keepers = { list, keys };
    }
    return this.keepers.keys.some((k) => !this.net.links.has(k));
  }

  /**
   * A batch this node took in: to every link. Its payloads go to the links that keep them, and
   * to every link when a keeper is not linked here (this node is the only one holding them yet,
   * and a relay passes them on to the peers that keep them). With no link it stays pending here
   * (the next link gets it, `handOverPending`), and the node says so.
   */
  announceBatch(w: IngestWrite): void {
    const bytes = w.txs.reduce((n, t) => n + (t.payload?.length ?? 0), 0);
    const strip = bytes > MESSAGE_BUDGET; // archives fetch the payloads one by one
    if (!this.net.links.size) this.net.o.onEvent({ event: 'batch-held', batch: toHex(w.batchRoot), txs: w.txs.length });
    const b: WireBatch = { origin: w.batch.origin, signature: w.batch.signature, txs: w.txs.map((t) => ({ core: t.coreBytes, payload: strip ? undefined : t.payload })) };
    const toAll = !strip && this.keeperUnlinked();
    this.sendBatch(b, undefined, (l) => toAll || !!peerRole(l.hello?.role)?.servesPayloads);
  }

  /** Blocks that joined this node's tree (its own or a peer's): to every link but the source and the block's producer. */
  announceBlocks(out: AddOutcome[], except?: Link): void {
    const { store } = this.net.o;
    for (const o of out) {
      if (o.result !== 'head' && o.result !== 'side') continue;
      const b = store.getBlock(o.hash);
      const ids = store.getBody(o.hash);
      if (!b || !ids) continue;
      const producer = this.net.links.get(toHex(b.signed.header.producer));
      let bytes: Uint8Array | undefined;
      for (const l of this.net.links.values()) if (l !== except && l !== producer) l.sendBytes((bytes ??= encodeMsg([Msg.BLOCK, blockToCbor({ signed: b.signed, txIds: ids })])));
    }
  }

  /**
   * A new link gets the batches of every transaction still pending here: records taken in while
   * this node had no link (or whose flood a dropped link lost) still reach a producer.
   */
  handOverPending(link: Link): void {
    const ids = this.net.o.pool.take(MAX_TXS_PER_REQUEST);
    if (!ids.length) return;
    const payloads = !!peerRole(link.hello?.role)?.servesPayloads;
    for (const b of batchesFor(this.net.o.store, ids, payloads)) link.send([Msg.BATCH, b]);
  }

  /**
   * A message's bytes before they are decoded (net/link `listen`): true when it is a copy of a
   * batch taken here, dropped undecoded (unless this node keeps payloads it lacks: the copy may
   * carry them), or of a batch being taken right now, held until that one is stored: dropped
   * then, and handled if its checks or its write failed, so a failed write loses nothing that
   * another copy brought (a copy beyond HELD_COPIES is dropped: one of those held is enough).
   */
  preview(raw: Uint8Array, from: Link): boolean {
    const h = peekBatch(raw);
    if (!h) return false;
    if (this.recent.get(h.signature) === h.count) return !(this.gaps.size && this.net.o.role.keepsPayload(false));
    const t = this.taking.get(h.signature);
    if (!t || t.size !== h.count) return false;
    if (t.copies.length < HELD_COPIES) t.copies.push({ raw, from });
    return true;
  }

  /** BATCH: kept, and passed on when something in it was new here (payloads only to peers that keep them). */
  async onBatch(m: CborValue[], from: Link, raw?: Uint8Array): Promise<void> {
    const b = batchFromCbor(asArray(m, 2, 'BATCH')[1]);
    if (this.defer(b, from, raw)) return;
    await this.takeOne(b, () => this.sendBatch(b, from, (l) => !!peerRole(l.hello?.role)?.servesPayloads, raw));
  }

  /**
   * A node that keeps every payload holds back, for up to DEFER_MS, a copy without payloads that
   * a relay passed on, when the batch's origin is linked here and the payloads fit in one
   * message: the origin then had every keeper linked and sent them its copy with the payloads,
   * which the relayed copy only raced. Taken first, the bare copy was stored without payloads
   * and each payload then written again from the origin's copy (a producer sent records at every
   * node spent 40% of its CPU on that). The origin's copy, when it comes, is taken instead and
   * the held one dropped; if it does not come (its link failed), the held copy is handled then,
   * as if it had just come. True when `b` is held (or another bare copy of it already is).
   */
  private defer(b: WireBatch, from: Link, raw?: Uint8Array): boolean {
    const { o } = this.net;
    if (!o.role.keepsPayload(false) || b.txs.some((t) => t.payload)) return false;
    const originHex = toHex(b.origin);
    if (from.peerHex === originHex || !this.net.links.has(originHex)) return false;
    if (this.recent.get(b.signature) === b.txs.length || this.taking.get(b.signature)) return false; // takeOne drops it
    const held = this.deferred.get(b.signature);
    if (held?.due) return (this.deferred.delete(b.signature), false);
    if (held) return true;
    let bytes = 0;
    try {
      for (const t of b.txs) bytes += decodeCore(t.core).payloadLength;
    } catch {
      return false; // takeOne finds what is wrong with it
    }
    if (bytes > MESSAGE_BUDGET) return false; // its origin stripped it for every link
    const entry = { due: false };
    this.deferred.set(b.signature, entry);
    const bytesIn = raw ?? encodeMsg([Msg.BATCH, batchToCbor(b)]);
    setTimeout(() => {
      if (this.deferred.get(b.signature) !== entry) return; // the origin's copy was taken
      entry.due = true;
      this.net.deliver(bytesIn, from);
    }, this.deferMs).unref();
    return true;
  }

  /**
   * Verifies and stores batches (stripped for nodes that do not keep every payload). A forged
   * batch throws BAD_SIGNATURE. Returns the transaction ids that were new here.
   */
  async takeBatches(batches: WireBatch[]): Promise<Uint8Array[]> {
    const fresh: Uint8Array[] = [];
    for (const b of batches) for (const id of (await this.takeOne(b)) ?? []) fresh.push(id);
    return fresh;
  }

  /**
   * One batch: its new transactions once they are stored, undefined when it brought nothing new.
   * `checked` runs once the batch passed its checks and has something new, before the write
   * (a relay passes it on without waiting for its own disk).
   */
  private async takeOne(b: WireBatch, checked?: () => void): Promise<Uint8Array[] | undefined> {
    const { o } = this.net;
    const keeps = o.role.keepsPayload(false);
    // Not a member: FORBIDDEN by meaning, but a member that relays it is banned at once.
    if (!roleOf(o.members(), b.origin)) throw UrchainError.FORBIDDEN(`batch from ${toHex(b.origin).slice(0, 16)}…, which is not a member`, { penalty: BAN_SCORE });
    // A copy of a batch taken here: the same signature over the same number of transactions
    // signs the same root, so the copy is that batch or a forgery; neither is kept or passed
    // on. (Another number of transactions gets every check, and a forgery its penalty.) A copy
    // of one being taken waits for it, and is taken itself if that one failed.
    for (;;) {
      if (this.recent.get(b.signature) === b.txs.length) {
        if (keeps) this.fillGaps(b);
        return undefined;
      }
      const t = this.taking.get(b.signature);
      if (!t || t.size !== b.txs.length) break;
      await t.done;
    }
    let settle: (ok: boolean) => void = () => undefined;
    const entry: Taking | undefined = this.taking.get(b.signature) ? undefined : { size: b.txs.length, done: new Promise((r) => (settle = r)), copies: [] };
    if (entry) this.taking.set(b.signature, entry);
    let ok = false;
    try {
      const txIds = b.txs.map((t) => txIdOf(t.core));
      const isNew = txIds.filter((id) => !this.storing.has(id) && !o.store.hasTx(id));
      if (!isNew.length) {
        ok = true; // seen before (or being stored from another batch): not checked or forwarded again
        if (keeps) this.fillGaps(b, txIds);
        return undefined;
      }
      const { root, fault } = checkBatch({ origin: b.origin, signature: b.signature, txIds });
      if (fault) throw UrchainError.BAD_SIGNATURE(`batch ${toHex(root).slice(0, 16)}…: the signature does not verify`);
      const txs = b.txs.map((t, index) => {
        const core = decodeCore(t.core);
        if (!equal(core.chainId, o.tree.chainId)) throw UrchainError.BAD_INPUT('batch: a transaction of another chain');
        if (!equal(core.origin, b.origin)) throw UrchainError.BAD_SIGNATURE('batch: a transaction of another origin');
        if (t.payload && !payloadMatches(core, t.payload))
          throw UrchainError.BAD_SIGNATURE('batch: a payload does not match its digest');
        return { txId: txIds[index], coreBytes: t.core, index, payload: keeps ? t.payload : undefined, ...indexOf(core.meta) };
      });
      checked?.();
      for (const id of isNew) this.storing.set(id, true);
      const head = o.store.head()?.hash;
      try {
        await o.store.commitIngest({ batchRoot: root, batch: { origin: b.origin, signature: b.signature, txIds }, txs });
      } finally {
        for (const id of isNew) this.storing.delete(id);
      }
      this.recent.set(b.signature, txIds.length);
      this.deferred.delete(b.signature); // a bare copy held back for this one is not needed
      ok = true;
      if (keeps) for (const t of txs) if (!t.payload && !o.store.getPayload(t.txId)) this.gaps.note(t.txId);
      // Pending only what no canonical block holds yet. A new transaction was in no block before
      // this write, so only a block that came during it can hold one (a syncing node gets old
      // batches too).
      const moved = !head || !equal(head, o.store.head()?.hash ?? head);
      o.pool.add(moved ? isNew.filter((id) => !o.store.location(id)) : isNew);
      return isNew;
    } finally {
      if (entry) {
        if (this.taking.get(b.signature) === entry) this.taking.delete(b.signature);
        settle(ok);
        // Held copies: handled when this one failed; looked into when stored and payloads are missing here.
        if (!ok || (keeps && this.gaps.size)) for (const c of entry.copies) this.net.deliver(c.raw, c.from);
      }
    }
  }

  /**
   * A copy of a stored batch that carries payloads this node keeps but lacks (an earlier copy
   * came without them): they are stored, each checked against its core. True when some were.
   */
  private fillGaps(b: WireBatch, ids?: Uint8Array[]): boolean {
    let filled = false;
    if (!this.gaps.size) return false;
    b.txs.forEach((t, i) => {
      if (!t.payload) return;
      const id = ids?.[i] ?? txIdOf(t.core);
      if (!this.gaps.lacks(id)) return;
      const stored = this.net.o.store.getTx(id);
      if (!stored || !payloadMatches(decodeCore(stored.coreBytes), t.payload)) return;
      filled = true;
      this.gaps.filled(id);
      void this.net.o.store.putPayload(id, t.payload).catch(() => this.gaps.note(id)); // fetched later instead
    });
    return filled;
  }
}
