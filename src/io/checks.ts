/**
 * @module io/checks
 * The checks every place that takes stored or received transactions runs the same way: does a
 * payload match the digest and length its core commits to, and do a batch's transaction ids make
 * the root its origin signed (chain/batch.ts). Used by the audit, by peers' batches and payloads
 * (src/net).
 */
import { equal } from '../codec/bytes.js';
import { entriesRoot } from '../merkle/tree.js';
import { verifyBatch } from '../chain/batch.js';
import type { StoredBatch } from '../store/types.js';

/** Lives with the transaction format (src/proof, which may not import io, uses it too). */
export { payloadMatches } from '../chain/transaction.js';

/**
 * The RFC 9162 root over transaction ids (a batch root, or a block's merkle root). Hashed, not
 * remembered (entriesRoot): a peer's batch and a block the audit checks are not asked about again,
 * and tree.ts's root memo would copy every one of their ids and push real block roots out.
 */
export function txRoot(txIds: readonly Uint8Array[]): Uint8Array {
  return entriesRoot(txIds);
}

/**
 * Checks a batch: its root (computed from its transaction ids) and what is wrong with it, if
 * anything: 'root' when the ids do not make `expected` (the root it is stored under), 'signature'
 * when its origin's signature does not cover them.
 */
export function checkBatch(b: StoredBatch, expected?: Uint8Array): { root: Uint8Array; fault?: 'root' | 'signature' } {
  const root = txRoot(b.txIds);
  if (expected && !equal(root, expected)) return { root, fault: 'root' };
  return verifyBatch(b.txIds.length, root, b.signature, b.origin) ? { root } : { root, fault: 'signature' };
}
