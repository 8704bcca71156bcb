/**
 * @module node/tlog
 * The chain's C2SP checkpoint out of a store: the tree head over the final blocks
 * (transparency/origin) signed as a signed note with the chain key. Used by `urchain checkpoint
 * --data` and by the node's GET /checkpoint, so both print the same bytes (Ed25519 is
 * deterministic).
 */
import { toHex } from '../codec/bytes.js';
import { frontierRoot } from '../merkle/tree.js';
import type { KeyPair } from '../crypto/ed25519.js';
import type { Store } from '../store/types.js';
import { UrchainError } from '../errors.js';
import { checkpointOrigin, finalityDepth, finalHeight } from '../transparency/origin.js';
import { signTreeHead, type TreeHead } from '../transparency/checkpoint.js';
import { formatVerifierKey, noteKey } from '../transparency/note.js';

export interface ChainTreeHead extends TreeHead {
  /** Height of the newest block covered (size - 1) and its hash. */
  height: number;
  blockHash: Uint8Array;
  depth: number;
}

/** The tree head over the blocks at depth >= `depth` below the head (default: transparency/origin). */
export function chainTreeHead(store: Store, depth?: number): ChainTreeHead {
  const params = store.getParams();
  const head = store.head();
  if (!params || !head) throw UrchainError.NOT_FOUND(`${store.path} holds no chain`);
  const d = finalityDepth(params, depth);
  const height = finalHeight(head.height, d);
  const blockHash = store.hashAt(height);
  const block = blockHash && store.getBlock(blockHash);
  if (!blockHash || !block) throw UrchainError.STORE(`no canonical block at height ${height}`);
  return { origin: checkpointOrigin(params), size: height + 1, root: frontierRoot(block.frontier), height, blockHash, depth: d };
}

/**
 * The signed checkpoint. The key must be a chain key: under proof-of-authority one of the chain's
 * authorities (the key verifiers accept for this chain, as for entanglement checkpoints); under
 * proof-of-work there are none and the node's own key signs.
 */
export function signChainCheckpoint(store: Store, key: KeyPair, depth?: number): { head: ChainTreeHead; note: string; verifierKey: string } {
  const params = store.getParams();
  if (params?.consensus === 'poa' && !params.authorities.some((a) => toHex(a) === toHex(key.publicKey)))
    throw UrchainError.BAD_INPUT(`key ${toHex(key.publicKey).slice(0, 16)}… is not an authority of chain ${params.name}: its checkpoints must be signed by one of its authority keys`);
  const head = chainTreeHead(store, depth);
  return { head, note: signTreeHead(head, key), verifierKey: formatVerifierKey(noteKey(head.origin, key.publicKey)) };
}
