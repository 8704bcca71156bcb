/**
 * @module ingest/batch
 * Many records in one go (`ingest send --batch`, `ingest watch`): the input read as JSON lines or
 * as a CBOR array, and the records sent through a sink in batches (the HTTP batch API, or
 * multi-record Profichain SUBMIT frames), a few batches in flight, each record answered in its
 * place. A batch the node refuses whole because it is too large is split in halves and sent
 * again; a node that cannot be reached fails the batch and every one after it, unsent.
 *
 * JSON lines: one object per line, {payload (base64) | text, kind?, meta?, key?, product?};
 * empty lines are skipped. The whole input is checked before anything is sent, so a typo on line
 * 9,000 does not leave 8,999 records sent and the rest not.
 */
import { UrchainError, asUrchainError, badInput, isUrchainError } from '../errors.js';
import { MAX_BATCH_RECORDS, type RecordInput, type Receipt } from '../contracts/records.js';

/** What a sink answers per record: the receipt, or why the record was not taken in. */
export type Outcome<R = Pick<Receipt, 'txId' | 'duplicate'>> = { receipt: R; error?: undefined } | { receipt?: undefined; error: UrchainError };

export interface BatchOptions {
  /** Records per batch (default 1000; the HTTP batch API takes up to 10,000). */
  size?: number;
  /** Payload bytes per batch (default 4 MiB), so a batch stays within the node's body limit. */
  maxBytes?: number;
  /** Batches in flight at once (default 4): the next is on its way while the node syncs one. */
  inFlight?: number;
}

export const DEFAULT_BATCH_SIZE = 1000;
/** Records per batch at most: what one POST /v1/records/batch may hold. */
export const MAX_BATCH_SIZE = MAX_BATCH_RECORDS;
const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;
const JSON_FIELDS = new Set(['payload', 'text', 'kind', 'meta', 'key', 'product']);
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** A CBOR array (major type 4) starts the input: the body of POST /v1/records/batch, not JSON lines. */
export const isCborArray = (b: Uint8Array): boolean => b.length > 0 && b[0] >= 0x80 && b[0] <= 0x9f;

/** Records from JSON lines; a bad line throws BAD_INPUT naming its line number. */
export function parseJsonLines(text: string): RecordInput[] {
  const out: RecordInput[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const at = `line ${i + 1}`;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw badInput(`${at}: not JSON (${(e as Error).message})`);
    }
    out.push(recordFromJson(o, at));
  });
  if (!out.length) throw badInput('no records in the input (expected JSON lines or a CBOR array)');
  return out;
}

function recordFromJson(o: unknown, at: string): RecordInput {
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw badInput(`${at}: expected an object {payload | text, kind?, meta?, key?, product?}`);
  const x = o as Record<string, unknown>;
  for (const k of Object.keys(x)) if (!JSON_FIELDS.has(k)) throw badInput(`${at}: unknown field ${JSON.stringify(k)}`);
  if ((x.payload === undefined) === (x.text === undefined)) throw badInput(`${at}: give exactly one of payload (base64) or text`);
  let payload: Uint8Array;
  if (x.text !== undefined) {
    if (typeof x.text !== 'string') throw badInput(`${at}: text: expected a string`);
    payload = new TextEncoder().encode(x.text);
  } else {
    if (typeof x.payload !== 'string' || !BASE64_RE.test(x.payload)) throw badInput(`${at}: payload: expected base64`);
    payload = new Uint8Array(Buffer.from(x.payload, 'base64'));
  }
  for (const k of ['kind', 'key', 'product'] as const) if (x[k] !== undefined && typeof x[k] !== 'string') throw badInput(`${at}: ${k}: expected a string`);
  const meta: Record<string, string> = {};
  if (x.meta !== undefined) {
    if (!x.meta || typeof x.meta !== 'object' || Array.isArray(x.meta)) throw badInput(`${at}: meta: expected an object of strings`);
    for (const [k, v] of Object.entries(x.meta)) {
      if (typeof v !== 'string') throw badInput(`${at}: meta.${k}: expected a string`);
      meta[k] = v;
    }
  }
  if (x.product !== undefined) meta.product = x.product as string;
  return { payload, kind: x.kind as string | undefined, meta, idemKey: x.key as string | undefined };
}

/** Cuts `items` into runs of at most `maxCount` items and `maxBytes` bytes (an item larger than that alone). */
export function chunk<T>(items: T[], maxCount: number, maxBytes: number, bytesOf: (x: T) => number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const x of items) {
    const n = bytesOf(x);
    if (cur.length && (cur.length >= maxCount || bytes + n > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(x);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Sends `recs` through `send` (one call per batch) and resolves with one outcome per record, in
 * order. `onBatch(first, outcomes)` is called for each batch as soon as it and every batch
 * before it are answered, so output can stream in input order.
 */
export async function sendInBatches<R>(
  send: (batch: RecordInput[]) => Promise<Outcome<R>[]>,
  recs: RecordInput[],
  o: BatchOptions = {},
  onBatch?: (first: number, outcomes: Outcome<R>[]) => void,
): Promise<Outcome<R>[]> {
  const batches = chunk(recs, o.size ?? DEFAULT_BATCH_SIZE, o.maxBytes ?? DEFAULT_BATCH_BYTES, (r) => r.payload.length);
  const results: Outcome<R>[][] = new Array(batches.length);
  let gone: UrchainError | undefined; // the node cannot be reached: nothing more is sent
  let next = 0;
  let reported = 0;
  let first = 0;
  const one = async (b: RecordInput[]): Promise<Outcome<R>[]> => {
    if (gone) return b.map(() => ({ error: gone! }));
    try {
      return await send(b);
    } catch (e) {
      const err = asUrchainError(e);
      if (err.code === 'TOO_LARGE' && b.length > 1) {
        const half = Math.ceil(b.length / 2);
        return [...(await one(b.slice(0, half))), ...(await one(b.slice(half)))];
      }
      if (isUrchainError(err, 'UNAVAILABLE', 'TIMEOUT')) gone ??= err;
      return b.map(() => ({ error: err }));
    }
  };
  const worker = async () => {
    while (next < batches.length) {
      const i = next++;
      results[i] = await one(batches[i]);
      while (reported < batches.length && results[reported]) {
        onBatch?.(first, results[reported]);
        first += batches[reported].length;
        reported++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.inFlight ?? 4, batches.length) }, worker));
  return results.flat();
}

/**
 * The records of a batch input: a CBOR array (decoded by `decodeCbor`, the batch API's own
 * decoder, so the CLI takes exactly what POST /v1/records/batch takes) or JSON lines.
 */
export function parseBatchInput(bytes: Uint8Array, decodeCbor: (b: Uint8Array) => RecordInput[]): RecordInput[] {
  if (isCborArray(bytes)) return decodeCbor(bytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badInput('the input is neither a CBOR array nor UTF-8 JSON lines');
  }
  return parseJsonLines(text);
}

/** Every record with `defaults` under its own fields (the command line's --kind and --meta for all). */
export function withDefaults(recs: RecordInput[], kind: string | undefined, meta: Record<string, string>): RecordInput[] {
  return recs.map((r) => {
    const own = Array.isArray(r.meta) ? Object.fromEntries(r.meta) : (r.meta ?? {});
    return { ...r, kind: r.kind ?? kind, meta: { ...meta, ...own } };
  });
}
