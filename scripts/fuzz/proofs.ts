/**
 * @module scripts/fuzz/proofs
 * Seed proofs for the verify targets, built in-process with the library's own code from fixed
 * keys: a proof-of-authority proof with non-empty batch and block paths, the same record under
 * proof of work, and a countersigned proof (a partner chain took the record's block in through
 * an entangle record carrying the record chain's signed checkpoint). Each comes with the strict
 * trust list that names its chain, as `trust export` would write it, and for the countersigned
 * proof the partner under `partners`. One more is a forgery that must never verify: the record
 * chain "countersigning" itself from a rebuilt block (issue 9).
 */
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { genesisHeader } from '../../src/chain/genesis.js';
import { blockHashOf, signHeader, type Header } from '../../src/chain/header.js';
import { encodeCore, txIdOf, normalizeMeta, type TxCore } from '../../src/chain/transaction.js';
import { signBatch, evidenceFor } from '../../src/chain/batch.js';
import { leafHash, rootOf, inclusionProof, frontierAppend, frontierRoot } from '../../src/merkle/tree.js';
import { publicKeyOf, type KeyPair } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { buildProof, type ProofJson } from '../../src/proof/proof.js';
import { buildCountersignature } from '../../src/proof/countersigned.js';
import { signCheckpoint } from '../../src/chain/checkpoint.js';
import { consensusFor } from '../../src/consensus/index.js';
import { toHex, utf8 } from '../../src/codec/bytes.js';

const keyOf = (first: number): KeyPair => {
  const secretKey = Uint8Array.from({ length: 32 }, (_, i) => (first + i) & 0xff);
  return { secretKey, publicKey: publicKeyOf(secretKey) };
};

export interface SeedProof {
  name: string;
  proof: ProofJson;
  /** The proof is a forgery that must never verify as it is (only with its countersignatures taken out). */
  forged?: boolean;
  /** A strict trust list (urchain-formats(5), TRUST LIST) under which the proof is valid and trusted. */
  trust: SeedTrust;
}

export interface SeedScope {
  chains: string[];
  authorities?: string[];
  origins?: string[];
}

export interface SeedTrust extends SeedScope {
  partners?: (SeedScope & { name: string; note?: string })[];
  name?: string;
  note?: string;
}

export interface Chain {
  params: ChainParams;
  chainId: Uint8Array;
  key: KeyPair;
}

function chain(name: string, key: KeyPair, consensus: 'poa' | 'pow'): Chain {
  const params: ChainParams = {
    version: 1,
    name,
    created: 1767225600000,
    consensus,
    authorities: consensus === 'poa' ? [key.publicKey] : [],
    threshold: consensus === 'poa' ? 1 : 0,
    difficulty: consensus === 'poa' ? 0 : 6,
    blockTime: 5000,
  };
  return { params, chainId: chainIdOf(params), key };
}

/** Block 1 of `c` holding `records` (payload, kind, meta); returns the proof of record `pick`. */
async function block1(c: Chain, records: { payload: Uint8Array; kind: string; meta: Record<string, string> }[], pick: number): Promise<{ proof: ProofJson; header: Header; hash: Uint8Array; signatures: { key: Uint8Array; sig: Uint8Array }[] }> {
  const cores: TxCore[] = records.map((r, i) => ({
    version: 1,
    chainId: c.chainId,
    origin: c.key.publicKey,
    timestamp: 1767225601000 + i,
    seq: i + 1,
    kind: r.kind,
    meta: normalizeMeta(r.meta),
    payloadDigest: sha256(r.payload),
    payloadLength: r.payload.length,
  }));
  const txIds = cores.map((x) => txIdOf(encodeCore(x)));
  const batch = signBatch(txIds, c.key);
  const genesisHash = blockHashOf(genesisHeader(c.params));
  const header: Header = {
    version: 1,
    chainId: c.chainId,
    height: 1,
    timestamp: 1767225602000,
    prevHash: genesisHash,
    merkleRoot: rootOf(txIds.map(leafHash)),
    txCount: txIds.length,
    difficulty: 0,
    nonce: 0n,
    producer: c.key.publicKey,
    historyRoot: frontierRoot(frontierAppend([], 0, leafHash(genesisHash))),
  };
  const sealed = await consensusFor(c.params).seal(header, c.key);
  const hash = blockHashOf(sealed.header);
  if (c.params.consensus === 'poa' && !sealed.signatures.length) sealed.signatures.push(signHeader(hash, c.key));
  const proof = buildProof({
    txId: txIds[pick],
    core: cores[pick],
    payload: records[pick].payload,
    evidence: evidenceFor(txIds, pick, batch.signature),
    block: sealed,
    blockHash: hash,
    inclusion: { index: pick, path: inclusionProof(txIds.map(leafHash), pick) },
    params: c.params,
  });
  return { proof, header: sealed.header, hash, signatures: sealed.signatures };
}

/** What `trust export` writes for a chain: no authorities under proof of work (an empty list is refused). */
const trustOf = (c: Chain): SeedScope => ({ chains: [toHex(c.chainId)], ...(c.params.authorities.length ? { authorities: c.params.authorities.map(toHex) } : {}), origins: [toHex(c.key.publicKey)] });

export interface SeedWorld {
  proofs: SeedProof[];
  /** The record chain A (its key also signs A's checkpoints) and partner chain B. */
  a: Chain;
  b: Chain;
  /** B's proof of the entangle record holding A's checkpoint: a countersignature for A. */
  partnerProof: ProofJson;
  /** B's signed checkpoint of its block 1, as B would push it to A. */
  partnerCheckpoint: Uint8Array;
}

export async function seedWorld(): Promise<SeedWorld> {
  const records = Array.from({ length: 5 }, (_, i) => ({ payload: utf8(`record ${i} of the fuzz seed`), kind: 'record', meta: { product: `SN-${i}`, machine: 'press-7' } }));
  const a = chain('plant-a', keyOf(0x10), 'poa');
  const pa = await block1(a, records, 3);
  const w = chain('plant-w', keyOf(0x30), 'pow');
  const pw = await block1(w, records, 2);
  // Partner B takes A's block 1 in: an entangle record whose payload is A's signed checkpoint.
  const b = chain('plant-b', keyOf(0x50), 'poa');
  const cp = signCheckpoint({ chainId: a.chainId, height: 1, blockHash: pa.hash, timestamp: pa.header.timestamp }, a.key);
  const pb = await block1(b, [{ payload: cp, kind: 'entangle', meta: { partner: toHex(a.key.publicKey), partnerName: 'plant-a', chain: toHex(a.chainId), height: '1', hash: toHex(pa.hash) } }, records[0]], 0);
  const cs = buildCountersignature({ header: pa.header, signatures: pa.signatures }, pa.hash, { index: 1, size: 1, path: [] }, pb.proof, a.params);
  // A countersignature counts only from a chain the list names as a partner (never the record's own).
  const withPartner: SeedTrust = { name: 'plant-a', ...trustOf(a), partners: [{ name: 'plant-b', ...trustOf(b), note: 'entangled since 2026' }], note: 'fuzz seed' };
  // The attack of issue 9: company A rebuilds its chain (another block 1 of the same chain id)
  // with an entangle record of its own checkpoint and offers that as a "partner" countersignature.
  const self = await block1(a, [{ payload: cp, kind: 'entangle', meta: { partner: toHex(a.key.publicKey), chain: toHex(a.chainId), height: '1', hash: toHex(pa.hash) } }], 0);
  const selfCs = buildCountersignature({ header: pa.header, signatures: pa.signatures }, pa.hash, { index: 1, size: 1, path: [] }, self.proof, a.params);
  const selfTrust: SeedTrust = { ...trustOf(a), partners: [{ name: 'plant-a-too', ...trustOf(a) }, { name: 'plant-b', ...trustOf(b) }] };
  return {
    proofs: [
      { name: 'poa', proof: pa.proof, trust: trustOf(a) },
      { name: 'pow', proof: pw.proof, trust: trustOf(w) },
      { name: 'countersigned', proof: { ...pa.proof, countersignatures: [cs] }, trust: withPartner },
      { name: 'self-countersigned', proof: { ...pa.proof, countersignatures: [selfCs] }, trust: selfTrust, forged: true },
    ],
    a,
    b,
    partnerProof: pb.proof,
    partnerCheckpoint: signCheckpoint({ chainId: b.chainId, height: 1, blockHash: pb.hash, timestamp: pb.header.timestamp }, b.key),
  };
}
