/**
 * @module proof/countersigned
 * Countersignatures: evidence that partner networks wrote this chain's block hashes into their
 * own chains, so the record's block cannot be rewritten without them noticing.
 *
 * For a record in block h of chain A, one countersignature holds:
 *   link     A's later header H (h <= H) with its signatures, and the RFC 9162 inclusion proof of
 *            leafHash(hash of block h) at index h in H.historyRoot (size H); empty when h = H
 *   partner  a complete urchain-proof/1 of a transaction of kind `entangle` in partner B's chain
 *            whose payload is A's signed checkpoint (A's chain id, height H, hash of H)
 *
 * Verification: the link header is a valid block of A (same seal and trust rules as the
 * record's block), block h is in its history; B is not A (a company cannot countersign itself:
 * it could rebuild its chain and write its own checkpoint into it) and, with a trust list, B is
 * named there as a partner and B's proof verifies against that partner's entry; the checkpoint
 * names exactly A's chain, H, H's hash and H's time, the entangle record's meta says the same,
 * and the checkpoint is signed by a key the trust list accepts for A.
 */
import { toHex, equal } from '../codec/bytes.js';
import { leafHash, rootFromInclusion } from '../merkle/tree.js';
import { blockHashOf, headerToJson, sigsToJson, type SignedHeader, type HeaderJson, type Header } from '../chain/header.js';
import { openCheckpoint } from '../chain/checkpoint.js';
import { chainIdOf, type ChainParams } from '../chain/params.js';
import { metaGet } from '../chain/transaction.js';
import type { ParsedCountersignature, ParsedProof } from './parse.js';
import { partnerFor, type TrustList, type TrustScope } from './trust.js';
import type { ProofJson, VerifyOk } from './proof.js';
import { checkSeal, checkBlockTrust, sealSignatures } from './seal.js';
import { UrchainError } from '../errors.js';

export interface CountersignatureJson {
  link: {
    hash: string;
    header: HeaderJson;
    signatures: { key: string; sig: string }[];
    history: { index: number; size: number; path: string[] };
  };
  partner: ProofJson;
}

export function buildCountersignature(link: SignedHeader, linkHash: Uint8Array, history: { index: number; size: number; path: Uint8Array[] }, partner: ProofJson, params: ChainParams): CountersignatureJson {
  const l = sealSignatures(params, link, linkHash);
  return {
    link: { hash: toHex(linkHash), header: headerToJson(l.header), signatures: sigsToJson(l.signatures), history: { index: history.index, size: history.size, path: history.path.map(toHex) } },
    partner,
  };
}

export interface Countersigner {
  /** The partner's name in the trust list; null without one (structural check only). */
  partner: string | null;
  chainId: string;
  /** The name the partner chain gives itself (its parameters): informational only. */
  chain: string;
  height: number;
  blockHash: string;
  time: string;
  entangleTxId: string;
  linkHeight: number;
  checkpointSigner: string;
}

/** The entangle record's meta (set by `entangle pull`): these members and no others. */
const ENTANGLE_META = new Set(['chain', 'hash', 'height', 'partner', 'partnerName']);

/**
 * Checks one countersignature for a base proof that passed its own checks. `verifyPartner`
 * verifies the partner proof against a trust scope (passed in to keep the modules acyclic)
 * and throws when it fails. Throws BAD_PROOF (the reason) when the countersignature does not hold.
 */
export function verifyCountersignature(
  cs: ParsedCountersignature,
  base: { blockHash: Uint8Array; header: Header; chainId: Uint8Array; params: ChainParams },
  trust: TrustList | null,
  verifyPartner: (p: ParsedProof, t: TrustScope | null) => VerifyOk,
): Countersigner {
  const at = cs.path;
  const lh = cs.link.header;
  const h = base.header.height;
  const linkHash = blockHashOf(lh);
  if (!equal(linkHash, cs.linkHash)) throw UrchainError.BAD_PROOF(`${at}.link.hash does not match its header`);
  if (!equal(lh.chainId, base.chainId)) throw UrchainError.BAD_PROOF(`${at}.link.header is of another chain than the record`);
  const signers = checkSeal(cs.link, linkHash, base.params, `${at}.link`);
  if (trust) checkBlockTrust(signers, base.params, trust, `${at}.link`);

  const H = lh.height;
  const hist = cs.history;
  if (hist.index !== h || hist.size !== H) throw UrchainError.BAD_PROOF(`${at}.link.history is for block ${hist.index} of ${hist.size}, not ${h} of ${H}`);
  if (H < h) throw UrchainError.BAD_PROOF(`${at}.link block ${H} is older than the record block ${h}`);
  if (H === h) {
    if (!equal(linkHash, base.blockHash)) throw UrchainError.BAD_PROOF(`${at}.link block is at the record's height but is not the record's block`);
    if (hist.path.length !== 0) throw UrchainError.BAD_PROOF(`${at}.link.history.path: must be empty when the link block is the record's block`);
  } else {
    if (lh.timestamp < base.header.timestamp) throw UrchainError.BAD_PROOF(`${at}.link.header.timestamp is before the record block's`);
    const root = rootFromInclusion(hist.index, hist.size, leafHash(base.blockHash), hist.path);
    if (!equal(root, lh.historyRoot)) throw UrchainError.BAD_PROOF(`${at}: the record block is not in the link block's history`);
  }

  const p = cs.partner;
  const partnerChain = toHex(chainIdOf(p.params));
  if (equal(chainIdOf(p.params), base.chainId)) throw UrchainError.BAD_PROOF(`${at}.partner is a proof of the record's own chain: a chain cannot countersign itself`);
  let scope: TrustScope | null = null;
  let partnerName: string | null = null;
  if (trust) {
    const entry = partnerFor(trust, partnerChain);
    if (!entry) throw UrchainError.BAD_PROOF(`${at}.partner: chain ${partnerChain} ("${p.params.name}") is not named as a partner in the trust list`);
    scope = entry;
    partnerName = entry.name;
  }
  const r = verifyPartner(p, scope);
  if (p.core.kind !== 'entangle') throw UrchainError.BAD_PROOF(`${at}.partner.core.kind: expected "entangle", got "${p.core.kind}"`);
  if (p.payload === undefined) throw UrchainError.BAD_PROOF(`${at}.partner.payload: missing (the checkpoint)`);
  let cp;
  try {
    cp = openCheckpoint(p.payload);
  } catch (e) {
    throw UrchainError.BAD_PROOF(`${at}.partner.payload: ${(e as Error).message}`);
  }
  if (!equal(cp.chainId, base.chainId) || cp.height !== H || !equal(cp.blockHash, linkHash))
    throw UrchainError.BAD_PROOF(`${at}: the partner took in a different block (height ${cp.height}) than the link block ${H}`);
  if (cp.timestamp !== lh.timestamp) throw UrchainError.BAD_PROOF(`${at}: the checkpoint's time ${cp.timestamp} is not the link block's ${lh.timestamp}`);
  const signer = toHex(cp.signer);
  const expect: Record<string, string> = { chain: toHex(cp.chainId), height: String(cp.height), hash: toHex(cp.blockHash), partner: signer };
  for (const [k] of p.core.meta) if (!ENTANGLE_META.has(k)) throw UrchainError.BAD_PROOF(`${at}.partner.core.meta.${k}: not a member of an entangle record`);
  for (const [k, v] of Object.entries(expect)) {
    if (metaGet(p.core.meta, k) !== v) throw UrchainError.BAD_PROOF(`${at}.partner.core.meta.${k}: expected ${v}, got ${metaGet(p.core.meta, k) ?? 'nothing'}`);
  }
  if (trust) {
    const accepted = new Set([...base.params.authorities.map(toHex), ...(trust.authorities ?? []), ...(trust.origins ?? [])]);
    if (!accepted.has(signer)) throw UrchainError.BAD_PROOF(`${at}: checkpoint signer ${signer.slice(0, 16)}… is neither an authority of this chain nor in the trust list`);
  }
  return {
    partner: partnerName,
    chainId: r.chainId,
    chain: r.chain,
    height: r.block.height,
    blockHash: r.block.hash,
    time: r.block.time,
    entangleTxId: r.txId,
    linkHeight: H,
    checkpointSigner: signer,
  };
}
