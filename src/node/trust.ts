/**
 * @module node/trust
 * The trust list a company hands to verifiers (urchain-formats(5), TRUST LIST): its chain id,
 * the keys that may take records in, and for proof-of-authority the authority keys.
 *
 * Origins are every key the company's member list admits (any member node can take records in,
 * a thin gateway included) plus the node's own key; a record taken in anywhere in the company
 * network then verifies. Proof-of-work chains list no authorities: their blocks are checked by
 * work, and the chain id says which chain (an empty list would mean "no signer is trusted").
 */
import type { ChainParams } from '../chain/params.js';
import { chainIdOf } from '../chain/params.js';
import type { MemberList } from '../net/members.js';
import { toHex } from '../codec/bytes.js';

export interface TrustExport {
  chains: string[];
  authorities?: string[];
  origins?: string[];
  name: string;
  note?: string;
}

export function trustListFor(params: ChainParams, own: Uint8Array | undefined, members: MemberList | undefined, extra: string[] = []): TrustExport {
  const origins = new Set<string>();
  if (own) origins.add(toHex(own));
  for (const m of members?.members ?? []) origins.add(toHex(m.key));
  for (const k of extra) origins.add(k.toLowerCase());
  return {
    chains: [toHex(chainIdOf(params))],
    ...(params.consensus === 'poa' ? { authorities: params.authorities.map(toHex) } : {}),
    ...(origins.size ? { origins: [...origins] } : {}),
    name: params.name,
  };
}
