/**
 * @module chain/params
 * Chain parameters, fixed by the genesis block (DESIGN decision 5):
 *
 *   params  = [version, name, created, consensus, authorities, threshold, difficulty, blockTime]
 *   chainId = SHA-256(canonical CBOR of params)
 *
 * consensus is "poa" or "pow". For poa, a block needs valid signatures of `threshold` distinct
 * keys from `authorities`, one of them its producer. For pow, the block hash needs `difficulty`
 * leading zero bits and the producer's signature. A node never mixes chains: every header and
 * transaction carries the chain id.
 */
import { encode, decode, asArray, asUint, asBytes, asText } from '../codec/cbor.js';
import { toHex, fromHex } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { badInput } from '../errors.js';

export type ConsensusName = 'poa' | 'pow';

export interface ChainParams {
  version: number;
  name: string;
  created: number;
  consensus: ConsensusName;
  authorities: Uint8Array[];
  threshold: number;
  difficulty: number;
  blockTime: number;
}

export function encodeParams(p: ChainParams): Uint8Array {
  return encode([p.version, p.name, p.created, p.consensus, p.authorities, p.threshold, p.difficulty, p.blockTime]);
}

export function decodeParams(bytes: Uint8Array): ChainParams {
  const a = asArray(decode(bytes), 8, 'chain params');
  const auth = a[4];
  if (!Array.isArray(auth)) throw badInput('chain params: authorities must be an array');
  return checkParams({
    version: asUint(a[0], 'version'),
    name: asText(a[1], 'name'),
    created: asUint(a[2], 'created'),
    consensus: asText(a[3], 'consensus') as ConsensusName,
    authorities: auth.map((k, i) => asBytes(k, `authorities[${i}]`, 32)),
    threshold: asUint(a[5], 'threshold'),
    difficulty: asUint(a[6], 'difficulty'),
    blockTime: asUint(a[7], 'blockTime'),
  });
}

export function checkParams(p: ChainParams): ChainParams {
  if (p.version !== 1) throw badInput(`chain params: unknown version ${p.version}`);
  if (p.consensus !== 'poa' && p.consensus !== 'pow') throw badInput(`chain params: consensus must be poa or pow, got ${p.consensus}`);
  if (p.consensus === 'poa') {
    if (p.authorities.length === 0) throw badInput('chain params: proof-of-authority needs at least one authority');
    if (p.threshold < 1 || p.threshold > p.authorities.length)
      throw badInput(`chain params: threshold must be 1..${p.authorities.length}, got ${p.threshold}`);
    const set = new Set(p.authorities.map(toHex));
    if (set.size !== p.authorities.length) throw badInput('chain params: an authority is listed twice');
  }
  if (p.difficulty > 64) throw badInput(`chain params: difficulty is in leading zero bits, at most 64, got ${p.difficulty}`);
  if (p.blockTime < 10) throw badInput(`chain params: block time must be at least 10 ms`);
  return p;
}

export const chainIdOf = (p: ChainParams): Uint8Array => sha256(encodeParams(p));

export interface ChainParamsJson {
  version: number;
  name: string;
  created: number;
  consensus: ConsensusName;
  authorities: string[];
  threshold: number;
  difficulty: number;
  blockTime: number;
}

export const paramsToJson = (p: ChainParams): ChainParamsJson => ({ ...p, authorities: p.authorities.map(toHex) });

export function paramsFromJson(j: ChainParamsJson): ChainParams {
  if (!j || !Array.isArray(j.authorities)) throw badInput('chain params: expected an object with authorities');
  return checkParams({ ...j, authorities: j.authorities.map((a, i) => fromHex(a, 32, `authorities[${i}]`)) });
}
