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
 * Verification: the link header is valid under A's parameters, block h is in its history, the
 * partner proof verifies (against the same trust list), and the checkpoint it carries names
 * exactly A's chain, H and H's hash, signed by a key the trust list accepts for A.
 */
import { fromHex, fromBase64, toHex, equal } from '../codec/bytes.js';
import { leafHash, rootFromInclusion } from '../merkle/tree.js';
import { blockHashOf, headerFromJson, sigsFromJson, headerToJson, sigsToJson, type SignedHeader, type HeaderJson } from '../chain/header.js';
import { openCheckpoint } from '../chain/checkpoint.js';
import { consensusFor } from '../consensus/index.js';
import type { ChainParams } from '../chain/params.js';
import type { ProofJson, TrustList, VerifyOk } from './proof.js';

export interface CountersignatureJson {
  link: {
    hash: string;
    header: HeaderJson;
    signatures: { key: string; sig: string }[];
    history: { index: number; size: number; path: string[] };
  };
  partner: ProofJson;
}

export function buildCountersignature(link: SignedHeader, linkHash: Uint8Array, history: { index: number; size: number; path: Uint8Array[] }, partner: ProofJson): CountersignatureJson {
  return {
    link: { hash: toHex(linkHash), header: headerToJson(link.header), signatures: sigsToJson(link.signatures), history: { index: history.index, size: history.size, path: history.path.map(toHex) } },
    partner,
  };
}

export interface Countersigner {
  chainId: string;
  chain: string;
  height: number;
  blockHash: string;
  time: string;
  entangleTxId: string;
  linkHeight: number;
}

/**
 * Checks one countersignature for a verified base proof. `verifyPartner` is verifyProof (passed
 * in to keep the modules acyclic). Throws Error(reason) when it does not hold.
 */
export function verifyCountersignature(
  cs: CountersignatureJson,
  base: { blockHash: Uint8Array; height: number; chainId: Uint8Array; params: ChainParams },
  trust: TrustList | undefined,
  verifyPartner: (p: unknown, t?: TrustList) => { valid: boolean; reason?: string } & Partial<VerifyOk>,
): Countersigner {
  if (!cs || !cs.link || !cs.partner) throw new Error('countersignature: expected {link, partner}');
  const link: SignedHeader = { header: headerFromJson(cs.link.header), signatures: sigsFromJson(cs.link.signatures) };
  const linkHash = blockHashOf(link.header);
  if (!equal(linkHash, fromHex(cs.link.hash, 32, 'link.hash'))) throw new Error('countersignature: link hash does not match its header');
  if (!equal(link.header.chainId, base.chainId)) throw new Error('countersignature: link header is of another chain');
  consensusFor(base.params).validate(link, linkHash);
  const H = link.header.height;
  const hist = cs.link.history;
  if (hist.index !== base.height || hist.size !== H) throw new Error(`countersignature: history proof is for block ${hist.index} of ${hist.size}, not ${base.height} of ${H}`);
  if (H === base.height) {
    if (!equal(linkHash, base.blockHash)) throw new Error('countersignature: link block is not the record block');
  } else {
    if (H < base.height) throw new Error('countersignature: link block is older than the record block');
    const root = rootFromInclusion(hist.index, hist.size, leafHash(base.blockHash), hist.path.map((p, i) => fromHex(p, 32, `history.path[${i}]`)));
    if (!equal(root, link.header.historyRoot)) throw new Error('countersignature: record block is not in the link block history');
  }
  if (cs.partner.countersignatures !== undefined) throw new Error('countersignature: a partner proof may not nest countersignatures');
  const r = verifyPartner(cs.partner, trust);
  if (!r.valid) throw new Error(`countersignature: partner proof fails: ${r.reason}`);
  if (cs.partner.core.kind !== 'entangle') throw new Error('countersignature: partner record is not an entangle record');
  if (cs.partner.payload === undefined) throw new Error('countersignature: partner proof carries no checkpoint');
  const cp = openCheckpoint(fromBase64(cs.partner.payload, 'partner payload'));
  if (!equal(cp.chainId, base.chainId) || cp.height !== H || !equal(cp.blockHash, linkHash))
    throw new Error(`countersignature: the partner took in a different block (height ${cp.height}) than the link block ${H}`);
  const signer = toHex(cp.signer);
  const accepted = base.params.authorities.map(toHex);
  if (trust?.authorities) accepted.push(...trust.authorities);
  if (!accepted.includes(signer)) throw new Error(`countersignature: checkpoint signer ${signer.slice(0, 16)}… is not an authority of this chain`);
  return {
    chainId: r.chainId!,
    chain: r.chain!,
    height: r.block!.height,
    blockHash: r.block!.hash,
    time: r.block!.time,
    entangleTxId: r.txId!,
    linkHeight: H,
  };
}
