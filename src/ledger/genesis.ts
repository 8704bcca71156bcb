/**
 * @module ledger/genesis
 * The store write that creates a chain: its genesis block (chain/genesis.ts, a pure function of
 * the parameters) as the first block and head, at height 0, with no transactions.
 */
import type { ChainParams } from '../chain/params.js';
import { genesisHeader } from '../chain/genesis.js';
import { blockHashOf } from '../chain/header.js';
import { leafHash, frontierAppend } from '../merkle/tree.js';
import type { BlockWrite } from '../store/types.js';

export function genesisWrite(params: ChainParams): BlockWrite {
  const header = genesisHeader(params);
  const hash = blockHashOf(header);
  return {
    hash,
    block: { signed: { header, signatures: [] }, work: 0n, frontier: frontierAppend([], 0, leafHash(hash)) },
    txIds: [],
    move: { disconnect: [], connect: [{ hash, height: 0, txIds: [] }], head: { hash, height: 0 }, repending: [] },
  };
}
