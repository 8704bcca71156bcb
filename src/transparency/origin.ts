/**
 * @module transparency/origin
 * What an urchain chain's C2SP checkpoint says and may say: its origin line and which blocks it
 * may cover. Pure: the node-side reading of a data folder is node/tlog.
 *
 * The log: header.historyRoot makes the chain's block hashes an RFC 9162 log. Leaf i is
 * leafHash(hash of the canonical block at height i), genesis at index 0; so a checkpoint covering
 * the blocks up to height f has tree size f + 1 and the root of those f + 1 leaves (which is the
 * historyRoot of the block at height f + 1, and is kept as the frontier of block f in the store).
 *
 * Origin rule: "urchain.example/" || chain name, each byte outside [A-Za-z0-9._~-] written as
 * %XX (uppercase hex, the chain name's UTF-8) || "/" || the first 16 hex digits of the chain id.
 * The chain id (SHA-256 of the genesis params) tells chains apart; 64 bits of it keep two chains
 * of one name apart while the line stays short, and the name is there for people. ".example" is
 * reserved (RFC 2606), so the origin never names a real host (C2SP wants a schema-less URL-like
 * string, never fetched), and it does not start "urchain/", which keeps every note urchain signs
 * apart from its domain-tagged messages (crypto/signed).
 *
 * Finality: a log must never sign two checkpoints that are inconsistent, so a checkpoint covers
 * only blocks that can no longer be reorganised. Fork choice is most work, then lowest hash
 * (ledger/blocktree), under both consensus rules: every block can lose to a heavier branch. A
 * proof-of-authority chain with ONE authority is the exception: only that key may produce a block,
 * and its producer extends its own durable head only, so there is never a second branch and the
 * head is final (depth 0). With several authorities forks happen (any authority may produce when
 * k = 1, and the countersigning lock of net/authority expires after 10 s), so those chains take a
 * depth like proof-of-work: the head minus DEFAULT_DEPTH blocks unless the caller says otherwise.
 * The genesis block is always final: the chain id fixes it.
 */
import { toHex } from '../codec/bytes.js';
import { chainIdOf, type ChainParams } from '../chain/params.js';
import { UrchainError } from '../errors.js';
import { formatVerifierKey, noteKey } from './note.js';
import { cosignerKey, formatCosignerKey } from './cosignature.js';

/** Blocks a checkpoint stays behind the head where blocks can be reorganised. */
export const DEFAULT_DEPTH = 6;

/** The checkpoint origin (and note key name) of a chain. */
export function checkpointOrigin(p: ChainParams): string {
  return originOf(p.name, toHex(chainIdOf(p)));
}

/** The origin of the chain named `name` with chain id `chainIdHex` (what checkpointOrigin computes). */
export function originOf(name: string, chainIdHex: string): string {
  const pct = Array.from(new TextEncoder().encode(name), (b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  return `urchain.example/${pct}/${chainIdHex.slice(0, 16)}`;
}

/** Whether `origin` is shaped as originOf names the chain with id `chainIdHex`, whatever its name. */
export function isOriginOfChain(origin: string, chainIdHex: string): boolean {
  return origin.startsWith('urchain.example/') && origin.endsWith(`/${chainIdHex.slice(0, 16)}`);
}

/**
 * The keys a verifier needs for a chain's C2SP side (urchain-formats(5), TRUST LIST): the
 * signed-note verifier keys of its checkpoints (checkpointKeys) and, for when it cosigns its
 * partners' checkpoints, its cosigner keys (witnesses). Both are the chain keys: the authorities
 * under proof-of-authority, else `own` (the node's key); both are named by the chain's origin.
 */
export function chainNoteKeys(p: ChainParams, own?: Uint8Array): { checkpointKeys: string[]; witnesses: string[] } {
  return noteKeysOf(checkpointOrigin(p), p.consensus === 'poa' && p.authorities.length ? p.authorities : own ? [own] : []);
}

/** chainNoteKeys for a chain known by its origin and chain keys (e.g. read from a node's API). */
export function noteKeysOf(origin: string, keys: readonly Uint8Array[]): { checkpointKeys: string[]; witnesses: string[] } {
  return {
    checkpointKeys: keys.map((k) => formatVerifierKey(noteKey(origin, k))),
    witnesses: keys.map((k) => formatCosignerKey(cosignerKey(origin, k))),
  };
}

/** The blocks a checkpoint stays behind the head: `depth` when given, else by the rule above. */
export function finalityDepth(p: ChainParams, depth?: number): number {
  if (depth !== undefined) {
    if (!Number.isSafeInteger(depth) || depth < 0) throw UrchainError.BAD_INPUT(`depth ${depth}: expected a whole number`);
    return depth;
  }
  return p.consensus === 'poa' && p.authorities.length === 1 ? 0 : DEFAULT_DEPTH;
}

/** The highest height a checkpoint may cover with the head at `headHeight` (genesis at least). */
export const finalHeight = (headHeight: number, depth: number): number => Math.max(0, headHeight - depth);
