/**
 * Builds chains and proofs in memory with keys the test makes (or forged "signers"), so the
 * verifier can be given genuine proofs, proofs of a rebuilt chain and proofs signed by
 * small-order keys without running a node. JSON is built field by field (not with buildProof,
 * which drops signatures the verifier would refuse) so a test can make anything.
 */
import { chainIdOf, paramsToJson, type ChainParams } from '../src/chain/params.js';
import { genesisHeader } from '../src/chain/genesis.js';
import { blockHashOf, headerToJson, type Header, type BlockSignature } from '../src/chain/header.js';
import { encodeCore, txIdOf, normalizeMeta, coreToJson, type TxCore } from '../src/chain/transaction.js';
import { batchHead } from '../src/chain/batch.js';
import { encodeCheckpoint } from '../src/chain/checkpoint.js';
import { leafHash, rootOf, inclusionProof } from '../src/merkle/tree.js';
import { leadingZeroBits } from '../src/consensus/pow.js';
import { sign, generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { signedMessage, type Domain } from '../src/crypto/signed.js';
import { sha256 } from '../src/crypto/hash.js';
import { encode } from '../src/codec/cbor.js';
import { toHex, toBase64, utf8 } from '../src/codec/bytes.js';

export interface Signer {
  publicKey: Uint8Array;
  sign(domain: Domain, hash: Uint8Array): Uint8Array;
}
export const signer = (k: KeyPair = generateKeyPair()): Signer => ({ publicKey: k.publicKey, sign: (d, h) => sign(signedMessage(d, h), k.secretKey) });

/**
 * The identity point encoded with x = 0 and the sign bit set (RFC 8032 §5.1.3 says: decoding
 * fails). With A = identity, [S]B = R + [k]A holds for R = identity, S = 0 and every message.
 */
export const SMALL_ORDER_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : i === 31 ? 0x80 : 0));
export const smallOrderSigner: Signer = { publicKey: SMALL_ORDER_KEY, sign: () => Uint8Array.from({ length: 64 }, (_, i) => (i === 0 ? 1 : 0)) };

const T0 = 1767225600000;

export interface Rec {
  core: TxCore;
  txId: Uint8Array;
  payload: Uint8Array;
  origin: Signer;
}

export class TestChain {
  readonly params: ChainParams;
  readonly chainId: Uint8Array;
  readonly headers: Header[] = [];
  readonly hashes: Uint8Array[] = [];
  readonly sigs: BlockSignature[][] = [];
  readonly txs: Rec[][] = [];
  readonly batchSigs: Uint8Array[] = [];
  private seq = 0;

  constructor(
    name: string,
    readonly producers: Signer[],
    o: { consensus?: 'poa' | 'pow'; threshold?: number; difficulty?: number; authorities?: Uint8Array[] } = {},
  ) {
    const consensus = o.consensus ?? 'poa';
    this.params = {
      version: 1,
      name,
      created: T0,
      consensus,
      authorities: o.authorities ?? (consensus === 'poa' ? producers.map((s) => s.publicKey) : []),
      threshold: o.threshold ?? (consensus === 'poa' ? 1 : 0),
      difficulty: consensus === 'pow' ? (o.difficulty ?? 4) : 0,
      blockTime: 1000,
    };
    this.chainId = chainIdOf(this.params);
    const g = genesisHeader(this.params);
    this.headers.push(g);
    this.hashes.push(blockHashOf(g));
    this.sigs.push([]);
    this.txs.push([]);
    this.batchSigs.push(new Uint8Array(64));
  }

  get height(): number {
    return this.headers.length - 1;
  }

  record(origin: Signer, payload: string | Uint8Array, meta: Record<string, string> = { product: 'SN-1' }, kind = 'record'): Rec {
    const p = typeof payload === 'string' ? utf8(payload) : payload;
    const core: TxCore = { version: 1, chainId: this.chainId, origin: origin.publicKey, timestamp: T0 + (this.height + 1) * 1000 - 500, seq: ++this.seq, kind, meta: normalizeMeta(meta), payloadDigest: sha256(p), payloadLength: p.length };
    return { core, txId: txIdOf(encodeCore(core)), payload: p, origin };
  }

  /** Appends a block of `recs` (one batch, signed by the first record's origin), sealed by `by`. */
  block(recs: Rec[], by: Signer[] = this.producers.slice(0, Math.max(1, this.params.threshold))): number {
    const height = this.height + 1;
    const leaves = recs.map((r) => leafHash(r.txId));
    const h: Header = {
      version: 1,
      chainId: this.chainId,
      height,
      timestamp: T0 + height * 1000,
      prevHash: this.hashes[height - 1],
      merkleRoot: rootOf(leaves),
      txCount: recs.length,
      difficulty: this.params.consensus === 'pow' ? this.params.difficulty : 0,
      nonce: 0n,
      producer: by[0].publicKey,
      historyRoot: rootOf(this.hashes.map(leafHash)),
    };
    if (this.params.consensus === 'pow') while (leadingZeroBits(blockHashOf(h)) < h.difficulty) h.nonce++;
    const hash = blockHashOf(h);
    this.headers.push(h);
    this.hashes.push(hash);
    this.sigs.push(by.map((s) => ({ key: s.publicKey, sig: s.sign('block', hash) })));
    this.txs.push(recs);
    this.batchSigs.push(recs.length ? recs[0].origin.sign('batch', batchHead(recs.length, rootOf(leaves))) : new Uint8Array(64));
    return height;
  }

  blockJson(height: number) {
    return { hash: toHex(this.hashes[height]), header: headerToJson(this.headers[height]), signatures: this.sigs[height].map((s) => ({ key: toHex(s.key), sig: toHex(s.sig) })) };
  }

  /** The proof of transaction `index` of block `height` (every block's records are one batch). */
  proof(height: number, index = 0, o: { stripped?: boolean } = {}): any {
    const recs = this.txs[height];
    const r = recs[index];
    const leaves = recs.map((x) => leafHash(x.txId));
    const path = inclusionProof(leaves, index).map(toHex);
    return {
      format: 'urchain-proof/1',
      txId: toHex(r.txId),
      core: coreToJson(r.core),
      ...(o.stripped ? {} : { payload: toBase64(r.payload) }),
      evidence: { batchSize: recs.length, index, path, signature: toHex(this.batchSigs[height]) },
      block: { ...this.blockJson(height), inclusion: { index, path } },
      chain: paramsToJson(this.params),
    };
  }

  /** A's checkpoint of block `height`, signed by `by`: the payload of an entangle record. */
  checkpoint(height: number, by: Signer): Uint8Array {
    const body = encodeCheckpoint({ chainId: this.chainId, height, blockHash: this.hashes[height], timestamp: this.headers[height].timestamp, signer: by.publicKey });
    return encode([body, by.sign('checkpoint', sha256(body))]);
  }

  /** The link part of a countersignature: block H and the history path of block h in it. */
  link(h: number, H: number) {
    const path = H > h ? inclusionProof(this.hashes.slice(0, H).map(leafHash), h).map(toHex) : [];
    return { ...this.blockJson(H), history: { index: h, size: H, path } };
  }
}

/** `partner` takes in `a`'s checkpoint of block H (signed by `by`) as an entangle record. */
export function entangle(a: TestChain, H: number, by: Signer, partner: TestChain, origin: Signer, name = a.params.name): any {
  const cp = a.checkpoint(H, by);
  const rec = partner.record(origin, cp, { partner: toHex(by.publicKey), partnerName: name, chain: toHex(a.chainId), height: String(H), hash: toHex(a.hashes[H]) }, 'entangle');
  const height = partner.block([rec]);
  return partner.proof(height, 0);
}

/** The usual setup: A's record in block 1, A's link block 2, B entangles A's block 2. */
export function twoCompanies() {
  const ka = signer();
  const kb = signer();
  const A = new TestChain('plant-a', [ka]);
  const B = new TestChain('plant-b', [kb]);
  const rec = A.record(ka, 'torque 42 Nm');
  A.block([rec, A.record(ka, 'torque 43 Nm')]);
  A.block([A.record(ka, 'later')]);
  const partnerProof = entangle(A, 2, ka, B, kb);
  const proof = { ...A.proof(1, 0), countersignatures: [{ link: A.link(1, 2), partner: partnerProof }] };
  const scope = (c: TestChain, k: Signer) => ({ chains: [toHex(c.chainId)], authorities: [toHex(k.publicKey)], origins: [toHex(k.publicKey)] });
  const trust = { ...scope(A, ka), partners: [{ name: 'plant-b', ...scope(B, kb) }] };
  return { ka, kb, A, B, proof, trust, scope };
}
