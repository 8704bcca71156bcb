/**
 * @module net/flood
 * Flooding with de-duplication: a batch of transactions (the unit a node signs) and a block
 * travel each link at most once, because a node forwards only what it had not seen and found
 * valid. A batch is checked whole before anything of it is kept: its origin is a member, its
 * signature covers the Merkle root of its transaction ids, every transaction is of this chain
 * and that origin, and every payload it carries matches its digest. Nodes that do not keep every
 * payload store it stripped; those that do fetch what came without (net/backfill).
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

export class Flood {
  constructor(
    private readonly net: NetContext,
    /** A transaction kept without its payload by a node that keeps every payload. */
    private readonly missingPayload: (txId: Uint8Array) => void,
  ) {}

  /** Sends one message to every link but `except` (encoded once). */
  send(msg: CborValue[], except?: Link): void {
    const bytes = encodeMsg(msg);
    for (const l of this.net.links.values()) if (l !== except) l.sendBytes(bytes);
  }

  /**
   * A batch this node took in: to every link. With no link it stays pending here (the next link
   * gets it, `handOverPending`), and the node says so.
   */
  announceBatch(w: IngestWrite): void {
    const bytes = w.txs.reduce((n, t) => n + (t.payload?.length ?? 0), 0);
    const strip = bytes > MESSAGE_BUDGET; // archives fetch the payloads one by one
    if (!this.net.links.size) this.net.o.onEvent({ event: 'batch-held', batch: toHex(w.batchRoot), txs: w.txs.length });
    this.send([Msg.BATCH, batchToCbor({ origin: w.batch.origin, signature: w.batch.signature, txs: w.txs.map((t) => ({ core: t.coreBytes, payload: strip ? undefined : t.payload })) })]);
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

  /** BATCH: kept, and passed on when something in it was new here. */
  async onBatch(m: CborValue[], from: Link): Promise<void> {
    const fresh = await this.takeBatches([batchFromCbor(asArray(m, 2, 'BATCH')[1])]);
    if (fresh.length) this.send(m, from);
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
      const txIds = b.txs.map((t) => txIdOf(t.core));
      const { root, fault } = checkBatch({ origin: b.origin, signature: b.signature, txIds });
      const rootHex = toHex(root);
      if (txIds.every((id) => o.store.hasTx(id))) continue; // seen before: not forwarded again
      if (fault) throw UrchainError.BAD_SIGNATURE(`batch ${rootHex.slice(0, 16)}…: the signature does not verify`);
      const txs = b.txs.map((t, index) => {
        const core = decodeCore(t.core);
        if (!equal(core.chainId, o.tree.chainId)) throw UrchainError.BAD_INPUT('batch: a transaction of another chain');
        if (!equal(core.origin, b.origin)) throw UrchainError.BAD_SIGNATURE('batch: a transaction of another origin');
        if (t.payload && !payloadMatches(core, t.payload))
          throw UrchainError.BAD_SIGNATURE('batch: a payload does not match its digest');
        return { txId: txIds[index], coreBytes: t.core, index, payload: keeps ? t.payload : undefined, ...indexOf(core.meta) };
      });
      const isNew = txIds.filter((id) => !o.store.hasTx(id));
      await o.store.commitIngest({ batchRoot: root, batch: { origin: b.origin, signature: b.signature, txIds }, txs });
      if (keeps) for (const t of txs) if (!t.payload && !o.store.getPayload(t.txId)) this.missingPayload(t.txId);
      // Pending only what no canonical block holds yet (a syncing node gets old batches too).
      o.pool.add(isNew.filter((id) => !o.store.location(id)));
      fresh.push(...isNew);
    }
    return fresh;
  }
}
