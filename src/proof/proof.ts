/**
 * @module proof/proof
 * The proof bundle: everything a verifier needs offline to check that a record existed in a
 * block of a chain, came from an origin key and was not changed. No I/O here: it runs in a
 * verifier with nothing but the proof and a trust list, on a server or in a browser.
 *
 * Checks, in order (the first that fails is reported):
 *   format     the document follows the strict schema (proof/parse.ts): every field known, in
 *              its one encoding, every single-value rule of urchain-formats(5)
 *   chain      chainId = SHA-256(params); the core and header carry that chain id
 *   payload    SHA-256(payload) = core.payloadDigest and its length matches (skipped if stripped)
 *   txId       SHA-256(core) = txId
 *   signature  the batch evidence leads to a root the origin key signed (urchain/batch/v1)
 *   inclusion  the Merkle path leads from leafHash(txId) to header.merkleRoot; the block is not
 *              older than the record
 *   seal       the header hash is block.hash, the consensus seal holds (poa: k authority
 *              signatures, difficulty and nonce 0; pow: leading zero bits and the producer's
 *              signature), and every listed signature verifies and is by a key allowed to sign
 *   trust      the chain is in the trust list, and the origin and block signers where it lists them
 *   countersignature  each one holds, from a partner the trust list names (countersigned.ts)
 *
 * Without a trust list (`trust` = null, the explicit structural check) the proof is checked for
 * consistency only and `trusted` is false: anyone can make such a proof for a chain of their own.
 */
import { toHex, toBase64, equal } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { leafHash, rootFromInclusion } from '../merkle/tree.js';
import { coreToJson, encodeCore, txIdOf, type TxCoreJson } from '../chain/transaction.js';
import { evidenceToJson, verifyEvidence, type EvidenceJson } from '../chain/batch.js';
import { blockHashOf, headerToJson, sigsToJson, type HeaderJson } from '../chain/header.js';
import { chainIdOf, paramsToJson, type ChainParamsJson } from '../chain/params.js';
import { sealSignatures, checkSeal, checkBlockTrust } from './seal.js';
import { parseStrictJson } from './json.js';
import { parseProof, PROOF_FORMAT, type ParsedProof } from './parse.js';
import { checkTrustList, type TrustList, type TrustScope } from './trust.js';
import { verifyCountersignature, type CountersignatureJson, type Countersigner } from './countersigned.js';
import { UrchainError } from '../errors.js';

export { PROOF_FORMAT } from './parse.js';
export type { TrustList, TrustScope, TrustPartner } from './trust.js';

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

/** What a proof is built from: a parsed proof without its countersignatures. */
export type ProofParts = Omit<ParsedProof, 'countersignatures'>;

export function buildProof(p: ProofParts): ProofJson {
  const block = sealSignatures(p.params, p.block, p.blockHash);
  return {
    format: PROOF_FORMAT,
    txId: toHex(p.txId),
    core: coreToJson(p.core),
    ...(p.payload ? { payload: toBase64(p.payload) } : {}),
    evidence: evidenceToJson(p.evidence),
    block: {
      hash: toHex(p.blockHash),
      header: headerToJson(block.header),
      signatures: sigsToJson(block.signatures),
      inclusion: { index: p.inclusion.index, path: p.inclusion.path.map(toHex) },
    },
    chain: paramsToJson(p.params),
  };
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

/** Verifies the text of a proof file: strict JSON (proof/json.ts), then verifyProof. */
export function verifyProofText(text: string, trust: TrustList | null): VerifyResult {
  let doc: unknown;
  try {
    doc = parseStrictJson(text, 'proof');
  } catch (e) {
    return { valid: false, failed: 'format', reason: (e as Error).message, checks: [] };
  }
  return verifyProof(doc, trust);
}

/**
 * Verifies a proof document. `trust` is required: a trust list (checked strictly; an invalid
 * one throws BAD_INPUT), or null for the structural check only, whose result is never trusted.
 */
export function verifyProof(input: unknown, trust: TrustList | null): VerifyResult {
  const t = trust === null ? null : checkTrustList(trust);
  let p: ParsedProof;
  try {
    p = parseProof(input);
  } catch (e) {
    return { valid: false, failed: 'format', reason: (e as Error).message, checks: [] };
  }
  return verifyParsed(p, t);
}

/** The checks after `format`, on a proof parse.ts has read. */
function verifyParsed(p: ParsedProof, trust: TrustScope | TrustList | null): VerifyResult {
  const passed: CheckName[] = ['format'];
  const step = (name: CheckName, ok: boolean, reason: string) => {
    if (!ok) throw new CheckFailed(name, reason);
    if (!passed.includes(name)) passed.push(name);
  };
  const guard = <T>(name: CheckName, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof CheckFailed) throw e;
      throw new CheckFailed(name, (e as Error).message);
    }
  };
  try {
    return checkParsed(p, trust, step, guard, passed);
  } catch (e) {
    if (e instanceof CheckFailed) return { valid: false, failed: e.check, reason: e.message, checks: passed.filter((c) => c !== e.check) };
    return { valid: false, failed: 'format', reason: (e as Error).message, checks: passed };
  }
}

type Step = (name: CheckName, ok: boolean, reason: string) => void;
type Guard = <T>(name: CheckName, fn: () => T) => T;

function checkParsed(parts: ParsedProof, trust: TrustScope | TrustList | null, step: Step, guard: Guard, passed: CheckName[]): VerifyOk {
  const { core, block } = parts;
  const h = block.header;
  const chainId = chainIdOf(parts.params);
  const chainHex = toHex(chainId);
  step('chain', equal(chainId, h.chainId), 'header chain id is not SHA-256 of the chain parameters');
  step('chain', equal(chainId, core.chainId), 'record belongs to another chain than the block');

  if (parts.payload) {
    step('payload', parts.payload.length === core.payloadLength, `payload is ${parts.payload.length} bytes, core says ${core.payloadLength}`);
    step('payload', equal(sha256(parts.payload), core.payloadDigest), 'payload digest does not match: the record was changed');
  }

  step('txId', equal(txIdOf(encodeCore(core)), parts.txId), 'txId is not SHA-256 of the canonical core');
  step('signature', verifyEvidence(parts.txId, core.origin, parts.evidence), 'origin signature over the batch root does not verify');

  const root = guard('inclusion', () => rootFromInclusion(parts.inclusion.index, h.txCount, leafHash(parts.txId), parts.inclusion.path));
  step('inclusion', equal(root, h.merkleRoot), 'Merkle path does not lead to the header merkle root');
  step('inclusion', h.timestamp >= core.timestamp, `block time ${h.timestamp} is before the record's time ${core.timestamp}`);

  const hash = blockHashOf(h);
  step('seal', equal(hash, parts.blockHash), 'block hash does not match the header');
  const signers = guard('seal', () => checkSeal(block, hash, parts.params));

  if (trust) {
    const origin = toHex(core.origin);
    step('trust', trust.chains.includes(chainHex), `chain ${chainHex} ("${parts.params.name}") is not in the trust list`);
    if (trust.origins) step('trust', trust.origins.includes(origin), `origin ${origin} is not in the trust list`);
    guard('trust', () => checkBlockTrust(signers, parts.params, trust));
  }
  let countersignedBy: Countersigner[] | undefined;
  if (parts.countersignatures) {
    countersignedBy = [];
    const seen = new Set<string>();
    for (const cs of parts.countersignatures) {
      const c = guard('countersignature', () =>
        verifyCountersignature(cs, { blockHash: hash, header: h, chainId, params: parts.params }, trust as TrustList | null, (x, s) => {
          const r = verifyParsed(x, s);
          if (!r.valid) throw UrchainError.BAD_PROOF(`${cs.path}.partner: ${r.failed} check failed: ${r.reason}`);
          return r;
        }),
      );
      step('countersignature', !seen.has(c.chainId), `${cs.path}: a second countersignature from chain ${c.chainId}`);
      seen.add(c.chainId);
      countersignedBy.push(c);
    }
  }
  return {
    valid: true,
    txId: toHex(parts.txId),
    chainId: chainHex,
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
    trusted: trust !== null,
    ...(countersignedBy ? { countersignedBy } : {}),
    checks: passed,
  };
}
