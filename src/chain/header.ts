/**
 * @module chain/header
 * Block header, block hash and block signatures.
 *
 *   header = [version, chainId, height, timestamp, prevHash, merkleRoot, txCount,
 *             difficulty, nonce, producer, historyRoot]
 *   blockHash = SHA-256(canonical CBOR of header)      (signatures are not part of it)
 *   signature = Ed25519(key, "urchain/block/v1" || blockHash)
 *
 * merkleRoot is the RFC 9162 root over leafHash(txId) of the block's transactions in order;
 * historyRoot is the RFC 9162 root over leafHash(blockHash) of every block at heights
 * 0..height-1 of this block's own branch (the empty-tree hash for genesis), so any later block
 * links to any earlier one in O(log n) hashes.
 */
import { encode, decode, asArray, asUint, asBig, asBytes, type CborValue } from '../codec/cbor.js';
import { toHex, fromHex } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { sign, verify, type KeyPair } from '../crypto/ed25519.js';
import { blockMessage } from '../crypto/signed.js';
import { badInput } from '../errors.js';

export const HEADER_VERSION = 1;

export interface Header {
  version: number;
  chainId: Uint8Array;
  height: number;
  timestamp: number;
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  txCount: number;
  difficulty: number;
  nonce: bigint;
  producer: Uint8Array;
  historyRoot: Uint8Array;
}

export interface BlockSignature {
  key: Uint8Array;
  sig: Uint8Array;
}

export interface SignedHeader {
  header: Header;
  signatures: BlockSignature[];
}

export function encodeHeader(h: Header): Uint8Array {
  return encode([h.version, h.chainId, h.height, h.timestamp, h.prevHash, h.merkleRoot, h.txCount, h.difficulty, h.nonce, h.producer, h.historyRoot]);
}

export function decodeHeader(bytes: Uint8Array): Header {
  const a = asArray(decode(bytes), 11, 'header');
  const version = asUint(a[0], 'version');
  if (version !== HEADER_VERSION) throw badInput(`header: unknown version ${version}`);
  return {
    version,
    chainId: asBytes(a[1], 'chainId', 32),
    height: asUint(a[2], 'height'),
    timestamp: asUint(a[3], 'timestamp'),
    prevHash: asBytes(a[4], 'prevHash', 32),
    merkleRoot: asBytes(a[5], 'merkleRoot', 32),
    txCount: asUint(a[6], 'txCount'),
    difficulty: asUint(a[7], 'difficulty'),
    nonce: asBig(a[8], 'nonce'),
    producer: asBytes(a[9], 'producer', 32),
    historyRoot: asBytes(a[10], 'historyRoot', 32),
  };
}

export const blockHashOf = (h: Header): Uint8Array => sha256(encodeHeader(h));

export function signHeader(hash: Uint8Array, key: KeyPair): BlockSignature {
  return { key: key.publicKey, sig: sign(blockMessage(hash), key.secretKey) };
}

/** The distinct keys whose signatures over `hash` verify (one count per key). */
export function validSigners(hash: Uint8Array, sigs: readonly BlockSignature[]): Set<string> {
  const ok = new Set<string>();
  const msg = blockMessage(hash);
  for (const s of sigs) {
    const k = toHex(s.key);
    if (!ok.has(k) && verify(msg, s.sig, s.key)) ok.add(k);
  }
  return ok;
}

export interface HeaderJson {
  version: number;
  chainId: string;
  height: number;
  timestamp: number;
  prevHash: string;
  merkleRoot: string;
  txCount: number;
  difficulty: number;
  nonce: string;
  producer: string;
  historyRoot: string;
}

export const headerToJson = (h: Header): HeaderJson => ({
  version: h.version,
  chainId: toHex(h.chainId),
  height: h.height,
  timestamp: h.timestamp,
  prevHash: toHex(h.prevHash),
  merkleRoot: toHex(h.merkleRoot),
  txCount: h.txCount,
  difficulty: h.difficulty,
  nonce: h.nonce.toString(),
  producer: toHex(h.producer),
  historyRoot: toHex(h.historyRoot),
});

export function headerFromJson(j: HeaderJson): Header {
  if (!j || typeof j !== 'object') throw badInput('header: expected an object');
  const num = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badInput(`header.${what}: expected a non-negative integer`);
    return v;
  };
  if (typeof j.nonce !== 'string' || !/^\d{1,20}$/.test(j.nonce)) throw badInput('header.nonce: expected a decimal string');
  return {
    version: num(j.version, 'version'),
    chainId: fromHex(j.chainId, 32, 'header.chainId'),
    height: num(j.height, 'height'),
    timestamp: num(j.timestamp, 'timestamp'),
    prevHash: fromHex(j.prevHash, 32, 'header.prevHash'),
    merkleRoot: fromHex(j.merkleRoot, 32, 'header.merkleRoot'),
    txCount: num(j.txCount, 'txCount'),
    difficulty: num(j.difficulty, 'difficulty'),
    nonce: BigInt(j.nonce),
    producer: fromHex(j.producer, 32, 'header.producer'),
    historyRoot: fromHex(j.historyRoot, 32, 'header.historyRoot'),
  };
}

/**
 * Block signatures in CBOR, `[[key, sig], ...]`: the one form a block's signatures take in the
 * store (store/buckets.ts, blocks) and on the wire (net/wire.ts, BLOCK).
 */
export const sigsToCbor = (s: readonly BlockSignature[]): CborValue => s.map((x) => [x.key, x.sig]);
export function sigsFromCbor(v: CborValue): BlockSignature[] {
  if (!Array.isArray(v)) throw badInput('signatures: expected an array');
  return v.map((s) => {
    const p = asArray(s, 2, 'signature');
    return { key: asBytes(p[0], 'key', 32), sig: asBytes(p[1], 'sig', 64) };
  });
}

export const sigsToJson = (s: readonly BlockSignature[]) => s.map((x) => ({ key: toHex(x.key), sig: toHex(x.sig) }));
export function sigsFromJson(j: { key: string; sig: string }[]): BlockSignature[] {
  if (!Array.isArray(j)) throw badInput('signatures: expected an array');
  return j.map((x, i) => ({ key: fromHex(x.key, 32, `signatures[${i}].key`), sig: fromHex(x.sig, 64, `signatures[${i}].sig`) }));
}
