/**
 * Stores with blocks of chosen sizes, built through the node's own code (LmdbStore, BlockTree,
 * proof-of-authority sealing) without a node process: records are taken in batch by batch with
 * one commit each, then each block is added on the head. For the proof tests and bench/proofs.ts.
 * `dropLevels` makes the store look written before the `levels` bucket existed.
 */
import { open } from 'lmdb';
import path from 'node:path';
import { LmdbStore, STORE_FILE } from '../src/store/lmdb.js';
import { BUCKETS } from '../src/store/buckets.js';
import type { Store } from '../src/store/types.js';
import { BlockTree } from '../src/ledger/blocktree.js';
import { genesisWrite } from '../src/ledger/genesis.js';
import { consensusFor } from '../src/consensus/index.js';
import { signBatch } from '../src/chain/batch.js';
import { encodeCore, txIdOf } from '../src/chain/transaction.js';
import { chainIdOf, type ChainParams } from '../src/chain/params.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { sha256 } from '../src/crypto/hash.js';

export interface BigBlock {
  hash: Uint8Array;
  height: number;
  txIds: Uint8Array[];
}

/**
 * A new store in `dir` (an LMDB folder, or an opener of another backend's new store) with one
 * block per entry of `sizes` (that many records each, in batches of `batch`; each record's payload
 * is its 8-byte number). Returns the blocks, lowest first.
 */
export async function writeBigBlocks(dir: string | (() => Promise<Store>), sizes: readonly number[], o: { batch?: number } = {}): Promise<BigBlock[]> {
  const key = generateKeyPair();
  const params: ChainParams = { version: 1, name: 'big-blocks', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
  const chainId = chainIdOf(params);
  const per = o.batch ?? 1000;
  const store = typeof dir === 'string' ? await LmdbStore.open(dir) : await dir();
  const out: BigBlock[] = [];
  let seq = 0;
  try {
    await store.initChain(params, genesisWrite(params));
    const consensus = consensusFor(params);
    const tree = new BlockTree(store, consensus, params);
    for (const size of sizes) {
      const txIds: Uint8Array[] = [];
      for (let from = 0; from < size; from += per) {
        const txs = [];
        for (let i = 0; i < Math.min(per, size - from); i++) {
          const payload = new Uint8Array(8);
          new DataView(payload.buffer).setBigUint64(0, BigInt(seq));
          const coreBytes = encodeCore({ version: 1, chainId, origin: key.publicKey, timestamp: 1, seq: seq++, kind: 'record', meta: [], payloadDigest: sha256(payload), payloadLength: 8 });
          txs.push({ txId: txIdOf(coreBytes), coreBytes, index: i, payload });
        }
        const ids = txs.map((t) => t.txId);
        const b = signBatch(ids, key);
        await store.commitIngest({ batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs, seq });
        txIds.push(...ids);
      }
      const signed = await consensus.seal(tree.nextHeader(txIds, key.publicKey), key);
      const [added] = await tree.add(signed, txIds);
      out.push({ hash: added.hash, height: signed.header.height, txIds });
    }
  } finally {
    await store.close();
  }
  return out;
}

/** Drops the `levels` bucket of the store in `dir` (no node may have it open). */
export async function dropLevels(dir: string): Promise<void> {
  const env = open({ path: path.join(dir, STORE_FILE), maxDbs: 16, compression: false, encoding: 'binary' } as never);
  try {
    const db = env.openDB({ name: BUCKETS.levels.name, encoding: 'binary', keyEncoding: 'binary', create: false } as never);
    if (db) await db.drop();
  } finally {
    await env.close();
  }
}
