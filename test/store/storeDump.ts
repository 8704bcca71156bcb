/**
 * Every answer a Store gives about its contents, as plain JSON: what a format migration must
 * leave unchanged. Used by makeFormat1.ts (which wrote the snapshot with the format-1 code) and
 * by format2.test.ts (which compares a migrated store's answers with it). Not a test file.
 */
import type { Store } from '../../src/store/types.js';
import { audit } from '../../src/node/audit.js';

const hx = (b: Uint8Array | undefined) => (b === undefined ? null : Buffer.from(b).toString('hex'));

/** The keys the dump asks about besides those the store itself names. */
export interface DumpKeys {
  products: string[];
  idem: string[];
  entanglePrefixes: string[];
  /** Ids the store does not hold (every read must say so). */
  absent: string[];
}

export function dumpStore(s: Store, keys: DumpKeys) {
  const head = s.head()!;
  const blocks = [];
  const txIds = new Set<string>();
  for (let h = 0; h <= head.height; h++) {
    const hash = s.hashAt(h)!;
    const b = s.getBlock(hash)!;
    const body = s.getBody(hash)!;
    body.forEach((id) => txIds.add(hx(id)!));
    blocks.push({ height: h, hash: hx(hash), header: JSON.stringify(b.signed.header, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? hx(v) : v)), signatures: b.signed.signatures.map((x) => [hx(x.key), hx(x.sig)]), work: b.work.toString(), frontier: b.frontier.map(hx), body: body.map(hx) });
  }
  const pending = s.pending().map((id) => hx(id)!);
  pending.forEach((id) => txIds.add(id));
  const txs: Record<string, unknown> = {};
  const batches: Record<string, unknown> = {};
  for (const id of [...txIds].sort()) {
    const b = Buffer.from(id, 'hex');
    const t = s.getTx(b)!;
    const loc = s.location(b);
    const root = hx(t.batchRoot)!;
    if (!batches[root]) {
      const batch = s.getBatch(t.batchRoot)!;
      batches[root] = { origin: hx(batch.origin), signature: hx(batch.signature), txIds: batch.txIds.map(hx) };
    }
    txs[id] = { has: s.hasTx(b), core: hx(t.coreBytes), batchRoot: root, index: t.index, payload: hx(s.getPayload(b)), location: loc ? { block: hx(loc.blockHash), height: loc.height, index: loc.index } : null };
  }
  const products: Record<string, unknown> = {};
  for (const p of keys.products) {
    const ids = s.productTxs(p).map((x) => hx(x)!);
    products[p] = { ids, has: ids.map((id) => s.productHas?.(p, Buffer.from(id, 'hex')) ?? true), hasOther: keys.absent.map((id) => s.productHas?.(p, Buffer.from(id, 'hex')) ?? false) };
  }
  const idem = Object.fromEntries(keys.idem.map((k) => [k, hx(s.idem(k))]));
  const entangle = Object.fromEntries(keys.entanglePrefixes.map((p) => [p, [...s.entangleRange(p)].map((r) => [r.key, hx(r.txId)])]));
  const absent = keys.absent.map((id) => {
    const b = Buffer.from(id, 'hex');
    return [s.hasTx(b), s.getTx(b) ?? null, hx(s.getPayload(b)), s.location(b) ?? null];
  });
  const { ok, height, blocks: nBlocks, transactions, batches: nBatches, payloads, pending: nPending, problem } = audit(s);
  return {
    params: JSON.stringify(s.getParams(), (_k, v) => (v instanceof Uint8Array ? hx(v) : v)),
    head: { hash: hx(head.hash), height: head.height },
    hashAtBeyond: hx(s.hashAt(head.height + 1)),
    lastSeq: s.lastSeq(),
    blocks,
    pending,
    txs,
    batches,
    products,
    idem,
    entangle,
    absent,
    audit: { ok, height, blocks: nBlocks, transactions, batches: nBatches, payloads, pending: nPending, problem: problem ?? null },
  };
}
