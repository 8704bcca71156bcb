/**
 * @module store/buckets
 * Every bucket a store keeps, in one table: its name (the LMDB database name, so part of the disk
 * format: never rename one), what maps to what, and how keys and values are encoded. A backend
 * reads this table instead of spelling buckets out itself, and a new bucket is one new row.
 *
 * Store formats 2 and 3 (store/format.ts) keep each record once, under a record number given in
 * arrival order: `records` holds its core, batch position and payload in one value, written once
 * and appended at the end of the tree; `recordnumbers` (txId -> number) answers reads by txId.
 * Format 3 writes no random key per record at ingest: the new record's txId is appended to
 * `recentnumbers` (number -> txId) and merged into `recordnumbers` later, many at once in key
 * order (store/recentNumbers.ts). Format 4 keeps where the chain holds records as runs of
 * consecutive record numbers (`placedruns`, store/placedRuns.ts): a block writes a few keys, and the
 * pool is what no run covers, so no row per record is written for the pool or by a block; formats
 * 2 and 3 kept `pendingrecords` (number || txId) and `recordlocations` (number -> height, index),
 * FORMAT3_BUCKETS below. Format 5 flushes the recent txIds into immutable sorted runs (`txruns`,
 * `txfences`: store/txRuns.ts), written and merged in order, and keeps no `recentnumbers`: the
 * recent records are those numbered from the meta row `recentfrom` on (FORMAT4_BUCKETS below);
 * `recordnumbers` is read, never written. Format 1 kept txs, payloads, pending and locations by
 * txId (store/format2.ts moves such a store over).
 *
 * Values are canonical CBOR arrays where they are small and structured, and fixed binary layouts
 * where a record's bytes are (recordCodec, placeCodec); each value shape has one codec below,
 * so no two places write the same value two ways. The key encodings are lmdb-js names: `binary`
 * (raw bytes: a 32-byte hash, an 8-byte big-endian record number), `ordered-binary` (text keys
 * sort as text), `uint32` (a height).
 *
 * Each bucket does one job. Until the `entangle` bucket existed, the keys the node derives for
 * entanglement records lived in `idem` beside client keys; a store opened for writing moves them
 * over (store/lmdb.ts), one opened read-only reads them where they are.
 */
import { encode, decode, asArray, asUint, asBig, asBytes } from '../codec/cbor.js';
import { concatAll, split32, u32At, idIsAt } from '../codec/bytes.js';
import { decodeHeader, encodeHeader, sigsToCbor, sigsFromCbor } from '../chain/header.js';
import { encodeParams, decodeParams, type ChainParams } from '../chain/params.js';
import { UrchainError } from '../errors.js';
import type { StoredBlock, StoredTx, StoredBatch, Head } from './types.js';

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
  /** params -> chain params (chain/params.ts); head -> [hash, height]; seq -> uint; format -> uint (store/format.ts); merging -> empty (store/txIndex.ts) */
  meta: bucket('meta', 'ordered-binary', 'name (text) -> CBOR value: params, head, seq, format; txruns -> [[run id, entries], ...]: the live runs of txruns, oldest first; pendingfrom -> record number (8 bytes): no record numbered below it is pending; recentfrom -> record number (8 bytes): every record numbered below it is in a run'),
  /** blockHash -> [header bytes, [[key, sig], ...], work, [frontier hash, ...]] */
  blocks: bucket('blocks', 'binary', 'blockHash -> StoredBlock'),
  /** blockHash -> txId || txId || ... (32 bytes each, in block order) */
  bodies: bucket('bodies', 'binary', 'blockHash -> txIds'),
  /** height -> blockHash, on the canonical chain only */
  heights: bucket('heights', 'uint32', 'height -> blockHash'),
  /** record number -> record: flags, txId, batchRoot, index in batch, core, payload (recordCodec) */
  records: bucket('records', 'binary', 'record number -> record (txId, batch root, index, core, payload)'),
  /** txId -> record number, for records merged from `recentnumbers` by formats 3 and 4; format 5 reads it and never writes it (store/txIndex.ts) */
  txNumbers: bucket('recordnumbers', 'binary', 'txId -> record number (merged by format 4; read only)'),
  /** run id || block index -> up to 48 entries txId || record number, in txId order (format 5, store/txRuns.ts) */
  txRuns: bucket('txruns', 'binary', 'run id, block index -> txId, record number (48 entries at most, sorted)'),
  /** run id || row index -> the first 8 bytes of each block's first txId, 240 blocks a row (format 5) */
  txFences: bucket('txfences', 'binary', "run id, row index -> first 8 bytes of each block's first txId"),
  /** batchRoot -> [origin, signature, txId || txId || ...] */
  batches: bucket('batches', 'binary', 'batchRoot -> StoredBatch'),
  /** first record number of a run -> [height, index, count] (4 + 4 + 4 bytes): where the canonical chain holds the run (format 4, store/placedRuns.ts) */
  runs: bucket('placedruns', 'binary', "record number of a run's first record -> height, index, count"),
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

/** The bucket of store formats 3 and 4 that format 5 replaced with the meta row `recentfrom` (store/format5.ts). */
export const FORMAT4_BUCKETS = {
  /** record number -> txId: records taken in since the last merge into `recordnumbers` (appended) */
  recent: bucket('recentnumbers', 'binary', 'record number -> txId (not yet merged into recordnumbers)'),
} as const satisfies Record<string, BucketSpec>;

/** Buckets of store formats 2 and 3 that format 4 replaced with `placedruns` (store/format4.ts). */
export const FORMAT3_BUCKETS = {
  /** record number -> [height, index] (4 + 4 bytes), where the canonical chain includes it */
  locations: bucket('recordlocations', 'binary', 'record number -> height, index'),
  /** record number || txId -> (empty): the durable pool of taken-in records no block holds yet, in arrival order */
  pending: bucket('pendingrecords', 'binary', 'record number || txId -> (nothing)'),
} as const satisfies Record<string, BucketSpec>;

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

export const batchCodec: Codec<StoredBatch> = {
  encode: (b) => encode([b.origin, b.signature, concatAll(b.txIds)]),
  decode(bytes) {
    const a = asArray(decode(bytes), 3, 'stored batch');
    return { origin: asBytes(a[0], 'origin', 32), signature: asBytes(a[1], 'signature', 64), txIds: split32(asBytes(a[2], 'txIds')) };
  },
};

/**
 * A record number: 8 bytes big-endian, so LMDB's byte order is numeric order and new records
 * append at the end of `records` (pages fill up, nothing splits). Numbers are
 * JavaScript integers, exact to 2^53.
 */
export const RECORD_NUMBER_BYTES = 8;
export function recordKey(n: number): Buffer {
  return writeRecordNumber(n, Buffer.allocUnsafe(RECORD_NUMBER_BYTES));
}
/** Writes the record number `n` into the first 8 bytes of `out`; returns `out`. */
export function writeRecordNumber(n: number, out: Buffer, at = 0): Buffer {
  out.writeUInt32BE(Math.floor(n / 2 ** 32), at);
  out.writeUInt32BE(n >>> 0, at + 4);
  return out;
}
/** A format-3 `pendingrecords` key: the record number, then its txId (the pool reads as keys alone, in arrival order). */
export const pendingKey = (n: Uint8Array, txId: Uint8Array): Buffer => Buffer.concat([n, txId]);
export function recordNumberOf(k: Uint8Array): number {
  if (k.length !== RECORD_NUMBER_BYTES) throw UrchainError.STORE(`a record number of ${k.length} bytes (expected ${RECORD_NUMBER_BYTES})`);
  return recordNumberAt(k, 0);
}
/** The record number in the 8 bytes of `b` from `at` (no view made: a txId run's entries are read this way). */
export function recordNumberAt(b: Uint8Array, at: number): number {
  return u32At(b, at) * 2 ** 32 + u32At(b, at + 4);
}

/** One record as `records` holds it: its core and where its batch put it, and its payload when kept. */
export interface StoredRecord extends StoredTx {
  txId: Uint8Array;
  payload?: Uint8Array;
}

/*
 * A record's value, not CBOR, so a payload is written once, as it came: a flags byte (bit 0: the
 * payload is kept), txId (32), batchRoot (32), index in batch (uint32 BE), core length (uint32 BE),
 * the core bytes, then the payload bytes up to the end of the value.
 */
const HAS_PAYLOAD = 1;
const RECORD_HEAD = 1 + 32 + 32 + 4 + 4;
/** The bytes a record's value takes (recordCodec); refuses a record whose core or payload is not bytes. */
function recordValueLength(r: Pick<StoredRecord, 'coreBytes' | 'payload'>): number {
  if (!(r.coreBytes instanceof Uint8Array) || (r.payload !== undefined && !(r.payload instanceof Uint8Array))) throw UrchainError.STORE('a record whose core or payload is not bytes');
  return RECORD_HEAD + r.coreBytes.length + (r.payload?.length ?? 0);
}
/** Writes a record's value into the start of `out` (recordValueLength bytes, which checked it); returns them. */
function encodeRecordInto(r: StoredRecord, len: number, out: Buffer): Buffer {
  out[0] = r.payload ? HAS_PAYLOAD : 0;
  out.set(r.txId, 1);
  out.set(r.batchRoot, 33);
  out.writeUInt32BE(r.index, 65);
  out.writeUInt32BE(r.coreBytes.length, 69);
  out.set(r.coreBytes, RECORD_HEAD);
  if (r.payload) out.set(r.payload, RECORD_HEAD + r.coreBytes.length);
  return out.length === len ? out : out.subarray(0, len);
}
export const recordCodec: Codec<StoredRecord> = {
  encode(r) {
    const len = recordValueLength(r);
    return encodeRecordInto(r, len, Buffer.allocUnsafe(len));
  },
  decode(b) {
    const coreEnd = recordCoreEnd(b);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return {
      txId: b.subarray(1, 33),
      batchRoot: b.subarray(33, 65),
      index: v.getUint32(65),
      coreBytes: b.subarray(RECORD_HEAD, coreEnd),
      payload: recordPayload(b),
    };
  },
};
/**
 * recordCodec's encoding into one buffer reused from record to record, for a writer that hands
 * each value to LMDB (which copies it) before it encodes the next: an ingest allocates nothing per
 * record, and the memory it writes stays in the cache. A value larger than 1 MiB gets a buffer of
 * its own, so one large record does not keep its size alive.
 */
export class RecordValues {
  private buf = Buffer.allocUnsafe(4096);
  encode(r: StoredRecord): Buffer {
    const len = recordValueLength(r);
    if (len > this.buf.length && len <= 1 << 20) this.buf = Buffer.allocUnsafe(Math.max(len, this.buf.length * 2));
    return encodeRecordInto(r, len, len <= this.buf.length ? this.buf : Buffer.allocUnsafe(len));
  }
}
/** Where a record value's core ends (checks the value's length and flags). */
function recordCoreEnd(b: Uint8Array): number {
  if (b.length < RECORD_HEAD || b[0] > HAS_PAYLOAD) throw UrchainError.STORE(`a stored record of ${b.length} bytes, flags ${b[0]}: not a record`);
  const end = RECORD_HEAD + new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(69);
  if (end > b.length || (!(b[0] & HAS_PAYLOAD) && end !== b.length)) throw UrchainError.STORE(`a stored record of ${b.length} bytes names a core past its end`);
  return end;
}
/** The txId in a record value (a view), without decoding the rest. */
export const recordTxId = (b: Uint8Array): Uint8Array => b.subarray(1, 33);
/** Is `txId` (32 bytes) the txId in the record value `b`? Compared in place, without a view. */
export function sameTxId(b: Uint8Array, txId: Uint8Array): boolean {
  return b.length >= 33 && txId.length === 32 && idIsAt(b, 1, txId);
}
/** The payload in a record value, without decoding the rest. */
export const recordPayload = (b: Uint8Array): Uint8Array | undefined => (b[0] & HAS_PAYLOAD ? b.subarray(recordCoreEnd(b)) : undefined);

/**
 * A value of fixed uint32 BE fields, in the order `fields` names them (`what` names the value in
 * errors): a format-3 location, a format-4 run (store/placedRuns.ts).
 */
export function uint32Fields<K extends string>(what: string, fields: readonly K[]): Codec<Record<K, number>> {
  const bytes = fields.length * 4;
  return {
    encode(v) {
      const out = Buffer.allocUnsafe(bytes);
      fields.forEach((f, i) => out.writeUInt32BE(v[f], i * 4));
      return out;
    },
    decode(b) {
      if (b.length !== bytes) throw UrchainError.STORE(`a stored ${what} of ${b.length} bytes (expected ${bytes})`);
      const d = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const out = {} as Record<K, number>;
      fields.forEach((f, i) => (out[f] = d.getUint32(i * 4)));
      return out;
    },
  };
}

/** A canonical location as format 3's `recordlocations` holds it: height and index, 4 bytes each (the block is heights' row). */
export const placeCodec = uint32Fields('location', ['height', 'index']);

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
