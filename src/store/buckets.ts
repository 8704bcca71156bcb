/**
 * @module store/buckets
 * Every bucket a store keeps, in one table: its name (the LMDB database name, so part of the disk
 * format: never rename one), what maps to what, and how keys and values are encoded. A backend
 * reads this table instead of spelling buckets out itself, and a new bucket is one new row.
 *
 * Values that are more than plain bytes are canonical CBOR arrays; their codecs are below, one
 * per value shape, so no two places write the same value two ways. The key encodings are lmdb-js
 * names: `binary` (raw bytes, e.g. a 32-byte hash), `ordered-binary` (text keys sort as text),
 * `uint32` (a height).
 *
 * Each bucket does one job. Until the `entangle` bucket existed, the keys the node derives for
 * entanglement records lived in `idem` beside client keys; a store opened for writing moves them
 * over (store/lmdb.ts), one opened read-only reads them where they are.
 */
import { encode, decode, asArray, asUint, asBig, asBytes } from '../codec/cbor.js';
import { concat, concatAll, split32 } from '../codec/bytes.js';
import { decodeHeader, encodeHeader, sigsToCbor, sigsFromCbor } from '../chain/header.js';
import { encodeParams, decodeParams, type ChainParams } from '../chain/params.js';
import type { StoredBlock, StoredTx, StoredBatch, TxLocation, Head } from './types.js';

export interface BucketSpec {
  /** Database name on disk. */
  readonly name: string;
  readonly key: 'binary' | 'ordered-binary' | 'uint32';
  /** `ordered-binary` only for a value that is a number (pending). */
  readonly value: 'binary' | 'ordered-binary';
  /** Many values per key, kept sorted (an index). */
  readonly dupSort: boolean;
  /** `key -> value`, for the reader. */
  readonly layout: string;
}

const bucket = (name: string, key: BucketSpec['key'], layout: string, o: { value?: BucketSpec['value']; dupSort?: boolean } = {}): BucketSpec => ({
  name,
  key,
  value: o.value ?? 'binary',
  dupSort: o.dupSort ?? false,
  layout,
});

/** The buckets (store/types.ts describes what each holds for the node). */
export const BUCKETS = {
  /** params -> chain params (chain/params.ts); head -> [hash, height]; seq -> uint; format -> uint (store/format.ts) */
  meta: bucket('meta', 'ordered-binary', 'name (text) -> CBOR value: params, head, seq, format'),
  /** blockHash -> [header bytes, [[key, sig], ...], work, [frontier hash, ...]] */
  blocks: bucket('blocks', 'binary', 'blockHash -> StoredBlock'),
  /** blockHash -> txId || txId || ... (32 bytes each, in block order) */
  bodies: bucket('bodies', 'binary', 'blockHash -> txIds'),
  /** height -> blockHash, on the canonical chain only */
  heights: bucket('heights', 'uint32', 'height -> blockHash'),
  /** txId -> [core bytes, batchRoot, index in batch] */
  txs: bucket('txs', 'binary', 'txId -> StoredTx'),
  /** batchRoot -> [origin, signature, txId || txId || ...] */
  batches: bucket('batches', 'binary', 'batchRoot -> StoredBatch'),
  /** txId -> payload bytes, where the storage filter keeps them */
  payloads: bucket('payloads', 'binary', 'txId -> payload'),
  /** txId -> [blockHash, height, index], where the canonical chain includes it */
  locations: bucket('locations', 'binary', 'txId -> TxLocation'),
  /** txId -> arrival number: the durable pool of taken-in transactions no block holds yet */
  pending: bucket('pending', 'binary', 'txId -> arrival', { value: 'ordered-binary' }),
  /** identifier key (text: a product code, a canonical GS1 Digital Link URI, …) -> txId, many per key */
  products: bucket('products', 'ordered-binary', 'product code or identifier key -> txId (many)', { dupSort: true }),
  /** `client:<key>` -> txId: idempotency keys clients send (stores from before the prefix: bare) */
  idem: bucket('idem', 'ordered-binary', 'client key -> txId'),
  /** `entangle:<signer>:<height>` | `countersign:<height>:<chain>` -> txId: the entanglement index */
  entangle: bucket('entangle', 'ordered-binary', 'entanglement key -> txId'),
  /** blockHash -> the levels of the tree over the block's 256-txId chunk roots, bottom-up (merkle/chunks.ts), for blocks of more than 256 txIds */
  levels: bucket('levels', 'binary', 'blockHash -> levels over chunk roots'),
} as const satisfies Record<string, BucketSpec>;

export type BucketName = keyof typeof BUCKETS;

/**
 * An lmdb-js value encoder that writes raw bytes as they are: lmdb-js seeks one value of a
 * dupSort bucket (`doesExist(key, value)`) only through an encoder's writeKey, and the bucket's
 * `binary` values have none. Used to check one (identifier, txId) row of `products`.
 */
export const RAW_DUP_VALUES = {
  writeKey: (v: Uint8Array, target: Uint8Array, pos: number) => (target.set(v, pos), pos + v.length),
  readKey: (target: Uint8Array, start: number, end: number) => target.slice(start, end),
};

/** One value shape: bytes as stored, and back. Decoding checks every field. */
export interface Codec<V> {
  encode(v: V): Uint8Array;
  decode(b: Uint8Array): V;
}

export const blockCodec: Codec<StoredBlock> = {
  encode: (b) => encode([encodeHeader(b.signed.header), sigsToCbor(b.signed.signatures), b.work, b.frontier]),
  decode(bytes) {
    const a = asArray(decode(bytes), 4, 'stored block');
    return {
      signed: { header: decodeHeader(asBytes(a[0], 'header')), signatures: sigsFromCbor(a[1]) },
      work: asBig(a[2], 'work'),
      frontier: (a[3] as unknown[]).map((f) => asBytes(f as never, 'frontier', 32)),
    };
  },
};

/** Concatenated 32-byte ids (a block body). */
export const idsCodec: Codec<Uint8Array[]> = { encode: concatAll, decode: split32 };

export const txCodec: Codec<StoredTx> = {
  encode: (t) => encode([t.coreBytes, t.batchRoot, t.index]),
  decode(bytes) {
    const a = asArray(decode(bytes), 3, 'stored tx');
    return { coreBytes: asBytes(a[0], 'core'), batchRoot: asBytes(a[1], 'batchRoot', 32), index: asUint(a[2], 'index') };
  },
};

export const batchCodec: Codec<StoredBatch> = {
  encode: (b) => encode([b.origin, b.signature, concat(...b.txIds)]),
  decode(bytes) {
    const a = asArray(decode(bytes), 3, 'stored batch');
    return { origin: asBytes(a[0], 'origin', 32), signature: asBytes(a[1], 'signature', 64), txIds: split32(asBytes(a[2], 'txIds')) };
  },
};

export const locationCodec: Codec<TxLocation> = {
  encode: (l) => encode([l.blockHash, l.height, l.index]),
  decode(bytes) {
    const a = asArray(decode(bytes), 3, 'location');
    return { blockHash: asBytes(a[0], 'hash', 32), height: asUint(a[1], 'height'), index: asUint(a[2], 'index') };
  },
};

/** meta `head`. */
export const headCodec: Codec<Head> = {
  encode: (h) => encode([h.hash, h.height]),
  decode(bytes) {
    const a = asArray(decode(bytes), 2, 'head');
    return { hash: asBytes(a[0], 'hash', 32), height: asUint(a[1], 'height') };
  },
};

/** meta `params`: the chain's parameters (chain/params.ts). */
export const paramsCodec: Codec<ChainParams> = { encode: encodeParams, decode: decodeParams };

/** meta `seq`: this node's own batch counter. */
export const seqCodec: Codec<number> = { encode: (n) => encode(n), decode: (b) => asUint(decode(b), 'seq') };

/*
 * Keys of the entanglement index. The node derives them from the verified payload of an
 * `entangle` record (the partner's network key and checkpointed height) or a `countersign` record
 * (our checkpointed height and the partner's chain), never from a client (node/idem.ts). Heights
 * are zero-padded so keys sort by height: the newest checkpoints of a partner are the end of its
 * range, and the countersignatures at or above a height are a range from that height.
 */
const pad = (height: number) => String(height).padStart(15, '0');
export const ENTANGLE_PREFIX = 'entangle:';
export const COUNTERSIGN_PREFIX = 'countersign:';
/** The key prefixes of the entanglement index. */
export const ENTANGLE_INDEX_PREFIXES = [ENTANGLE_PREFIX, COUNTERSIGN_PREFIX] as const;
/** The start of every key of one partner's checkpoints (its network key in hex). */
export const entanglePrefixOf = (signerHex: string) => `${ENTANGLE_PREFIX}${signerHex}:`;
export const entangleKey = (signerHex: string, height: number) => `${entanglePrefixOf(signerHex)}${pad(height)}`;
export const countersignKey = (height: number, partnerChainHex: string) => `${COUNTERSIGN_PREFIX}${pad(height)}:${partnerChainHex}`;
/** Is `key` one of the entanglement index (not a client's idempotency key)? */
export const isEntangleIndexKey = (key: string) => ENTANGLE_INDEX_PREFIXES.some((p) => key.startsWith(p));
