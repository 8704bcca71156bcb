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
 * A block of many transactions is checked, hashed and planned in slices, giving the event loop
 * back whenever a slice has held it for its budget (src/turns.ts: TURN_MS), so intake commits
 * (and their receipts) go on while a large block is added. Adds stay one at a time, so nothing a
 * slice relies on (the head, the stored blocks) changes under it; records only come in
 * meanwhile. Ids are compared as bytes (codec/idMap), never as hex strings.
 *
 * It lives above chain, consensus and store (it uses all three), so none of them imports it.
 */
import type { Consensus } from '../consensus/types.js';
import type { ChainParams } from '../chain/params.js';
import { blockHashOf, type Header, type SignedHeader } from '../chain/header.js';
import { chainIdOf } from '../chain/params.js';
import { leafHash, rootOf, frontierAppend, frontierRoot, MerkleLevels } from '../merkle/tree.js';
import { CHUNK, chunkRoots, levelsRow } from '../merkle/chunks.js';
import { equal, toHex, compareBytes, idsAt, copyIds } from '../codec/bytes.js';
import { IdMap } from '../codec/idMap.js';
import { badBlock, notFound } from '../errors.js';
import { Turns, TURN_MS } from '../turns.js';
import type { Store, ChainMove, Head, StoredBlock } from '../store/types.js';

export const MAX_FUTURE_MS = 2 * 60_000;
export const MAX_ORPHANS = 1024;
/** The largest block whose ids the last Merkle is remembered with (bytes of ids). */
const MERKLE_MEMO_BYTES = 16 << 20;

/** A block's Merkle root, and its `levels` row when it has more than CHUNK transactions (merkle/chunks.ts). */
interface BlockMerkle {
  root: Uint8Array;
  levels?: Uint8Array;
}

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
  /**
   * Runs after each durable change of the canonical chain, before the add that made it resolves
   * and before the next add starts (the node's pool follows the chain here, in turns: node/pool.ts
   * `applyInTurns`), so no block is checked or made against a pool that lags.
   */
  afterMove?: (move: ChainMove) => Promise<void>;
  /** The ids of the block being added so far (addNow; adds run one at a time). */
  private readonly seen = new IdMap<true>();
  /** The last block Merkle hashed (proposeHeader, then the add of the same ids) and its ids, flat. */
  private lastMerkle?: { ids: Uint8Array; merkle: BlockMerkle };

  constructor(
    readonly store: Store,
    readonly consensus: Consensus,
    readonly params: ChainParams,
    /** How long a slice of a block's work may hold the event loop (ms; 0 gives it back after every slice: tests). */
    private readonly turnMs = TURN_MS,
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
  nextHeader(txIds: readonly Uint8Array[], producer: Uint8Array, now = Date.now(), merkleRoot = rootOf(txIds.map(leafHash))): Header {
    const head = this.head();
    const parent = this.store.getBlock(head.hash)!;
    return {
      version: 1,
      chainId: this.chainId,
      height: head.height + 1,
      timestamp: Math.max(now, parent.signed.header.timestamp),
      prevHash: head.hash,
      merkleRoot,
      txCount: txIds.length,
      difficulty: this.consensus.difficultyAfter(parent.signed.header),
      nonce: 0n,
      producer,
      historyRoot: frontierRoot(parent.frontier),
    };
  }

  /** nextHeader, its Merkle root hashed in slices (a producer's block of many transactions). */
  async proposeHeader(txIds: readonly Uint8Array[], producer: Uint8Array, now = Date.now()): Promise<Header> {
    return this.nextHeader(txIds, producer, now, (await this.merkleOf(txIds)).root);
  }

  /** Resolves once the adds asked for so far are done (an add yields between its slices). */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
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
    this.checkHeader(signed, txIds);
    const seen = this.seen;
    seen.clear(); // its room stays: no new table per block (its arrays outlived the young generation)
    const merkle = await this.merkleOf(txIds, (slice) => this.checkIds(slice, seen));
    if (!equal(merkle.root, h.merkleRoot)) throw badBlock('merkle root does not match the transactions');
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
    if (heavier(work, hash, headBlock.work, head.hash)) move = await this.planMove(hash, h, txIds, head);
    await this.store.commitBlock({ hash, block: { signed, work, frontier }, txIds, move, levels: merkle.levels });
    if (move && this.afterMove) await this.afterMove(move);
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

  /** All of add's checks that need no parent, at once (checkProposal; add runs them in slices). */
  private checkStandalone(signed: SignedHeader, txIds: Uint8Array[]) {
    this.checkHeader(signed, txIds);
    this.checkIds(txIds, new IdMap<true>(txIds.length));
    if (!equal(rootOf(txIds.map(leafHash)), signed.header.merkleRoot)) throw badBlock('merkle root does not match the transactions');
  }

  private checkHeader(signed: SignedHeader, txIds: Uint8Array[]) {
    const h = signed.header;
    if (!equal(h.chainId, this.chainId)) throw badBlock(`block of another chain ${toHex(h.chainId).slice(0, 16)}…`);
    if (h.height === 0) throw badBlock('a second genesis block');
    if (h.timestamp > Date.now() + MAX_FUTURE_MS) throw badBlock('timestamp too far in the future');
    if (h.txCount !== txIds.length) throw badBlock(`txCount ${h.txCount} but ${txIds.length} transactions`);
  }

  /** No id twice in the block (`seen` holds those of its earlier slices), every id stored. */
  private checkIds(ids: readonly Uint8Array[], seen: IdMap<true>) {
    for (const id of ids) {
      if (!seen.add(id, true)) throw badBlock(`transaction ${toHex(id)} twice in one block`);
      // Every stored transaction was checked against this chain id when it was taken in. A
      // pending one is known without a read (store/pendingNumbers.ts).
      if (!this.store.hasTx(id)) throw badBlock(`unknown transaction ${toHex(id)}`);
    }
  }

  /**
   * The block Merkle of `txIds` (root and levels row), hashed from aligned chunk roots
   * (merkle/chunks.ts: the root over them is the block's root) a chunk at a time, giving the
   * event loop back when a turn's budget is spent; `each` runs on every chunk's ids first. The
   * last one is remembered, contents compared: a producer hashes its block for the header and
   * adds the same ids right after. The comparison and the copy kept for it go a chunk at a time
   * too (in one piece each took 1-2 ms of the thread at 26,000 ids, between two turns).
   */
  private async merkleOf(txIds: readonly Uint8Array[], each?: (slice: readonly Uint8Array[]) => void): Promise<BlockMerkle> {
    const n = txIds.length;
    const m = this.lastMerkle;
    let known = m && m.ids.length === n * 32 ? m : undefined; // if every chunk compares equal
    let keep = !known && n * 32 <= MERKLE_MEMO_BYTES ? new Uint8Array(n * 32) : undefined;
    const roots: Uint8Array[] = [];
    const turns = new Turns(this.turnMs, 1); // a chunk's ids take ~0.5 ms
    for (let i = 0; i < n; i += CHUNK) {
      if (i && turns.due()) await turns.next();
      const slice = txIds.slice(i, i + CHUNK);
      each?.(slice);
      if (known && !idsAt(known.ids, i, slice)) {
        // Not the remembered ids after all: the chunks before this one (equal to those) are hashed now.
        keep = known.ids.slice(0, n * 32); // their ids; the rest is copied as it comes
        known = undefined;
        for (let j = 0; j < i; j += CHUNK) {
          if (turns.due()) await turns.next();
          roots.push(...chunkRoots(txIds.slice(j, j + CHUNK)));
        }
      }
      if (known) continue;
      roots.push(...chunkRoots(slice));
      if (keep && !copyIds(keep, i, slice)) keep = undefined;
    }
    if (known) return known.merkle;
    const levels = new MerkleLevels(roots);
    const merkle = { root: levels.root(), levels: n > CHUNK ? levelsRow(levels) : undefined };
    if (keep) this.lastMerkle = { ids: keep, merkle };
    return merkle;
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

  /** The canonical-chain change that makes `hash` the head (in slices, like the checks). */
  private async planMove(hash: Uint8Array, h: Header, txIds: Uint8Array[], head: Head): Promise<ChainMove> {
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
    // A block on the head alone was checked for repeats already (checkIds), and needs no set.
    const incoming = connect.length > 1 || disconnect.length ? new IdMap<true>() : undefined;
    const turns = new Turns(this.turnMs);
    for (const c of connect)
      for (const id of c.txIds) {
        if (turns.due()) await turns.next();
        if (incoming && !incoming.add(id, true)) throw badBlock(`transaction ${toHex(id)} twice on one branch`);
        // A pending record is on no canonical block: no read (store/pendingNumbers.ts).
        const loc = this.store.location(id);
        if (loc && loc.height <= forkHeight) throw badBlock(`transaction ${toHex(id)} already in block ${loc.height}`);
      }
    const repending: Uint8Array[] = [];
    for (const d of disconnect) for (const id of d.txIds) if (!incoming!.has(id)) repending.push(id);
    return { disconnect, connect, head: { hash, height: h.height }, repending };
  }
}

/** Fork choice: does a block with `work` and `hash` beat the head? More work, or as much and a lower hash. */
export function heavier(work: bigint, hash: Uint8Array, headWork: bigint, headHash: Uint8Array): boolean {
  return work > headWork || (work === headWork && compareBytes(hash, headHash) < 0);
}
