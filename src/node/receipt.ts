/**
 * @module node/receipt
 * A durable record as the intake hands it back: the raw fields of its receipt, hex made only
 * when an answer is written (the batch root's once per batch, the chain id's and the node key's
 * once per node). `receipt()` gives the Receipt object of contracts/records; `json()` the same
 * receipt as JSON text, and `receiptsJson` the HTTP batch answer as bytes, written straight into
 * one buffer: byte for byte what JSON.stringify gives, without a string or object per record.
 */
import { toHex } from '../codec/bytes.js';
import type { Receipt } from '../contracts/records.js';

const te = new TextEncoder();

/** Who took a record in: its chain id and origin key as hex, shared by all of a node's records. */
export class Source {
  /** `","chainId":"…","origin":"…","timestamp":` as bytes, made on first use. */
  private middle?: Uint8Array;
  constructor(
    readonly chainIdHex: string,
    readonly originHex: string,
  ) {}
  get middleBytes(): Uint8Array {
    return (this.middle ??= te.encode(`","chainId":"${this.chainIdHex}","origin":"${this.originHex}","timestamp":`));
  }
}

/** What every record of one batch shares; its hex is made at most once. */
export class BatchRef {
  private hex?: string;
  constructor(readonly root: Uint8Array) {}
  get rootHex(): string {
    return (this.hex ??= toHex(this.root));
  }
}

export class Durable {
  constructor(
    readonly txId: Uint8Array,
    readonly source: Source,
    readonly timestamp: number,
    readonly seq: number,
    readonly kind: string,
    readonly payloadDigest: Uint8Array,
    readonly payloadLength: number,
    readonly batch: BatchRef,
    readonly duplicate = false,
  ) {}

  /** The same record answered again (a retry, or the same EPCIS event). */
  again(): Durable {
    const d = this;
    return new Durable(d.txId, d.source, d.timestamp, d.seq, d.kind, d.payloadDigest, d.payloadLength, d.batch, true);
  }

  receipt(): Receipt {
    const r: Receipt = {
      txId: toHex(this.txId),
      chainId: this.source.chainIdHex,
      origin: this.source.originHex,
      timestamp: this.timestamp,
      seq: this.seq,
      kind: this.kind,
      payloadDigest: toHex(this.payloadDigest),
      payloadLength: this.payloadLength,
      batchRoot: this.batch.rootHex,
      durable: true,
    };
    if (this.duplicate) r.duplicate = true;
    return r;
  }

  /**
   * JSON.stringify(this.receipt()), the answer to one record per request: one string made at once
   * (a quarter of the time of writing bytes and decoding them), in the field order of receipt().
   */
  json(): string {
    const s = this.source;
    return `{"txId":"${toHex(this.txId)}","chainId":"${s.chainIdHex}","origin":"${s.originHex}","timestamp":${this.timestamp},"seq":${this.seq},"kind":${kindJson(this.kind)},"payloadDigest":"${toHex(this.payloadDigest)}","payloadLength":${this.payloadLength},"batchRoot":"${this.batch.rootHex}","durable":true${this.duplicate ? ',"duplicate":true' : ''}}`;
  }
}

const HEX = te.encode('0123456789abcdef');
const c = (s: string) => te.encode(s);
const TX_ID = c('{"txId":"');
const SEQ = c(',"seq":');
const KIND = c(',"kind":');
const DIGEST = c(',"payloadDigest":"');
const LENGTH = c('","payloadLength":');
const ROOT = c(',"batchRoot":"');
const DURABLE = c('","durable":true}');
const DUPLICATE = c('","durable":true,"duplicate":true}');
/** Bytes of a receipt besides its kind: the fixed parts, three hashes of 64 hex digits, three numbers. */
const FIXED = TX_ID.length + SEQ.length + KIND.length + DIGEST.length + LENGTH.length + ROOT.length + DUPLICATE.length + 3 * 64 + 3 * 16;

/**
 * `open` + each item's JSON, separated by commas + `close`, as UTF-8 in one buffer: a Durable
 * as its receipt, a string as the JSON text it already is (an error in its record's place).
 */
export function receiptsJson(items: readonly (Durable | string)[], open: string, close: string): Uint8Array {
  let n = 3 * (open.length + close.length) + items.length;
  // Upper bounds: 3 UTF-8 bytes per UTF-16 unit; JSON escapes a unit in at most 6 ASCII bytes.
  for (const it of items) n += typeof it === 'string' ? 3 * it.length : FIXED + it.source.middleBytes.length + 6 * it.kind.length + 2;
  const out = new Uint8Array(n);
  let at = te.encodeInto(open, out).written;
  for (let i = 0; i < items.length; i++) {
    if (i) out[at++] = 0x2c; // ','
    const it = items[i];
    at = typeof it === 'string' ? at + te.encodeInto(it, out.subarray(at)).written : write(out, at, it);
  }
  at += te.encodeInto(close, out.subarray(at)).written;
  return out.subarray(0, at);
}

/** The JSON of the last kind written: a batch's records mostly share one. */
let lastKind = '';
let lastKindJson = te.encode('""');
/** The same for json(), as text. */
let lastTextKind = '';
let lastKindText = '""';

/** A kind as JSON text, made again only when it differs from the last one asked for. */
function kindJson(kind: string): string {
  if (kind !== lastTextKind) {
    lastKindText = JSON.stringify(kind);
    lastTextKind = kind;
  }
  return lastKindText;
}

/** One receipt's JSON at `at`, in the field order of Durable.receipt(); returns the end. */
function write(out: Uint8Array, at: number, d: Durable): number {
  at = put(out, at, TX_ID);
  at = hex(out, at, d.txId);
  at = put(out, at, d.source.middleBytes);
  at = digits(out, at, d.timestamp);
  at = put(out, at, SEQ);
  at = digits(out, at, d.seq);
  at = put(out, at, KIND);
  if (d.kind !== lastKind) {
    lastKindJson = te.encode(JSON.stringify(d.kind));
    lastKind = d.kind;
  }
  at = put(out, at, lastKindJson);
  at = put(out, at, DIGEST);
  at = hex(out, at, d.payloadDigest);
  at = put(out, at, LENGTH);
  at = digits(out, at, d.payloadLength);
  at = put(out, at, ROOT);
  at = hex(out, at, d.batch.root);
  return put(out, at, d.duplicate ? DUPLICATE : DURABLE);
}

/** Copies a short byte string in: a loop is cheaper than TypedArray.set at these sizes. */
function put(out: Uint8Array, at: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) out[at + i] = b[i];
  return at + b.length;
}

function hex(out: Uint8Array, at: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) {
    out[at++] = HEX[b[i] >> 4];
    out[at++] = HEX[b[i] & 15];
  }
  return at;
}

/** A non-negative safe integer in decimal, as JSON writes it. */
function digits(out: Uint8Array, at: number, n: number): number {
  if (n < 10) {
    out[at] = 0x30 + n;
    return at + 1;
  }
  let len = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
  for (let i = len - 1, x = n; i >= 0; i--, x = Math.floor(x / 10)) out[at + i] = 0x30 + (x % 10);
  return at + len;
}
