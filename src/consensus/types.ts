/**
 * @module consensus/types
 * The consensus plug-in interface (DESIGN decision 5): validate a header against its parent,
 * give its work for fork choice, and seal a new header. Everything else about blocks (links,
 * Merkle roots, history roots, time) is checked by the block tree (ledger/blocktree.ts) the
 * same way for every consensus.
 */
import type { Header, SignedHeader } from '../chain/header.js';
import type { ChainParams } from '../chain/params.js';
import type { KeyPair } from '../crypto/ed25519.js';

export interface Consensus {
  readonly name: ChainParams['consensus'];
  readonly params: ChainParams;
  /** Difficulty a child of `parent` must carry. */
  difficultyAfter(parent: Header): number;
  /**
   * Throws BAD_BLOCK when the seal is wrong. `hash` is the header's block hash. A `proposal` is
   * a block its producer has sealed but that may still lack countersignatures (PoA, k > 1).
   * `signers`, when the caller has verified the signatures already, is validSigners(hash,
   * block.signatures): the check then verifies none a second time.
   */
  validate(block: SignedHeader, hash: Uint8Array, opts?: { proposal?: boolean; signers?: ReadonlySet<string> }): void;
  /** Work this block adds to its branch; the canonical chain has the most cumulative work. */
  work(header: Header): bigint;
  /** True when this key may produce blocks. */
  canProduce(key: Uint8Array): boolean;
  /** Whether `key` should propose the block at `height` now, the head being `idleMs` old. */
  mayPropose?(key: Uint8Array, height: number, idleMs: number, blockTimeMs: number): boolean;
  /** Completes the header (nonce) and signs it. PoA with threshold > 1 returns a partly signed header. */
  seal(header: Header, key: KeyPair, signal?: AbortSignal): Promise<SignedHeader>;
}
