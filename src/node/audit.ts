/**
 * @module node/audit
 * Re-verifies a store from genesis: every canonical header (hash, link, history root, seal),
 * every body against its Merkle root, every transaction against its id, every payload against
 * its digest, every batch signature (once per batch), and the indexes that point at them (block
 * locations, and the identifier index rows each core's metadata calls for). It
 * stops at the first inconsistency and says where it is. Reads only; safe while a node runs.
 *
 * The checks are one generator that yields after each block and each few pending transactions:
 * `audit` runs it straight through; `auditAsync` hands the event loop back every `yieldMs`, so a
 * terminal spinner animates and Ctrl-C (an AbortSignal) stops a long audit promptly.
 */
import type { Store } from '../store/types.js';
import { consensusFor } from '../consensus/index.js';
import { blockHashOf, encodeHeader } from '../chain/header.js';
import { genesisHeader } from '../chain/genesis.js';
import { decodeCore, txIdOf } from '../chain/transaction.js';
import { leafHash, frontierAppend, frontierRoot } from '../merkle/tree.js';
import { checkBatch, payloadMatches, txRoot } from '../io/checks.js';
import { chainIdOf } from '../chain/params.js';
import { equal, toHex } from '../codec/bytes.js';
import { indexOf } from '../epcis/meta.js';
import { nextTurn } from '../turns.js';

export interface AuditProblem {
  height?: number;
  block?: string;
  txId?: string;
  check: string;
  message: string;
}

export interface AuditReport {
  ok: boolean;
  height: number;
  blocks: number;
  transactions: number;
  batches: number;
  payloads: number;
  pending: number;
  problem?: AuditProblem;
  /** Set when the audit was stopped (signal) before it finished: ok is then false. */
  interrupted?: boolean;
}

export interface AuditProgress {
  phase: 'blocks' | 'pending';
  /** Blocks (or pending transactions) checked so far, and how many there are. */
  done: number;
  total: number;
  /** Transactions checked so far, in blocks and pending (for a records/s rate). */
  records: number;
}

class Found extends Error {
  constructor(readonly p: AuditProblem) {
    super(p.message);
  }
}

/** The whole audit, straight through (blocks the event loop: for tests and small stores). */
export function audit(store: Store, onProgress?: (height: number, total: number) => void): AuditReport {
  const r = emptyReport(store);
  const steps = checks(store, r, (p) => p.phase === 'blocks' && onProgress?.(p.done - 1, p.total - 1));
  try {
    while (!steps.next().done);
  } catch (e) {
    found(r, e);
  }
  return r;
}

/**
 * The same audit, yielding to the event loop at least every `yieldMs`; stops when `signal` aborts.
 * `rate` caps the pace at that many transactions (block and pending) per second, so a nightly
 * audit beside a busy node does not take all of a core and the disk.
 */
export async function auditAsync(store: Store, o: { onProgress?: (p: AuditProgress) => void; signal?: AbortSignal; yieldMs?: number; rate?: number } = {}): Promise<AuditReport> {
  const r = emptyReport(store);
  const steps = checks(store, r, (p) => o.onProgress?.(p));
  const every = o.yieldMs ?? 20;
  const started = Date.now();
  let last = started;
  const interrupted = () => {
    r.ok = false;
    r.interrupted = true;
    return r;
  };
  try {
    while (!steps.next().done) {
      if (o.rate) {
        // Ahead of the pace: wait in short naps, so an abort still stops the audit promptly.
        let ahead = ((r.transactions + r.pending) * 1000) / o.rate - (Date.now() - started);
        while (ahead > 0) {
          await new Promise((res) => setTimeout(res, Math.min(ahead, 50)));
          if (o.signal?.aborted) return interrupted();
          ahead = ((r.transactions + r.pending) * 1000) / o.rate - (Date.now() - started);
        }
      }
      if (Date.now() - last < every) continue;
      await nextTurn();
      last = Date.now();
      if (o.signal?.aborted) return interrupted();
    }
  } catch (e) {
    found(r, e);
  }
  return r;
}

/** A stored record read for the audit: one that does not decode, or is not there, is the problem found. */
function stored<T>(read: () => T | undefined, at: Omit<AuditProblem, 'message'>, what: string, missing: string, fail: (p: AuditProblem) => never): T {
  let x: T | undefined;
  try {
    x = read();
  } catch (e) {
    fail({ ...at, message: `${what} does not decode: ${(e as Error).message}` });
  }
  return x ?? fail({ ...at, message: missing });
}

function emptyReport(store: Store): AuditReport {
  return { ok: true, height: store.head()?.height ?? -1, blocks: 0, transactions: 0, batches: 0, payloads: 0, pending: 0 };
}

function found(r: AuditReport, e: unknown): void {
  if (!(e instanceof Found)) throw e;
  r.ok = false;
  r.problem = e.p;
}

/** Every check, in order; yields after each block and every 64 pending transactions. */
function* checks(store: Store, r: AuditReport, progress: (p: AuditProgress) => void): Generator<void, void> {
  const params = store.getParams();
  const head = store.head();
  const fail = (p: AuditProblem): never => {
    throw new Found(p);
  };
  if (!params || !head) fail({ check: 'chain', message: 'store holds no chain' });
  const chainId = chainIdOf(params!);
  const consensus = consensusFor(params!);
  const batches = new Batches(store);
  let frontier: Uint8Array[] = [];
  let prev: Uint8Array | undefined;
  for (let height = 0; height <= head!.height; height++) {
    const where = { height };
    const hash = store.hashAt(height) ?? fail({ ...where, check: 'index', message: `no canonical block at height ${height}` });
    const at = { height, block: toHex(hash) };
    const blk = stored(() => store.getBlock(hash), { ...at, check: 'header' }, 'stored header', 'canonical block missing', fail);
    const h = blk.signed.header;
    if (!equal(blockHashOf(h), hash)) fail({ ...at, check: 'header', message: 'header bytes do not hash to the block hash: the header was changed' });
    if (h.height !== height) fail({ ...at, check: 'header', message: `header says height ${h.height}` });
    if (!equal(h.chainId, chainId)) fail({ ...at, check: 'header', message: 'header of another chain' });
    if (height === 0) {
      if (!equal(encodeHeader(h), encodeHeader(genesisHeader(params!)))) fail({ ...at, check: 'genesis', message: 'genesis header does not follow from the chain parameters' });
    } else {
      if (!equal(h.prevHash, prev!)) fail({ ...at, check: 'link', message: 'previous hash does not match the block below' });
      if (!equal(h.historyRoot, frontierRoot(frontier))) fail({ ...at, check: 'history', message: 'history root does not match the blocks below' });
      try {
        consensus.validate(blk.signed, hash);
      } catch (e) {
        fail({ ...at, check: 'seal', message: (e as Error).message });
      }
    }
    let ids: Uint8Array[] | undefined;
    try {
      ids = store.getBody(hash);
    } catch (e) {
      fail({ ...at, check: 'body', message: (e as Error).message });
    }
    if (!ids) fail({ ...at, check: 'body', message: 'block body missing' });
    if (ids!.length !== h.txCount || !equal(txRoot(ids!), h.merkleRoot))
      fail({ ...at, check: 'merkle', message: 'transactions do not match the header merkle root' });
    ids!.forEach((id, i) => {
      const tat = { ...at, txId: toHex(id) };
      checkTx(store, id, chainId, batches, r, tat, fail);
      const loc = store.location(id);
      if (!loc || !equal(loc.blockHash, hash) || loc.index !== i) fail({ ...tat, check: 'index', message: 'location index does not point at this block' });
    });
    frontier = frontierAppend(frontier, height, leafHash(hash));
    prev = hash;
    r.blocks++;
    progress({ phase: 'blocks', done: height + 1, total: head!.height + 1, records: r.transactions });
    yield;
  }
  const pending = store.pending();
  for (const id of pending) {
    checkTx(store, id, chainId, batches, r, { txId: toHex(id) }, fail);
    if (store.location(id)) fail({ txId: toHex(id), check: 'pending', message: 'pending transaction is also in a block' });
    r.pending++;
    if (r.pending % 64 === 0 || r.pending === pending.length) {
      progress({ phase: 'pending', done: r.pending, total: pending.length, records: r.transactions });
      yield;
    }
  }
}

interface BatchInfo {
  origin: Uint8Array;
  txIds: Uint8Array[];
}

/** Batches already verified, so each signature is checked once however many transactions it covers. */
class Batches {
  private recent = new Map<string, BatchInfo>();
  constructor(private readonly store: Store) {}
  get(root: Uint8Array, at: Omit<AuditProblem, 'check' | 'message'>, r: AuditReport, fail: (p: AuditProblem) => never): BatchInfo {
    const k = toHex(root);
    const hit = this.recent.get(k);
    if (hit) return hit;
    let b;
    try {
      b = this.store.getBatch(root);
    } catch (e) {
      fail({ ...at, check: 'signature', message: `stored batch does not decode: ${(e as Error).message}` });
    }
    if (!b) fail({ ...at, check: 'signature', message: 'signature batch missing' });
    const { fault } = checkBatch(b!, root);
    if (fault === 'root') fail({ ...at, check: 'signature', message: 'batch members do not match the batch root' });
    if (fault === 'signature') fail({ ...at, check: 'signature', message: 'batch signature does not verify' });
    r.batches++;
    const info = { origin: b!.origin, txIds: b!.txIds };
    this.recent.set(k, info);
    if (this.recent.size > 256) this.recent.delete(this.recent.keys().next().value!);
    return info;
  }
}

function checkTx(
  store: Store,
  id: Uint8Array,
  chainId: Uint8Array,
  batches: Batches,
  r: AuditReport,
  at: Omit<AuditProblem, 'check' | 'message'>,
  fail: (p: AuditProblem) => never,
) {
  const tx = stored(() => store.getTx(id), { ...at, check: 'transaction' }, 'stored transaction', 'transaction missing', fail);
  if (!equal(txIdOf(tx.coreBytes), id)) fail({ ...at, check: 'transaction', message: 'core bytes do not hash to the transaction id: the transaction was changed' });
  let core;
  try {
    core = decodeCore(tx.coreBytes);
  } catch (e) {
    fail({ ...at, check: 'transaction', message: (e as Error).message });
  }
  if (!equal(core!.chainId, chainId)) fail({ ...at, check: 'transaction', message: 'transaction of another chain' });
  // The identifier index follows from the signed core alone (epcis/meta.ts): every key it names has its row.
  const { product, identifiers } = indexOf(core!.meta);
  for (const key of product ? [product, ...(identifiers ?? [])] : (identifiers ?? []))
    if (!(store.productHas ? store.productHas(key, id) : store.productTxs(key).some((x) => equal(x, id))))
      fail({ ...at, check: 'index', message: `not in the identifier index under ${JSON.stringify(key)}` });
  const payload = store.getPayload(id);
  if (payload) {
    if (!payloadMatches(core!, payload))
      fail({ ...at, check: 'payload', message: 'payload does not match its digest: the record was changed' });
    r.payloads++;
  }
  const b = batches.get(tx.batchRoot, at, r, fail);
  if (!equal(b.origin, core!.origin)) fail({ ...at, check: 'signature', message: 'transaction origin is not the key that signed its batch' });
  if (!b.txIds[tx.index] || !equal(b.txIds[tx.index], id)) fail({ ...at, check: 'signature', message: 'transaction is not at its index in the batch' });
  r.transactions++;
}
