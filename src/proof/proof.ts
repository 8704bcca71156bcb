/**
 * @module proof/proof
 * The proof bundle: everything a verifier needs offline to check that a record existed in a
 * block of a chain, came from an origin key and was not changed. No I/O here: it runs in a
 * verifier with nothing but the proof and a trust list, on a server or in a browser.
 *
 * Checks, in order (the first that fails is reported):
 *   format     the bundle parses; every hex field has its length
 *   chain      chainId = SHA-256(params); the core and header carry that chain id
 *   payload    SHA-256(payload) = core.payloadDigest and its length matches (skipped if stripped)
 *   txId       SHA-256(core) = txId
 *   signature  the batch evidence leads to a root the origin key signed (urchain/batch/v1)
 *   inclusion  the Merkle path leads from leafHash(txId) to header.merkleRoot
 *   seal       the header hash is block.hash and the consensus seal holds (poa: k authority
 *              signatures; pow: leading zero bits and the producer's signature)
 *   trust      with a trust list: the origin, the chain and enough signers are trusted
 */
import { toHex, fromHex, fromBase64, toBase64, equal } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { leafHash, rootFromInclusion } from '../merkle/tree.js';
import { coreFromJson, coreToJson, encodeCore, txIdOf, type TxCore, type TxCoreJson } from '../chain/transaction.js';
import { evidenceFromJson, evidenceToJson, verifyEvidence, type Evidence, type EvidenceJson } from '../chain/batch.js';
import { blockHashOf, headerFromJson, headerToJson, sigsFromJson, sigsToJson, validSigners, type SignedHeader, type HeaderJson } from '../chain/header.js';
import { chainIdOf, paramsFromJson, paramsToJson, type ChainParams, type ChainParamsJson } from '../chain/params.js';
import { consensusFor } from '../consensus/index.js';
import { UrchainError } from '../errors.js';
import { verifyCountersignature, type CountersignatureJson, type Countersigner } from './countersigned.js';

export const PROOF_FORMAT = 'urchain-proof/1';

export interface ProofJson {
  format: typeof PROOF_FORMAT;
  txId: string;
  core: TxCoreJson;
  payload?: string;
  evidence: EvidenceJson;
  block: {
    hash: string;
    header: HeaderJson;
    signatures: { key: string; sig: string }[];
    inclusion: { index: number; path: string[] };
  };
  chain: ChainParamsJson;
  /** With `prove --countersigned`: partners' chains that took in a later block of this chain. */
  countersignatures?: CountersignatureJson[];
}

export interface ProofParts {
  txId: Uint8Array;
  core: TxCore;
  payload?: Uint8Array;
  evidence: Evidence;
  block: SignedHeader;
  blockHash: Uint8Array;
  inclusion: { index: number; path: Uint8Array[] };
  params: ChainParams;
}

export function buildProof(p: ProofParts): ProofJson {
  return {
    format: PROOF_FORMAT,
    txId: toHex(p.txId),
    core: coreToJson(p.core),
    ...(p.payload ? { payload: toBase64(p.payload) } : {}),
    evidence: evidenceToJson(p.evidence),
    block: {
      hash: toHex(p.blockHash),
      header: headerToJson(p.block.header),
      signatures: sigsToJson(p.block.signatures),
      inclusion: { index: p.inclusion.index, path: p.inclusion.path.map(toHex) },
    },
    chain: paramsToJson(p.params),
  };
}

export interface TrustList {
  origins?: string[];
  authorities?: string[];
  chains?: string[];
}

export type CheckName = 'format' | 'chain' | 'payload' | 'txId' | 'signature' | 'inclusion' | 'seal' | 'trust' | 'countersignature';

export interface VerifyOk {
  valid: true;
  txId: string;
  chainId: string;
  chain: string;
  origin: string;
  record: { kind: string; meta: Record<string, string>; payloadDigest: string; payloadLength: number; payloadIncluded: boolean; takenIn: string };
  block: { height: number; hash: string; time: string; timestamp: number; producer: string; signers: string[] };
  trusted: boolean;
  countersignedBy?: Countersigner[];
  checks: CheckName[];
}
export interface VerifyFail {
  valid: false;
  failed: CheckName;
  reason: string;
  checks: CheckName[];
}
export type VerifyResult = VerifyOk | VerifyFail;

class CheckFailed extends Error {
  constructor(
    readonly check: CheckName,
    message: string,
  ) {
    super(message);
  }
}

export function verifyProof(input: unknown, trust?: TrustList): VerifyResult {
  const passed: CheckName[] = [];
  let current: CheckName = 'format';
  const step = (name: CheckName, ok: boolean, reason: string) => {
    current = name;
    if (!ok) throw new CheckFailed(name, reason);
    if (!passed.includes(name)) passed.push(name);
  };
  try {
    // format
    const p = input as ProofJson;
    if (!p || typeof p !== 'object' || p.format !== PROOF_FORMAT) throw new CheckFailed('format', `not an ${PROOF_FORMAT} document`);
    let parts: Omit<ProofParts, 'blockHash'> & { blockHash: Uint8Array };
    try {
      if (!p.block || !p.block.inclusion || !Array.isArray(p.block.inclusion.path)) throw new Error('block.inclusion missing');
      parts = {
        txId: fromHex(p.txId, 32, 'txId'),
        core: coreFromJson(p.core),
        payload: p.payload === undefined ? undefined : fromBase64(p.payload, 'payload'),
        evidence: evidenceFromJson(p.evidence),
        block: { header: headerFromJson(p.block.header), signatures: sigsFromJson(p.block.signatures) },
        blockHash: fromHex(p.block.hash, 32, 'block.hash'),
        inclusion: { index: p.block.inclusion.index, path: p.block.inclusion.path.map((x, i) => fromHex(x, 32, `inclusion.path[${i}]`)) },
        params: paramsFromJson(p.chain),
      };
    } catch (e) {
      throw new CheckFailed('format', (e as Error).message);
    }
    step('format', true, '');
    const { core, block } = parts;
    const h = block.header;

    const chainId = chainIdOf(parts.params);
    step('chain', equal(chainId, h.chainId), 'header chain id is not SHA-256 of the chain parameters');
    step('chain', equal(chainId, core.chainId), 'record belongs to another chain than the block');

    if (parts.payload) {
      step('payload', parts.payload.length === core.payloadLength, `payload is ${parts.payload.length} bytes, core says ${core.payloadLength}`);
      step('payload', equal(sha256(parts.payload), core.payloadDigest), 'payload digest does not match: the record was changed');
    }

    const coreBytes = encodeCore(core);
    step('txId', equal(txIdOf(coreBytes), parts.txId), 'txId is not SHA-256 of the canonical core');

    step('signature', verifyEvidence(parts.txId, core.origin, parts.evidence), 'origin signature over the batch root does not verify');

    let root: Uint8Array | undefined;
    try {
      root = rootFromInclusion(parts.inclusion.index, h.txCount, leafHash(parts.txId), parts.inclusion.path);
    } catch (e) {
      step('inclusion', false, (e as Error).message);
    }
    step('inclusion', equal(root!, h.merkleRoot), 'Merkle path does not lead to the header merkle root');

    const hash = blockHashOf(h);
    step('seal', equal(hash, parts.blockHash), 'block hash does not match the header');
    try {
      consensusFor(parts.params).validate(block, hash);
    } catch (e) {
      step('seal', false, (e as Error).message);
    }
    step('seal', true, '');

    const signers = [...validSigners(hash, block.signatures)];
    let trusted = false;
    if (trust) {
      const origin = toHex(core.origin);
      if (trust.origins) step('trust', trust.origins.includes(origin), `origin ${origin} is not in the trust list`);
      if (trust.chains) step('trust', trust.chains.includes(toHex(chainId)), `chain ${toHex(chainId)} is not in the trust list`);
      if (trust.authorities) {
        const need = parts.params.consensus === 'poa' ? parts.params.threshold : 1;
        const n = signers.filter((s) => trust.authorities!.includes(s)).length;
        step('trust', n >= need, `${n} trusted block signer(s), ${need} needed`);
      }
      step('trust', true, '');
      trusted = true;
    }
    let countersignedBy: Countersigner[] | undefined;
    if (p.countersignatures !== undefined) {
      if (!Array.isArray(p.countersignatures) || p.countersignatures.length === 0) step('countersignature', false, 'countersignatures: expected a non-empty list');
      countersignedBy = [];
      for (const cs of p.countersignatures) {
        try {
          countersignedBy.push(verifyCountersignature(cs, { blockHash: hash, height: h.height, chainId, params: parts.params }, trust, (x, t) => verifyProof(x, t) as never));
        } catch (e) {
          step('countersignature', false, (e as Error).message);
        }
      }
      step('countersignature', true, '');
    }
    return {
      valid: true,
      txId: toHex(parts.txId),
      chainId: toHex(chainId),
      chain: parts.params.name,
      origin: toHex(core.origin),
      record: {
        kind: core.kind,
        meta: Object.fromEntries(core.meta),
        payloadDigest: toHex(core.payloadDigest),
        payloadLength: core.payloadLength,
        payloadIncluded: parts.payload !== undefined,
        takenIn: new Date(core.timestamp).toISOString(),
      },
      block: { height: h.height, hash: toHex(hash), time: new Date(h.timestamp).toISOString(), timestamp: h.timestamp, producer: toHex(h.producer), signers },
      trusted,
      ...(countersignedBy ? { countersignedBy } : {}),
      checks: passed,
    };
  } catch (e) {
    if (e instanceof CheckFailed) return { valid: false, failed: e.check, reason: e.message, checks: passed.filter((c) => c !== e.check) };
    if (e instanceof UrchainError) return { valid: false, failed: current, reason: e.message, checks: passed };
    return { valid: false, failed: current, reason: (e as Error).message, checks: passed };
  }
}
