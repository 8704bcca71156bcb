/**
 * Test chains for the transparency tests: a proof-of-work chain in a temp LMDB store and empty
 * blocks sealed on any parent (so forks and reorganisations are one call each).
 */
import { tmpDir } from '../helpers.js';
import { LmdbStore } from '../../src/store/lmdb.js';
import { BlockTree } from '../../src/ledger/blocktree.js';
import { consensusFor } from '../../src/consensus/index.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { type ChainParams } from '../../src/chain/params.js';
import { blockHashOf, type Header } from '../../src/chain/header.js';
import { type KeyPair } from '../../src/crypto/ed25519.js';
import { leafHash, rootOf, frontierRoot } from '../../src/merkle/tree.js';

export const powParams = (name = 'pow test'): ChainParams => ({ version: 1, name, created: Date.now() - 10_000, consensus: 'pow', authorities: [], threshold: 0, difficulty: 2, blockTime: 1000 });

/** A fresh proof-of-work chain (genesis only); the caller closes the store. */
export async function powTree(dir = tmpDir(), name?: string) {
  const p = powParams(name);
  const store = await LmdbStore.open(dir);
  await store.initChain(p, genesisWrite(p));
  return { p, store, tree: new BlockTree(store, consensusFor(p), p) };
}

/** An empty block on `parent`, sealed by `key`; `salt` in the timestamp makes sibling blocks differ. */
export async function emptyBlock(tree: BlockTree, parent: Uint8Array, key: KeyPair, salt = 0): Promise<Uint8Array> {
  const pb = tree.store.getBlock(parent)!;
  const h: Header = {
    version: 1,
    chainId: tree.chainId,
    height: pb.signed.header.height + 1,
    timestamp: pb.signed.header.timestamp + 1 + salt,
    prevHash: parent,
    merkleRoot: rootOf([]),
    txCount: 0,
    difficulty: tree.params.difficulty,
    nonce: 0n,
    producer: key.publicKey,
    historyRoot: frontierRoot(pb.frontier),
  };
  const signed = await tree.consensus.seal(h, key);
  await tree.add(signed, []);
  return blockHashOf(signed.header);
}

/** `n` empty blocks on the head. */
export async function grow(tree: BlockTree, key: KeyPair, n: number): Promise<Uint8Array> {
  let tip = tree.store.head()!.hash;
  for (let i = 0; i < n; i++) tip = await emptyBlock(tree, tip, key);
  return tip;
}

/** The leaves of the canonical chain: leafHash(block hash) for heights 0..head. */
export const canonicalLeaves = (store: LmdbStore) => Array.from({ length: store.head()!.height + 1 }, (_, i) => leafHash(store.hashAt(i)!));
