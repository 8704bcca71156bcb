/**
 * @module chain/genesis
 * The genesis block is a pure function of the chain parameters, so every node given the same
 * parameters agrees on it without a signature: height 0, timestamp = params.created, no
 * transactions (merkleRoot and historyRoot are the empty-tree hash), producer and prevHash all
 * zeros, difficulty and nonce 0, no signatures. The parameters themselves are bound by the
 * chain id every later header carries. The store write that creates a chain with it is
 * ledger/genesis.ts.
 */
import { chainIdOf, type ChainParams } from './params.js';
import type { Header } from './header.js';
import { EMPTY_ROOT } from '../merkle/tree.js';

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
