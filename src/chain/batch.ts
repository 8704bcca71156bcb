/**
 * @module chain/batch
 * Batched signatures (DESIGN decision 3). A node signs, once per commit, the RFC 9162 root over
 * the ids of the transactions it took in during that commit:
 *
 *   batchRoot = MTH(leafHash(txId_0), ..., leafHash(txId_{n-1}))
 *   batchHead = SHA-256(canonical CBOR of [n, batchRoot])
 *   signature = Ed25519(origin key, "urchain/batch/v1" || batchHead)
 *
 * A transaction's evidence is (batchSize, index, inclusion path, signature); the verifier
 * rebuilds batchRoot from the txId and checks one signature. The size is signed with the root
 * (as in a Certificate Transparency tree head): an inclusion path alone does not fix the tree
 * size, and nothing in a proof may change without breaking it. A batch of one has an empty
 * path and batchRoot = leafHash(txId).
 */
import { leafHash, entriesRoot, inclusionProof, rootFromInclusion } from '../merkle/tree.js';
import { sign, verify, type KeyPair } from '../crypto/ed25519.js';
import { batchMessage } from '../crypto/signed.js';
import { toHex, fromHex } from '../codec/bytes.js';
import { badInput } from '../errors.js';

export interface Evidence {
  batchSize: number;
  index: number;
  path: Uint8Array[];
  signature: Uint8Array;
}

export interface SignedBatch {
  root: Uint8Array;
  signature: Uint8Array;
}

/** The hash a batch signature signs: SHA-256 of the canonical CBOR [size, root] (built in crypto/signed). */
export { batchHead } from '../crypto/signed.js';

export function signBatch(txIds: readonly Uint8Array[], key: KeyPair): SignedBatch {
  if (txIds.length === 0) throw badInput('batch: nothing to sign');
  const root = entriesRoot(txIds);
  return { root, signature: sign(batchMessage(txIds.length, root), key.secretKey) };
}

/** True iff `origin` signed the batch of `size` transactions with this root. */
export function verifyBatch(size: number, root: Uint8Array, signature: Uint8Array, origin: Uint8Array): boolean {
  return verify(batchMessage(size, root), signature, origin);
}

export function evidenceFor(batchTxIds: readonly Uint8Array[], index: number, signature: Uint8Array): Evidence {
  const leaves = batchTxIds.map(leafHash);
  return { batchSize: leaves.length, index, path: inclusionProof(leaves, index), signature };
}

export function batchRootOf(txId: Uint8Array, ev: Evidence): Uint8Array {
  return rootFromInclusion(ev.index, ev.batchSize, leafHash(txId), ev.path);
}

/** True iff `origin` signed a batch containing txId at ev.index. */
export function verifyEvidence(txId: Uint8Array, origin: Uint8Array, ev: Evidence): boolean {
  let root: Uint8Array;
  try {
    root = batchRootOf(txId, ev);
  } catch {
    return false;
  }
  return verifyBatch(ev.batchSize, root, ev.signature, origin);
}

export interface EvidenceJson {
  batchSize: number;
  index: number;
  path: string[];
  signature: string;
}

export const evidenceToJson = (e: Evidence): EvidenceJson => ({
  batchSize: e.batchSize,
  index: e.index,
  path: e.path.map(toHex),
  signature: toHex(e.signature),
});

export function evidenceFromJson(j: EvidenceJson): Evidence {
  if (!j || !Array.isArray(j.path)) throw badInput('evidence: expected {batchSize, index, path, signature}');
  return {
    batchSize: j.batchSize,
    index: j.index,
    path: j.path.map((p, i) => fromHex(p, 32, `evidence.path[${i}]`)),
    signature: fromHex(j.signature, 64, 'evidence.signature'),
  };
}
