/**
 * @module store/postgresRows
 * Rows of the PostgreSQL schema (store/postgresSchema.ts) to the store's values and back, on the
 * main thread: the worker moves bytes, this file knows what they mean. Decoding checks every
 * field as the LMDB codecs do, so a row changed by hand fails to decode or fails the audit.
 */
import { encode, decode } from '../codec/cbor.js';
import { split32, concat } from '../codec/bytes.js';
import { decodeHeader, encodeHeader, sigsToCbor, sigsFromCbor } from '../chain/header.js';
import { UrchainError } from '../errors.js';
import type { StoredBlock, StoredTx, StoredBatch, TxLocation } from './types.js';

/** A block's columns, made on the main thread (the worker imports no chain code). */
export interface EncodedBlock {
  height: number;
  header: Uint8Array;
  signatures: Uint8Array;
  work: string;
  frontier: Uint8Array;
}

export function encodeBlock(b: StoredBlock): EncodedBlock {
  return {
    height: b.signed.header.height,
    header: encodeHeader(b.signed.header),
    signatures: encode(sigsToCbor(b.signed.signatures)),
    work: b.work.toString(),
    frontier: concat(...b.frontier),
  };
}

const need = (v: unknown, what: string, len?: number): Uint8Array => {
  if (!(v instanceof Uint8Array) || (len !== undefined && v.length !== len)) throw UrchainError.BAD_ENCODING(`stored ${what}: expected ${len ?? 'some'} bytes`);
  return v;
};
const whole = (v: unknown, what: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw UrchainError.BAD_ENCODING(`stored ${what}: expected an unsigned integer`);
  return n;
};

export function decodeBlock(r: { header: Uint8Array; signatures: Uint8Array; work: string; frontier: Uint8Array }): StoredBlock {
  if (!/^\d+$/.test(r.work)) throw UrchainError.BAD_ENCODING('stored block: work is not an unsigned integer');
  const frontier = need(r.frontier, 'frontier');
  if (frontier.length % 32) throw UrchainError.BAD_ENCODING('stored block: frontier is not a list of 32-byte hashes');
  return {
    signed: { header: decodeHeader(need(r.header, 'header')), signatures: sigsFromCbor(decode(need(r.signatures, 'signatures'))) },
    work: BigInt(r.work),
    frontier: split32(frontier),
  };
}

export const decodeTx = (r: { core: Uint8Array; batch_root: Uint8Array; idx: number }): StoredTx => ({
  coreBytes: need(r.core, 'core'),
  batchRoot: need(r.batch_root, 'batch root', 32),
  index: whole(r.idx, 'index'),
});

export const decodeBatch = (r: { origin: Uint8Array; signature: Uint8Array; tx_ids: Uint8Array }): StoredBatch => ({
  origin: need(r.origin, 'origin', 32),
  signature: need(r.signature, 'signature', 64),
  txIds: split32(need(r.tx_ids, 'batch txIds')),
});

export const decodeLocation = (r: { block_hash: Uint8Array; height: number; idx: number }): TxLocation => ({
  blockHash: need(r.block_hash, 'location hash', 32),
  height: whole(r.height, 'height'),
  index: whole(r.idx, 'index'),
});
