/**
 * @module consensus
 * Picks the consensus named by the chain parameters.
 */
import type { ChainParams } from '../chain/params.js';
import type { Consensus } from './types.js';
import { ProofOfAuthority } from './poa.js';
import { ProofOfWork } from './pow.js';

export type { Consensus } from './types.js';

export function consensusFor(params: ChainParams): Consensus {
  return params.consensus === 'poa' ? new ProofOfAuthority(params) : new ProofOfWork(params);
}
