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

/**
 * A signer that remembers the last checkpoint it signed and never signs one inconsistent with it.
 * The depth keeps reorganisations away from signed blocks; this catches the one deeper than the
 * depth (a long private branch under proof-of-work). Check in O(1): the canonical block at height
 * last.size - 1 still carries the frontier whose root was signed, so today's chain extends (or
 * holds as a prefix) the tree signed then, and any size signed now has a consistency proof with
 * it. Memory only: a node restart forgets (the depth still holds).
 */
export class CheckpointSigner {
  private last?: { size: number; root: Uint8Array };

  sign(store: Store, key: KeyPair, depth?: number): string {
    if (this.last) {
      const hash = store.hashAt(this.last.size - 1);
      const block = hash && store.getBlock(hash);
      if (!block || toHex(frontierRoot(block.frontier)) !== toHex(this.last.root))
        throw UrchainError.UNAVAILABLE(`a reorganisation deeper than the checkpoint depth replaced blocks of the last signed checkpoint (size ${this.last.size}): refusing to sign an inconsistent one; raise --depth`);
    }
    const s = signChainCheckpoint(store, key, depth);
    if (!this.last || s.head.size > this.last.size) this.last = { size: s.head.size, root: s.head.root };
    return s.note;
  }
}
