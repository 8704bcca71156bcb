/**
 * @module proof/parse
 * Strict reading of an urchain-proof/1 document (urchain-formats(5), PROOF FILE and JSON RULES):
 * every member known, every value in its one accepted encoding, every rule of the page that can
 * be checked on one value checked here, so nothing in a proof goes unread. The rules that relate
 * values to each other (hashes, signatures, heights, times) are checked by proof.ts and
 * countersigned.ts. Errors name the field path (`countersignatures[0].link.history.path`).
 */
import { KIND_RE, MAX_META_ENTRIES, MAX_META_TEXT, TX_VERSION, type TxCore, type Meta } from '../chain/transaction.js';
import { HEADER_VERSION, type Header, type SignedHeader, type BlockSignature } from '../chain/header.js';
import { checkParams, type ChainParams } from '../chain/params.js';
import type { Evidence } from '../chain/batch.js';
import { toHex, utf8, compareBytes } from '../codec/bytes.js';
import { badInput } from '../errors.js';
import { obj, sub, uint, hex, text, list, base64, utf8Length, fail } from './shape.js';

export const PROOF_FORMAT = 'urchain-proof/1';

/** Meta keys as in urchain-formats(5), TRANSACTION. */
const META_KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const NONCE_RE = /^(?:0|[1-9][0-9]{0,19})$/;
const MAX_U64 = (1n << 64n) - 1n;
/** Bounds that keep a hostile proof cheap: paths of trees of up to 2^53 leaves, few signatures. */
const MAX_PATH = 53;
const MAX_SIGNATURES = 256;
const MAX_COUNTERSIGNATURES = 64;
/** The last millisecond a JavaScript Date holds (year 275760): later times cannot be shown. */
const MAX_TIME = 8_640_000_000_000_000;

export interface ParsedProof {
  txId: Uint8Array;
  core: TxCore;
  payload?: Uint8Array;
  evidence: Evidence;
  block: SignedHeader;
  blockHash: Uint8Array;
  inclusion: { index: number; path: Uint8Array[] };
  params: ChainParams;
  countersignatures?: ParsedCountersignature[];
}

export interface ParsedCountersignature {
  link: SignedHeader;
  linkHash: Uint8Array;
  history: { index: number; size: number; path: Uint8Array[] };
  partner: ParsedProof;
  path: string;
}


const hashes = (v: unknown, path: string): Uint8Array[] => list(v, path, 0, MAX_PATH).map((x, i) => hex(x, sub(path, i), 32));

export function parseCore(v: unknown, path: string): TxCore {
  const o = obj(v, path, ['version', 'chainId', 'origin', 'timestamp', 'seq', 'kind', 'meta', 'payloadDigest', 'payloadLength']);
  const version = uint(o.version, sub(path, 'version'));
  if (version !== TX_VERSION) throw badInput(`${sub(path, 'version')}: only version ${TX_VERSION} exists, got ${version}`);
  const kind = text(o.kind, sub(path, 'kind'));
  if (!KIND_RE.test(kind)) fail(sub(path, 'kind'), 'a kind matching [a-z][a-z0-9._-]{0,31}', kind);
  const m = obj(o.meta, sub(path, 'meta'), [], Object.keys(o.meta && typeof o.meta === 'object' ? o.meta : {}));
  const keys = Object.keys(m);
  if (keys.length > MAX_META_ENTRIES) throw badInput(`${sub(path, 'meta')}: at most ${MAX_META_ENTRIES} entries, got ${keys.length}`);
  const meta: Meta = keys.map((k) => {
    const p = sub(sub(path, 'meta'), k);
    if (!META_KEY_RE.test(k)) fail(p, 'a key of 1-64 of A-Z a-z 0-9 . _ : - (not starting with punctuation)', k);
    const val = text(m[k], p);
    if (utf8Length(val) > MAX_META_TEXT) throw badInput(`${p}: at most ${MAX_META_TEXT} bytes of UTF-8, got ${utf8Length(val)}`);
    return [k, val];
  });
  meta.sort((a, b) => compareBytes(utf8(a[0]), utf8(b[0])));
  return {
    version,
    chainId: hex(o.chainId, sub(path, 'chainId'), 32),
    origin: hex(o.origin, sub(path, 'origin'), 32),
    timestamp: uint(o.timestamp, sub(path, 'timestamp'), MAX_TIME),
    seq: uint(o.seq, sub(path, 'seq')),
    kind,
    meta,
    payloadDigest: hex(o.payloadDigest, sub(path, 'payloadDigest'), 32),
    payloadLength: uint(o.payloadLength, sub(path, 'payloadLength')),
  };
}

export function parseHeader(v: unknown, path: string): Header {
  const o = obj(v, path, ['version', 'chainId', 'height', 'timestamp', 'prevHash', 'merkleRoot', 'txCount', 'difficulty', 'nonce', 'producer', 'historyRoot']);
  const version = uint(o.version, sub(path, 'version'));
  if (version !== HEADER_VERSION) throw badInput(`${sub(path, 'version')}: only version ${HEADER_VERSION} exists, got ${version}`);
  const nonce = o.nonce;
  if (typeof nonce !== 'string' || !NONCE_RE.test(nonce) || BigInt(nonce) > MAX_U64)
    fail(sub(path, 'nonce'), 'a decimal string 0..2^64-1 without leading zeros', nonce);
  return {
    version,
    chainId: hex(o.chainId, sub(path, 'chainId'), 32),
    height: uint(o.height, sub(path, 'height')),
    timestamp: uint(o.timestamp, sub(path, 'timestamp'), MAX_TIME),
    prevHash: hex(o.prevHash, sub(path, 'prevHash'), 32),
    merkleRoot: hex(o.merkleRoot, sub(path, 'merkleRoot'), 32),
    txCount: uint(o.txCount, sub(path, 'txCount')),
    difficulty: uint(o.difficulty, sub(path, 'difficulty'), 64),
    nonce: BigInt(nonce as string),
    producer: hex(o.producer, sub(path, 'producer'), 32),
    historyRoot: hex(o.historyRoot, sub(path, 'historyRoot'), 32),
  };
}

export function parseSignatures(v: unknown, path: string): BlockSignature[] {
  const seen = new Set<string>();
  return list(v, path, 1, MAX_SIGNATURES).map((x, i) => {
    const p = sub(path, i);
    const o = obj(x, p, ['key', 'sig']);
    const key = hex(o.key, sub(p, 'key'), 32);
    if (seen.has(toHex(key))) throw badInput(`${sub(p, 'key')}: a second signature by the same key`);
    seen.add(toHex(key));
    return { key, sig: hex(o.sig, sub(p, 'sig'), 64) };
  });
}

export function parseParams(v: unknown, path: string): ChainParams {
  const o = obj(v, path, ['version', 'name', 'created', 'consensus', 'authorities', 'threshold', 'difficulty', 'blockTime']);
  const consensus = o.consensus;
  if (consensus !== 'poa' && consensus !== 'pow') fail(sub(path, 'consensus'), '"poa" or "pow"', consensus);
  const p: ChainParams = {
    version: uint(o.version, sub(path, 'version')),
    name: text(o.name, sub(path, 'name')),
    created: uint(o.created, sub(path, 'created'), MAX_TIME),
    consensus: consensus as 'poa' | 'pow',
    authorities: list(o.authorities, sub(path, 'authorities'), 0, MAX_SIGNATURES).map((k, i) => hex(k, sub(sub(path, 'authorities'), i), 32)),
    threshold: uint(o.threshold, sub(path, 'threshold')),
    difficulty: uint(o.difficulty, sub(path, 'difficulty')),
    blockTime: uint(o.blockTime, sub(path, 'blockTime')),
  };
  try {
    return checkParams(p); // version 1; poa: 1 <= threshold <= authorities, distinct authorities
  } catch (e) {
    throw badInput(`${path}: ${(e as Error).message.replace(/^chain params: /, '')}`);
  }
}

function parseEvidence(v: unknown, path: string): Evidence {
  const o = obj(v, path, ['batchSize', 'index', 'path', 'signature']);
  const batchSize = uint(o.batchSize, sub(path, 'batchSize'));
  if (batchSize < 1) fail(sub(path, 'batchSize'), 'at least 1', batchSize);
  const index = uint(o.index, sub(path, 'index'));
  if (index >= batchSize) fail(sub(path, 'index'), `an index below batchSize ${batchSize}`, index);
  return { batchSize, index, path: hashes(o.path, sub(path, 'path')), signature: hex(o.signature, sub(path, 'signature'), 64) };
}

/** Reads a whole proof; `nested` for a partner proof inside a countersignature (none of its own). */
export function parseProof(v: unknown, path = '', nested = false): ParsedProof {
  const o = obj(v, path, ['format', 'txId', 'core', 'evidence', 'block', 'chain'], nested ? ['payload'] : ['payload', 'countersignatures']);
  if (o.format !== PROOF_FORMAT) fail(sub(path, 'format'), `"${PROOF_FORMAT}"`, o.format);
  const b = obj(o.block, sub(path, 'block'), ['hash', 'header', 'signatures', 'inclusion']);
  const header = parseHeader(b.header, sub(path, 'block.header'));
  const inc = obj(b.inclusion, sub(path, 'block.inclusion'), ['index', 'path']);
  const index = uint(inc.index, sub(path, 'block.inclusion.index'));
  if (index >= header.txCount) fail(sub(path, 'block.inclusion.index'), `an index below header.txCount ${header.txCount}`, index);
  const out: ParsedProof = {
    txId: hex(o.txId, sub(path, 'txId'), 32),
    core: parseCore(o.core, sub(path, 'core')),
    ...(o.payload !== undefined ? { payload: base64(o.payload, sub(path, 'payload')) } : {}),
    evidence: parseEvidence(o.evidence, sub(path, 'evidence')),
    block: { header, signatures: parseSignatures(b.signatures, sub(path, 'block.signatures')) },
    blockHash: hex(b.hash, sub(path, 'block.hash'), 32),
    inclusion: { index, path: hashes(inc.path, sub(path, 'block.inclusion.path')) },
    params: parseParams(o.chain, sub(path, 'chain')),
  };
  if (o.countersignatures !== undefined) {
    out.countersignatures = list(o.countersignatures, sub(path, 'countersignatures'), 1, MAX_COUNTERSIGNATURES).map((x, i) => parseCountersignature(x, sub(sub(path, 'countersignatures'), i)));
  }
  return out;
}

function parseCountersignature(v: unknown, path: string): ParsedCountersignature {
  const o = obj(v, path, ['link', 'partner']);
  const l = obj(o.link, sub(path, 'link'), ['hash', 'header', 'signatures', 'history']);
  const h = obj(l.history, sub(path, 'link.history'), ['index', 'size', 'path']);
  return {
    link: { header: parseHeader(l.header, sub(path, 'link.header')), signatures: parseSignatures(l.signatures, sub(path, 'link.signatures')) },
    linkHash: hex(l.hash, sub(path, 'link.hash'), 32),
    history: { index: uint(h.index, sub(path, 'link.history.index')), size: uint(h.size, sub(path, 'link.history.size')), path: hashes(h.path, sub(path, 'link.history.path')) },
    partner: parseProof(o.partner, sub(path, 'partner'), true),
    path,
  };
}
