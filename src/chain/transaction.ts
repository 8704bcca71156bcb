/**
 * @module chain/transaction
 * A transaction is a record signed by the node that took it in. Its `core` is what is hashed:
 *
 *   core = [version, chainId, origin, timestamp, seq, kind, meta, payloadDigest, payloadLength]
 *   txId = SHA-256(canonical CBOR of core)
 *
 * `meta` is an array of [key, value] text pairs sorted by key (byte order), keys unique; the
 * product code, content type and source are the keys `product`, `type` and `source`; further
 * identifiers are `id.0000`, `id.0001`, … (epcis/meta.ts).
 * The signature does not sit in the core: it is batch evidence (chain/batch.ts) over the txId,
 * and the payload is committed only by its digest, so a stripped transaction (no payload) still
 * verifies. Byte layout and vectors: urchain-formats(5).
 */
import { decode, asArray, asUint, asBytes, asText, CborWriter } from '../codec/cbor.js';
import { toHex, fromHex, utf8, equal as equalBytes } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { badInput } from '../errors.js';

export const TX_VERSION = 1;
// 1024, not the 64 of the first release: an EPCIS event names every EPC, class, parent, child
// and location it concerns, one `id.NNNN` entry each (epcis/meta.ts, at most 1000). A larger
// limit keeps every old core valid; only records with more than 64 entries need nodes of this
// version.
export const MAX_META_ENTRIES = 1024;
export const MAX_META_TEXT = 1024;
export const KIND_RE = /^[a-z][a-z0-9._-]{0,31}$/;
const META_KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export type Meta = [string, string][];

export interface TxCore {
  version: number;
  chainId: Uint8Array;
  origin: Uint8Array;
  timestamp: number;
  seq: number;
  kind: string;
  meta: Meta;
  payloadDigest: Uint8Array;
  payloadLength: number;
}

/** Sorts and checks metadata; accepts an object or pairs. */
export function normalizeMeta(input: Record<string, string> | Meta): Meta {
  const pairs: Meta = Array.isArray(input) ? input.map(([k, v]) => [k, v]) : Object.entries(input);
  if (pairs.length > MAX_META_ENTRIES) throw badInput(`metadata: at most ${MAX_META_ENTRIES} entries, got ${pairs.length}`);
  for (const [k, v] of pairs) {
    if (typeof k !== 'string' || !META_KEY_RE.test(k)) throw badInput(`metadata key ${JSON.stringify(k)}: expected 1-64 of A-Z a-z 0-9 . _ : - (not starting with punctuation)`);
    if (typeof v !== 'string') throw badInput(`metadata ${k}: expected text`);
    // Bytes, not characters: a value (a product code) becomes an index key, whose limit is in bytes.
    const n = utf8(v).length;
    if (n > MAX_META_TEXT) throw badInput(`metadata ${k}: ${n} bytes of UTF-8, at most ${MAX_META_TEXT}`);
  }
  // Keys are ASCII (META_KEY_RE, checked above), so string order is UTF-8 byte order; comparing
  // strings spares two encodings per comparison, which count once a core holds a thousand entries.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 1; i < pairs.length; i++) if (pairs[i][0] === pairs[i - 1][0]) throw badInput(`metadata: key ${pairs[i][0]} given twice`);
  return pairs;
}

export function metaGet(meta: Meta, key: string): string | undefined {
  for (const [k, v] of meta) if (k === key) return v;
  return undefined;
}

/**
 * Writes the canonical CBOR of a core into `w`: the array of nine, field by field, without an
 * intermediate array of values. A batch of cores goes into one writer and out with one copy.
 */
export function writeCore(w: CborWriter, c: TxCore): void {
  w.head(4, 9);
  w.head(0, c.version);
  w.byteString(c.chainId);
  w.byteString(c.origin);
  w.head(0, c.timestamp);
  w.head(0, c.seq);
  w.text(c.kind);
  w.head(4, c.meta.length);
  for (const [k, v] of c.meta) {
    w.head(4, 2);
    w.text(k);
    w.text(v);
  }
  w.byteString(c.payloadDigest);
  w.head(0, c.payloadLength);
}

const coreWriter = new CborWriter(512);

export function encodeCore(c: TxCore): Uint8Array {
  coreWriter.len = 0; // a call that threw may have left bytes behind
  writeCore(coreWriter, c);
  return coreWriter.take();
}

export function decodeCore(bytes: Uint8Array): TxCore {
  const a = asArray(decode(bytes), 9, 'transaction core');
  const version = asUint(a[0], 'version');
  if (version !== TX_VERSION) throw badInput(`transaction core: unknown version ${version}`);
  const metaRaw = a[6];
  if (!Array.isArray(metaRaw)) throw badInput('transaction core: meta must be an array');
  const meta: Meta = metaRaw.map((p) => {
    const pair = asArray(p, 2, 'meta entry');
    return [asText(pair[0], 'meta key'), asText(pair[1], 'meta value')];
  });
  const core: TxCore = {
    version,
    chainId: asBytes(a[1], 'chainId', 32),
    origin: asBytes(a[2], 'origin', 32),
    timestamp: asUint(a[3], 'timestamp'),
    seq: asUint(a[4], 'seq'),
    kind: asText(a[5], 'kind'),
    meta,
    payloadDigest: asBytes(a[7], 'payloadDigest', 32),
    payloadLength: asUint(a[8], 'payloadLength'),
  };
  // Canonical form also means sorted, unique metadata: re-encoding must give the same bytes.
  const sorted = normalizeMeta(meta);
  if (sorted.some(([k], i) => k !== meta[i][0])) throw badInput('transaction core: meta not sorted');
  return core;
}

export function txIdOf(coreBytes: Uint8Array): Uint8Array {
  return sha256(coreBytes);
}

export interface TxCoreJson {
  version: number;
  chainId: string;
  origin: string;
  timestamp: number;
  seq: number;
  kind: string;
  meta: Record<string, string>;
  payloadDigest: string;
  payloadLength: number;
}

export function coreToJson(c: TxCore): TxCoreJson {
  return {
    version: c.version,
    chainId: toHex(c.chainId),
    origin: toHex(c.origin),
    timestamp: c.timestamp,
    seq: c.seq,
    kind: c.kind,
    meta: Object.fromEntries(c.meta),
    payloadDigest: toHex(c.payloadDigest),
    payloadLength: c.payloadLength,
  };
}

export function coreFromJson(j: TxCoreJson): TxCore {
  if (!j || typeof j !== 'object') throw badInput('core: expected an object');
  const num = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badInput(`core.${what}: expected a non-negative integer`);
    return v;
  };
  if (typeof j.kind !== 'string') throw badInput('core.kind: expected text');
  return {
    version: num(j.version, 'version'),
    chainId: fromHex(j.chainId, 32, 'core.chainId'),
    origin: fromHex(j.origin, 32, 'core.origin'),
    timestamp: num(j.timestamp, 'timestamp'),
    seq: num(j.seq, 'seq'),
    kind: j.kind,
    meta: normalizeMeta(j.meta ?? {}),
    payloadDigest: fromHex(j.payloadDigest, 32, 'core.payloadDigest'),
    payloadLength: num(j.payloadLength, 'payloadLength'),
  };
}

/** True iff `payload` is the record a core commits to: its length and its SHA-256. */
export function payloadMatches(core: Pick<TxCore, 'payloadLength' | 'payloadDigest'>, payload: Uint8Array): boolean {
  return payload.length === core.payloadLength && equalBytes(sha256(payload), core.payloadDigest);
}
