/**
 * @module proof/passport
 * The product passport (urchain-formats(5), PASSPORT FILE): every record of one item, each with
 * what its proof needs, in one file. Block headers, their signatures and their countersignatures
 * are stored once per block and referenced by index from the records, so a record costs its core,
 * its batch evidence and its Merkle path: O(log n) hashes. Passports of several chains merge into
 * one (mergePassports), and the result reads and verifies like any other.
 *
 * A passport has exactly one byte form: the RFC 8785 canonical JSON (members sorted, no white
 * space, shortest escapes) of what passportOf builds from its records, and one newline. JSON, not
 * CBOR: the records inside are urchain-proof/1 pieces that the strict JSON reader (proof/json.ts)
 * and the proof checks already read, a browser reads it without a decoder, and the size target
 * (1,000 records from 100 blocks under 1.5 MiB) holds with hex. The reader rebuilds the passport
 * from the records it found and compares the bytes, so every byte is either checked by a proof
 * check or by that comparison: nothing in a passport goes unread.
 *
 * No I/O here: the same code runs in the CLI and in the self-contained HTML page.
 */
import { toHex, toBase64, utf8, compareBytes } from '../codec/bytes.js';
import { coreToJson, MAX_META_TEXT } from '../chain/transaction.js';
import { evidenceToJson } from '../chain/batch.js';
import { headerToJson, sigsToJson, type SignedHeader } from '../chain/header.js';
import { chainIdOf, paramsToJson, type ChainParams } from '../chain/params.js';
import { parseProof, PROOF_FORMAT, type ParsedProof, type ParsedCountersignature } from './parse.js';
import { obj, sub, uint, text, list, utf8Length, fail } from './shape.js';
import { canonicalJson } from './canonical.js';
import type { ProofJson } from './proof.js';
import type { CountersignatureJson } from './countersigned.js';
import { badInput, UrchainError } from '../errors.js';

export const PASSPORT_FORMAT = 'urchain-passport/1';

/** Bounds that keep a hostile passport cheap to refuse (a string of 256 MiB is already large for a page). */
export const MAX_PASSPORT_CHARS = 256 * 1024 * 1024;
const MAX_RECORDS = 1_000_000;
const MAX_CHAINS = 256;
const MAX_BLOCKS = 1_000_000;
const MAX_ITEMS = 1024;
const MAX_COUNTERSIGNATURES = 64;

export interface PassportBlockJson {
  hash: string;
  header: ProofJson['block']['header'];
  signatures: { key: string; sig: string }[];
  /** Partners' countersignatures of this block: `link.block` indexes the same chain's blocks. */
  countersignatures?: { link: { block: number; history: { index: number; size: number; path: string[] } }; partner: ProofJson }[];
}

export interface PassportChainJson {
  id: string;
  chain: ProofJson['chain'];
  /** The trust-list entry for the keys that signed this chain's records (derived, see passportOf). */
  trust: { chains: string[]; authorities?: string[]; origins: string[]; name: string };
  blocks: PassportBlockJson[];
}

export interface PassportRecordJson {
  chain: number;
  block: number;
  txId: string;
  core: ProofJson['core'];
  payload?: string;
  evidence: ProofJson['evidence'];
  inclusion: { index: number; path: string[] };
}

export interface PassportJson {
  format: typeof PASSPORT_FORMAT;
  items: string[];
  chains: PassportChainJson[];
  records: PassportRecordJson[];
}

/** A proof as JSON, exactly as parsed (buildProof would drop signatures; a reader must not). */
function proofJsonOf(p: ParsedProof): ProofJson {
  return {
    format: PROOF_FORMAT,
    txId: toHex(p.txId),
    core: coreToJson(p.core),
    ...(p.payload !== undefined ? { payload: toBase64(p.payload) } : {}),
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

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byUtf8 = (a: string, b: string) => compareBytes(utf8(a), utf8(b));

interface BlockAcc {
  hash: string;
  signed: SignedHeader;
  cs: Map<string, ParsedCountersignature>;
}
interface ChainAcc {
  id: string;
  params: ChainParams;
  paramsText: string;
  blocks: Map<number, BlockAcc>;
  records: Map<string, ParsedProof>;
}

/**
 * The passport of `items` holding the records of `proofs` (parsed proofs, countersigned or not).
 * Records at one place (chain, height, index) are one record: the same txId is kept once (with
 * its payload if any copy has it), different ones are a conflict; so are two blocks at one height
 * of a chain (a fork: the passports disagree) and two parameter sets for one chain id.
 */
export function passportOf(items: readonly string[], proofs: readonly ParsedProof[]): PassportJson {
  if (!proofs.length) throw badInput('a passport holds at least one record (nothing to show for this item)');
  const chains = new Map<string, ChainAcc>();
  const chainOf = (params: ChainParams): ChainAcc => {
    const id = toHex(chainIdOf(params));
    const paramsText = canonicalJson(paramsToJson(params));
    let c = chains.get(id);
    if (!c) chains.set(id, (c = { id, params, paramsText, blocks: new Map(), records: new Map() }));
    // chainIdOf hashes the parameters, so one id with two texts cannot happen; kept as a guard.
    else if (c.paramsText !== paramsText) throw UrchainError.CONFLICT(`chain ${id}: two different parameter sets`);
    return c;
  };
  const blockOf = (c: ChainAcc, signed: SignedHeader, hash: Uint8Array): BlockAcc => {
    const h = signed.header.height;
    const hex = toHex(hash);
    let b = c.blocks.get(h);
    if (!b) c.blocks.set(h, (b = { hash: hex, signed, cs: new Map() }));
    else if (b.hash !== hex) throw UrchainError.CONFLICT(`chain ${c.id} ("${c.params.name}"): two different blocks at height ${h} (${b.hash.slice(0, 16)}… and ${hex.slice(0, 16)}…): the records come from diverging forks`);
    return b;
  };
  for (const p of proofs) {
    const c = chainOf(p.params);
    const b = blockOf(c, p.block, p.blockHash);
    for (const cs of p.countersignatures ?? []) {
      blockOf(c, cs.link, cs.linkHash);
      const partner = toHex(chainIdOf(cs.partner.params));
      if (!b.cs.has(partner)) b.cs.set(partner, cs);
    }
    const at = `${p.block.header.height}/${p.inclusion.index}`;
    const seen = c.records.get(at);
    if (seen && toHex(seen.txId) !== toHex(p.txId))
      throw UrchainError.CONFLICT(`chain ${c.id} ("${c.params.name}"): two different records at block ${p.block.header.height}, index ${p.inclusion.index}`);
    if (!seen || (seen.payload === undefined && p.payload !== undefined)) c.records.set(at, p);
  }

  const chainList = [...chains.values()].sort((a, b) => byText(a.id, b.id));
  const out: PassportJson = { format: PASSPORT_FORMAT, items: [...new Set(items)].sort(byUtf8), chains: [], records: [] };
  const rows: { key: [number, string, number, number]; rec: PassportRecordJson }[] = [];
  chainList.forEach((c, ci) => {
    const heights = [...c.blocks.keys()].sort((a, b) => a - b);
    const index = new Map(heights.map((h, i) => [h, i]));
    const blocks: PassportBlockJson[] = heights.map((h) => {
      const b = c.blocks.get(h)!;
      const cs = [...b.cs.entries()].sort((x, y) => byText(x[0], y[0]));
      return {
        hash: b.hash,
        header: headerToJson(b.signed.header),
        signatures: sigsToJson(b.signed.signatures),
        ...(cs.length
          ? {
              countersignatures: cs.map(([, s]) => ({
                link: { block: index.get(s.link.header.height)!, history: { index: s.history.index, size: s.history.size, path: s.history.path.map(toHex) } },
                partner: proofJsonOf(s.partner),
              })),
            }
          : {}),
      };
    });
    const origins = new Set<string>();
    for (const p of c.records.values()) {
      origins.add(toHex(p.core.origin));
      const j = proofJsonOf(p);
      const h = p.block.header;
      rows.push({
        key: [h.timestamp, c.id, h.height, p.inclusion.index],
        rec: { chain: ci, block: index.get(h.height)!, txId: j.txId, core: j.core, ...(j.payload !== undefined ? { payload: j.payload } : {}), evidence: j.evidence, inclusion: j.block.inclusion },
      });
    }
    const params = paramsToJson(c.params);
    out.chains.push({
      id: c.id,
      chain: params,
      trust: { chains: [c.id], ...(c.params.consensus === 'poa' ? { authorities: params.authorities } : {}), origins: [...origins].sort(byText), name: c.params.name },
      blocks,
    });
  });
  // Across chains by block time; one chain's records in chain order (its block times never decrease).
  rows.sort((x, y) => x.key[0] - y.key[0] || byText(x.key[1], y.key[1]) || x.key[2] - y.key[2] || x.key[3] - y.key[3]);
  out.records = rows.map((r) => r.rec);
  return out;
}

/** The one byte form of a passport: RFC 8785 canonical JSON and a newline. */
export const passportText = (p: PassportJson): string => canonicalJson(p) + '\n';

/** A passport's records as the proofs they stand for, with where each came from. */
export interface PassportParts {
  items: string[];
  proofs: ProofJson[];
  at: { chain: number; block: number }[];
}

/**
 * Reads the skeleton of a passport document (already strict JSON) and expands every record into
 * the urchain-proof/1 it stands for: its block's header, signatures and countersignatures put
 * back in. The proofs' own members are read by parseProof. Throws BAD_INPUT naming the path.
 */
export function expandPassport(doc: unknown): PassportParts {
  const o = obj(doc, '', ['format', 'items', 'chains', 'records']);
  if (o.format !== PASSPORT_FORMAT) fail('format', `"${PASSPORT_FORMAT}"`, o.format);
  const items = list(o.items, 'items', 1, MAX_ITEMS).map((x, i) => {
    const t = text(x, sub('items', i));
    if (!t || utf8Length(t) > MAX_META_TEXT) fail(sub('items', i), `an item code of 1 to ${MAX_META_TEXT} bytes`, t);
    return t;
  });
  const chains = list(o.chains, 'chains', 1, MAX_CHAINS).map((x, ci) => {
    const cp = sub('chains', ci);
    const c = obj(x, cp, ['id', 'chain', 'trust', 'blocks']);
    const blocks = list(c.blocks, sub(cp, 'blocks'), 1, MAX_BLOCKS).map((y, bi) => obj(y, sub(sub(cp, 'blocks'), bi), ['hash', 'header', 'signatures'], ['countersignatures']));
    return { path: cp, params: c.chain, blocks };
  });
  const proofs: ProofJson[] = [];
  const at: PassportParts['at'] = [];
  list(o.records, 'records', 1, MAX_RECORDS).forEach((x, i) => {
    const rp = sub('records', i);
    const r = obj(x, rp, ['chain', 'block', 'txId', 'core', 'evidence', 'inclusion'], ['payload']);
    const ci = uint(r.chain, sub(rp, 'chain'), chains.length - 1);
    const c = chains[ci];
    const bi = uint(r.block, sub(rp, 'block'), c.blocks.length - 1);
    const b = c.blocks[bi];
    const bp = sub(sub(c.path, 'blocks'), bi);
    let countersignatures: CountersignatureJson[] | undefined;
    if (b.countersignatures !== undefined) {
      countersignatures = list(b.countersignatures, sub(bp, 'countersignatures'), 1, MAX_COUNTERSIGNATURES).map((y, k) => {
        const kp = sub(sub(bp, 'countersignatures'), k);
        const s = obj(y, kp, ['link', 'partner']);
        const l = obj(s.link, sub(kp, 'link'), ['block', 'history']);
        const link = c.blocks[uint(l.block, sub(kp, 'link.block'), c.blocks.length - 1)];
        return { link: { hash: link.hash, header: link.header, signatures: link.signatures, history: l.history }, partner: s.partner } as CountersignatureJson;
      });
    }
    proofs.push({
      format: PROOF_FORMAT,
      txId: r.txId,
      core: r.core,
      ...(r.payload !== undefined ? { payload: r.payload } : {}),
      evidence: r.evidence,
      block: { hash: b.hash, header: b.header, signatures: b.signatures, inclusion: r.inclusion },
      chain: c.params,
      ...(countersignatures ? { countersignatures } : {}),
    } as ProofJson);
    at.push({ chain: ci, block: bi });
  });
  return { items, proofs, at };
}

/** parseProof on each expanded record; errors name the record and its block. */
export function parseParts(parts: PassportParts): ParsedProof[] {
  return parts.proofs.map((p, i) => {
    try {
      return parseProof(p);
    } catch (e) {
      const { chain, block } = parts.at[i];
      throw badInput(`records[${i}] (block chains[${chain}].blocks[${block}]): ${(e as Error).message}`);
    }
  });
}

/** The passport of `items` from proof documents (as `urchain prove` writes them), read strictly. */
export function buildPassport(items: readonly string[], proofs: readonly unknown[]): PassportJson {
  return passportOf(
    items,
    proofs.map((p, i) => {
      try {
        return parseProof(p);
      } catch (e) {
        throw badInput(`record ${i}: ${(e as Error).message}`);
      }
    }),
  );
}
