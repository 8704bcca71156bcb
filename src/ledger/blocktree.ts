/**
 * @module ledger/blocktree
 * Every header a node knows: the canonical chain, side branches, and orphans waiting for their
 * parent. Adding a block validates it against its parent, stores it, and, when its branch now
 * wins fork choice, moves the canonical chain in the same atomic commit: transactions of
 * abandoned blocks that the new branch does not hold go back to the pending pool, so a
 * reorganisation loses nothing that was taken in.
 *
 * Fork choice: the head is the block with the most cumulative work; between equally heavy heads
 * the one with the lowest block hash (bytewise) wins. That is a total order on blocks, so every
 * node that knows the same blocks has the same head, whatever order they arrived in, and two
 * branches of equal work need no further block to settle.
 *
 * It lives above chain, consensus and store (it uses all three), so none of them imports it.
 */
import type { Consensus } from '../consensus/types.js';
import type { ChainParams } from '../chain/params.js';
import { blockHashOf, type Header, type SignedHeader } from '../chain/header.js';
import { chainIdOf } from '../chain/params.js';
import { leafHash, rootOf, frontierAppend, frontierRoot } from '../merkle/tree.js';
import { equal, toHex, compareBytes } from '../codec/bytes.js';
import { badBlock, notFound } from '../errors.js';
import type { Store, ChainMove, Head, StoredBlock } from '../store/types.js';

export const MAX_FUTURE_MS = 2 * 60_000;
export const MAX_ORPHANS = 1024;

export type AddResult = 'head' | 'side' | 'known' | 'orphan';

export interface AddOutcome {
  result: AddResult;
  hash: Uint8Array;
  move?: ChainMove;
}

export class BlockTree {
  readonly chainId: Uint8Array;
  private orphans = new Map<string, { signed: SignedHeader; txIds: Uint8Array[] }[]>();
  private orphanCount = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly store: Store,
    readonly consensus: Consensus,
    readonly params: ChainParams,
  ) {
    this.chainId = chainIdOf(params);
  }

  head(): Head {
    return this.store.head()!;
  }

  headHeader(): Header {
    return this.store.getBlock(this.head().hash)!.signed.header;
  }

  /** A header for a new block on top of the head, ready to seal. */
  nextHeader(txIds: readonly Uint8Array[], producer: Uint8Array, now = Date.now()): Header {
    const head = this.head();
    const parent = this.store.getBlock(head.hash)!;
    return {
      version: 1,
      chainId: this.chainId,
      height: head.height + 1,
      timestamp: Math.max(now, parent.signed.header.timestamp),
      prevHash: head.hash,
      merkleRoot: rootOf(txIds.map(leafHash)),
      txCount: txIds.length,
      difficulty: this.consensus.difficultyAfter(parent.signed.header),
      nonce: 0n,
      producer,
      historyRoot: frontierRoot(parent.frontier),
    };
  }

  /** Adds one block; calls are serialised so two adds never race on the head. */
  add(signed: SignedHeader, txIds: Uint8Array[]): Promise<AddOutcome[]> {
    const run = this.queue.then(() => this.addNow(signed, txIds));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async addNow(signed: SignedHeader, txIds: Uint8Array[]): Promise<AddOutcome[]> {
    const h = signed.header;
    const hash = blockHashOf(h);
    if (this.store.getBlock(hash)) return [{ result: 'known', hash }];
    this.checkStandalone(signed, txIds);
    const parent = this.store.getBlock(h.prevHash);
    if (!parent) {
      this.keepOrphan(signed, txIds);
      return [{ result: 'orphan', hash }];
    }
    this.checkOnParent(signed, hash, parent);

    const work = parent.work + this.consensus.work(h);
    const frontier = frontierAppend(parent.frontier, h.height, leafHash(hash));
    const head = this.head();
    const headBlock = this.store.getBlock(head.hash)!;
    let move: ChainMove | undefined;
    if (heavier(work, hash, headBlock.work, head.hash)) move = this.planMove(hash, h, txIds, head);
    await this.store.commitBlock({ hash, block: { signed, work, frontier }, txIds, move });
    const out: AddOutcome[] = [{ result: move ? 'head' : 'side', hash, move }];
    // Orphans waiting for this block can now be added.
    const waiting = this.orphans.get(toHex(hash));
    if (waiting) {
      this.orphans.delete(toHex(hash));
      this.orphanCount -= waiting.length;
      for (const o of waiting) {
        try {
          out.push(...(await this.addNow(o.signed, o.txIds)));
        } catch {
          /* an invalid orphan is dropped; its sender is dealt with by the network layer */
        }
      }
    }
    return out;
  }

  /**
   * Checks a proposed block as `add` would, except that under proof-of-authority it may still
   * lack countersignatures: what an authority checks before it countersigns. `hash` is its
   * block hash. Throws BAD_BLOCK; NOT_FOUND when the parent is unknown here.
   */
  checkProposal(signed: SignedHeader, txIds: Uint8Array[], hash: Uint8Array): void {
    this.checkStandalone(signed, txIds);
    const parent = this.store.getBlock(signed.header.prevHash);
    if (!parent) throw notFound(`parent ${toHex(signed.header.prevHash).slice(0, 16)}… is not known here`);
    this.checkOnParent(signed, hash, parent, true);
  }

  private checkOnParent(signed: SignedHeader, hash: Uint8Array, parent: StoredBlock, proposal = false) {
    const h = signed.header;
    const ph = parent.signed.header;
    if (h.height !== ph.height + 1) throw badBlock(`height ${h.height} does not follow parent height ${ph.height}`);
    if (h.timestamp < ph.timestamp) throw badBlock('timestamp before its parent');
    if (!equal(h.historyRoot, frontierRoot(parent.frontier))) throw badBlock('history root does not match the parent branch');
    if (h.difficulty !== this.consensus.difficultyAfter(ph)) throw badBlock(`difficulty ${h.difficulty} is not the one required`);
    this.consensus.validate(signed, hash, { proposal });
  }

  private checkStandalone(signed: SignedHeader, txIds: Uint8Array[]) {
    const h = signed.header;
    if (!equal(h.chainId, this.chainId)) throw badBlock(`block of another chain ${toHex(h.chainId).slice(0, 16)}…`);
    if (h.height === 0) throw badBlock('a second genesis block');
    if (h.timestamp > Date.now() + MAX_FUTURE_MS) throw badBlock('timestamp too far in the future');
    if (h.txCount !== txIds.length) throw badBlock(`txCount ${h.txCount} but ${txIds.length} transactions`);
    const seen = new Set<string>();
    for (const id of txIds) {
      const k = toHex(id);
      if (seen.has(k)) throw badBlock(`transaction ${k} twice in one block`);
      seen.add(k);
      // Every stored transaction was checked against this chain id when it was taken in.
      if (!this.store.hasTx(id)) throw badBlock(`unknown transaction ${k}`);
    }
    if (!equal(rootOf(txIds.map(leafHash)), h.merkleRoot)) throw badBlock('merkle root does not match the transactions');
  }

  private keepOrphan(signed: SignedHeader, txIds: Uint8Array[]) {
    if (this.orphanCount >= MAX_ORPHANS) return; // bounded: a flood of orphans cannot exhaust memory
    const k = toHex(signed.header.prevHash);
    const list = this.orphans.get(k) ?? [];
    list.push({ signed, txIds });
    this.orphans.set(k, list);
    this.orphanCount++;
  }

  get orphanTotal(): number {
    return this.orphanCount;
  }

  /** The canonical-chain change that makes `hash` the head. */
  private planMove(hash: Uint8Array, h: Header, txIds: Uint8Array[], head: Head): ChainMove {
    const connect: ChainMove['connect'] = [{ hash, height: h.height, txIds }];
    let cur = h.prevHash;
    let curHeight = h.height - 1;
    // Walk back until the branch meets the canonical chain.
    while (!equal(this.store.hashAt(curHeight) ?? new Uint8Array(0), cur)) {
      const b = this.store.getBlock(cur)!;
      connect.unshift({ hash: cur, height: curHeight, txIds: this.store.getBody(cur)! });
      cur = b.signed.header.prevHash;
      curHeight--;
    }
    const forkHeight = curHeight;
    const disconnect: ChainMove['disconnect'] = [];
    for (let ht = head.height; ht > forkHeight; ht--) {
      const bh = this.store.hashAt(ht)!;
      disconnect.push({ hash: bh, height: ht, txIds: this.store.getBody(bh)! });
    }
    const incoming = new Set<string>();
    for (const c of connect)
      for (const id of c.txIds) {
        const k = toHex(id);
        if (incoming.has(k)) throw badBlock(`transaction ${k} twice on one branch`);
        incoming.add(k);
        const loc = this.store.location(id);
        if (loc && loc.height <= forkHeight) throw badBlock(`transaction ${k} already in block ${loc.height}`);
      }
    const repending: Uint8Array[] = [];
    for (const d of disconnect) for (const id of d.txIds) if (!incoming.has(toHex(id))) repending.push(id);
    return { disconnect, connect, head: { hash, height: h.height }, repending };
  }
}

/** Fork choice: does a block with `work` and `hash` beat the head? More work, or as much and a lower hash. */
export function heavier(work: bigint, hash: Uint8Array, headWork: bigint, headHash: Uint8Array): boolean {
  return work > headWork || (work === headWork && compareBytes(hash, headHash) < 0);
}
