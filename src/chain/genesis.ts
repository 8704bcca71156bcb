/**
 * @module chain/genesis
 * The genesis block is a pure function of the chain parameters, so every node given the same
 * parameters agrees on it without a signature: height 0, timestamp = params.created, no
 * transactions (merkleRoot and historyRoot are the empty-tree hash), producer and prevHash all
 * zeros, difficulty and nonce 0, no signatures. The parameters themselves are bound by the
 * chain id every later header carries.
 */
import { chainIdOf, type ChainParams } from './params.js';
import { blockHashOf, type Header } from './header.js';
import { EMPTY_ROOT, leafHash, frontierAppend } from '../merkle/tree.js';
import type { BlockWrite } from '../store/types.js';

export function genesisHeader(params: ChainParams): Header {
  return {
    version: 1,
    chainId: chainIdOf(params),
    height: 0,
    timestamp: params.created,
    prevHash: new Uint8Array(32),
    merkleRoot: EMPTY_ROOT,
    txCount: 0,
    difficulty: 0,
    nonce: 0n,
    producer: new Uint8Array(32),
    historyRoot: EMPTY_ROOT,
  };
}

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
