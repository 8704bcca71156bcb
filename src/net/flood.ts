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
 * duplicates. A duplicate is dropped before any check that costs: its signature was seen on a
 * batch this node took (a bounded set), or every transaction is stored or being stored by a
 * copy that came first; only a new batch gets the root and signature checks and the one write.
 * Payloads travel to peers that keep them (archive, full) and from a record's origin, which is
 * the only node holding them at first; a relay passes the others the batch without payloads, as
 * they would drop them. A keeper that got a batch without payloads first takes them from a later
 * copy that has them, instead of fetching them one by one.
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
import { roleOf } from './members.js';
import { BAN_SCORE } from './scoring.js';
import { MESSAGE_BUDGET, batchesFor } from './sync.js';
import { Msg, MAX_TXS_PER_REQUEST, batchToCbor, batchFromCbor, blockToCbor, encodeMsg, type WireBatch } from './wire.js';

/** Signatures of batches taken, remembered to drop later copies unchecked (oldest forgotten first). */
const RECENT_BATCHES = 4096;

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
  /** Transactions whose batch is being stored right now (hex ids): a copy of it is a duplicate. */
  private storing = new Set<string>();
  /** Hex signatures of batches taken, with their size (see RECENT_BATCHES). */
  private recent = new Map<string, number>();

  constructor(
    private readonly net: NetContext,
    private readonly gaps: PayloadGaps,
  ) {}

  /** Whether the transaction is stored, or its batch is being stored. */
  private known(id: Uint8Array): boolean {
    return this.storing.has(toHex(id)) || this.net.o.store.hasTx(id);
  }

  /** Whether a block's transaction is missing but on its way (its batch is being stored). */
  coming(id: Uint8Array): boolean {
    return this.storing.has(toHex(id));
  }

  /** Sends one message to every link but `except` (encoded once). */
  send(msg: CborValue[], except?: Link): void {
    const bytes = encodeMsg(msg);
    for (const l of this.net.links.values()) if (l !== except) l.sendBytes(bytes);
  }

  /**
   * A batch: with its payloads to the links in `full` (or to every link that keeps payloads),
   * without them to the others; each form encoded once, and only when some link gets it.
   */
  private sendBatch(b: WireBatch, except: Link | undefined, full: (l: Link) => boolean): void {
    const stripped = b.txs.some((t) => t.payload) ? { ...b, txs: b.txs.map((t) => ({ core: t.core })) } : b;
    const bytes: { with?: Uint8Array; without?: Uint8Array } = {};
    for (const l of this.net.links.values()) {
      if (l === except) continue;
      const whole = b === stripped || full(l);
      const m = whole ? (bytes.with ??= encodeMsg([Msg.BATCH, batchToCbor(b)])) : (bytes.without ??= encodeMsg([Msg.BATCH, batchToCbor(stripped)]));
      l.sendBytes(m);
    }
  }

  /**
   * A batch this node took in: to every link, with its payloads (this node is the only one
   * holding them yet, and a relay passes them on to the peers that keep them). With no link it
   * stays pending here (the next link gets it, `handOverPending`), and the node says so.
   */
  announceBatch(w: IngestWrite): void {
    const bytes = w.txs.reduce((n, t) => n + (t.payload?.length ?? 0), 0);
    const strip = bytes > MESSAGE_BUDGET; // archives fetch the payloads one by one
    if (!this.net.links.size) this.net.o.onEvent({ event: 'batch-held', batch: toHex(w.batchRoot), txs: w.txs.length });
    const b: WireBatch = { origin: w.batch.origin, signature: w.batch.signature, txs: w.txs.map((t) => ({ core: t.coreBytes, payload: strip ? undefined : t.payload })) };
    this.sendBatch(b, undefined, () => true);
  }

  /** Blocks that joined this node's tree (its own or a peer's): to every link but the source. */
  announceBlocks(out: AddOutcome[], except?: Link): void {
    const { store } = this.net.o;
    for (const o of out) {
      if (o.result !== 'head' && o.result !== 'side') continue;
      const b = store.getBlock(o.hash);
      const ids = store.getBody(o.hash);
      if (!b || !ids) continue;
      this.send([Msg.BLOCK, blockToCbor({ signed: b.signed, txIds: ids })], except);
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

  /** BATCH: kept, and passed on when something in it was new here (payloads only to peers that keep them). */
  async onBatch(m: CborValue[], from: Link): Promise<void> {
    const b = batchFromCbor(asArray(m, 2, 'BATCH')[1]);
    const fresh = await this.takeBatches([b]);
    if (fresh.length) this.sendBatch(b, from, (l) => !!peerRole(l.hello?.role)?.servesPayloads);
  }

  /**
   * Verifies and stores batches (stripped for nodes that do not keep every payload). A forged
   * batch throws BAD_SIGNATURE. Returns the transaction ids that were new here.
   */
  async takeBatches(batches: WireBatch[]): Promise<Uint8Array[]> {
    const { o } = this.net;
    const keeps = o.role.keepsPayload(false);
    const fresh: Uint8Array[] = [];
    for (const b of batches) {
      // Not a member: FORBIDDEN by meaning, but a member that relays it is banned at once.
      if (!roleOf(o.members(), b.origin)) throw UrchainError.FORBIDDEN(`batch from ${toHex(b.origin).slice(0, 16)}…, which is not a member`, { penalty: BAN_SCORE });
      // A copy of a batch taken here: the same signature over the same number of transactions
      // signs the same root, so the copy is that batch or a forgery; neither is kept or passed
      // on. (Another number of transactions gets every check, and a forgery its penalty.)
      const sig = toHex(b.signature);
      if (this.recent.get(sig) === b.txs.length) {
        if (keeps) this.fillGaps(b);
        continue;
      }
      const txIds = b.txs.map((t) => txIdOf(t.core));
      if (txIds.every((id) => this.known(id))) {
        if (keeps) this.fillGaps(b, txIds);
        continue; // seen before (or being stored from another copy): not checked or forwarded again
      }
      const { root, fault } = checkBatch({ origin: b.origin, signature: b.signature, txIds });
      const rootHex = toHex(root);
      if (fault) throw UrchainError.BAD_SIGNATURE(`batch ${rootHex.slice(0, 16)}…: the signature does not verify`);
      const txs = b.txs.map((t, index) => {
        const core = decodeCore(t.core);
        if (!equal(core.chainId, o.tree.chainId)) throw UrchainError.BAD_INPUT('batch: a transaction of another chain');
        if (!equal(core.origin, b.origin)) throw UrchainError.BAD_SIGNATURE('batch: a transaction of another origin');
        if (t.payload && !payloadMatches(core, t.payload))
          throw UrchainError.BAD_SIGNATURE('batch: a payload does not match its digest');
        return { txId: txIds[index], coreBytes: t.core, index, payload: keeps ? t.payload : undefined, ...indexOf(core.meta) };
      });
      const isNew = txIds.filter((id) => !this.known(id));
      const hex = isNew.map(toHex);
      for (const h of hex) this.storing.add(h);
      try {
        await o.store.commitIngest({ batchRoot: root, batch: { origin: b.origin, signature: b.signature, txIds }, txs });
      } finally {
        for (const h of hex) this.storing.delete(h);
      }
      this.remember(sig, txIds.length);
      if (keeps) for (const t of txs) if (!t.payload && !o.store.getPayload(t.txId)) this.gaps.note(t.txId);
      // Pending only what no canonical block holds yet (a syncing node gets old batches too).
      o.pool.add(isNew.filter((id) => !o.store.location(id)));
      fresh.push(...isNew);
    }
    return fresh;
  }

  private remember(sig: string, size: number): void {
    this.recent.set(sig, size);
    if (this.recent.size > RECENT_BATCHES) this.recent.delete(this.recent.keys().next().value!);
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
