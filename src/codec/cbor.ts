/**
 * @module codec/cbor
 * Deterministic CBOR (RFC 8949 §4.2.1) for everything urchain hashes or signs. Only the subset
 * the formats need: unsigned integers (major 0), byte strings (2), text strings (3) and arrays (4),
 * always definite-length and in the shortest head. No maps, no floats, no tags: a structure is a
 * fixed-order array, so two implementations agree byte for byte. The decoder is strict: it
 * refuses anything the encoder would not have produced, so one value has exactly one encoding.
 * `decodeUntrusted` is the one decoder for CBOR from outside clients (maps allowed, not hashed):
 * bounded in depth, items and bytes, without shared references or tags the caller did not list.
 */
import { UrchainError } from '../errors.js';

export type CborValue = number | bigint | Uint8Array | string | CborValue[];

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true });

/**
 * Writes canonical CBOR into one growing buffer. `encode` reuses a single writer for every call
 * (encoding runs no callbacks, so calls never overlap): no new buffer per encode, one copy of
 * the result. A caller that encodes many values at once (a batch of transaction cores) keeps a
 * writer of its own and takes all of them out with one copy (`CborWriter.take`).
 */
export class CborWriter {
  buf: Uint8Array;
  private dv: DataView;
  len = 0;
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.dv = new DataView(this.buf.buffer);
  }
  ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }
  head(major: number, n: number | bigint): void {
    const m = major << 5;
    if (typeof n === 'bigint') {
      if (n < 0n || n > 0xffffffffffffffffn) throw UrchainError.BAD_ENCODING(`cbor: integer out of range: ${n}`);
      if (n <= 0xffffffffn) return this.head(major, Number(n));
      this.ensure(9);
      this.buf[this.len++] = m | 27;
      this.dv.setBigUint64(this.len, n);
      this.len += 8;
      return;
    }
    if (!Number.isSafeInteger(n) || n < 0) throw UrchainError.BAD_ENCODING(`cbor: expected an unsigned safe integer, got ${n}`);
    this.ensure(9);
    if (n < 24) this.buf[this.len++] = m | n;
    else if (n < 0x100) {
      this.buf[this.len++] = m | 24;
      this.buf[this.len++] = n;
    } else if (n < 0x10000) {
      this.buf[this.len++] = m | 25;
      this.buf[this.len++] = n >> 8;
      this.buf[this.len++] = n & 0xff;
    } else if (n < 0x100000000) {
      this.buf[this.len++] = m | 26;
      this.dv.setUint32(this.len, n);
      this.len += 4;
    } else {
      // Two 32-bit halves: a millisecond timestamp takes this path, and a BigInt per call costs.
      this.buf[this.len++] = m | 27;
      this.dv.setUint32(this.len, Math.floor(n / 0x100000000));
      this.dv.setUint32(this.len + 4, n % 0x100000000);
      this.len += 8;
    }
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** A byte string: head and content. */
  byteString(b: Uint8Array) {
    this.head(2, b.length);
    this.bytes(b);
  }
  /** A text string: head and UTF-8 content (ASCII written directly, without an encoder's copy). */
  text(s: string) {
    const n = s.length;
    if (n <= 64) {
      let ascii = true;
      for (let i = 0; i < n; i++)
        if (s.charCodeAt(i) > 0x7f) {
          ascii = false;
          break;
        }
      if (ascii) {
        this.head(3, n);
        this.ensure(n);
        for (let i = 0; i < n; i++) this.buf[this.len + i] = s.charCodeAt(i);
        this.len += n;
        return;
      }
    }
    const b = te.encode(s);
    this.head(3, b.length);
    this.bytes(b);
  }
  value(v: CborValue) {
    if (typeof v === 'number' || typeof v === 'bigint') this.head(0, v);
    else if (v instanceof Uint8Array) this.byteString(v);
    else if (typeof v === 'string') this.text(v);
    else if (Array.isArray(v)) {
      this.head(4, v.length);
      for (const x of v) this.value(x);
    } else throw UrchainError.BAD_ENCODING(`cbor: cannot encode ${typeof v} in a hashed structure`);
  }
  /** A copy of everything written, and the writer emptied for the next use. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    this.len = 0;
    return out;
  }
}

let shared = new CborWriter(4096);
/** Above this the shared writer gives its buffer up after use rather than keep it forever. */
const SHARED_KEEP = 1 << 20;

/** Encodes a value in canonical form. */
export function encode(v: CborValue): Uint8Array {
  shared.len = 0; // a previous call that threw may have left bytes behind
  shared.value(v);
  const out = shared.take();
  if (shared.buf.length > SHARED_KEEP) shared = new CborWriter(4096);
  return out;
}

const MAX_DEPTH = 16;

interface Cursor {
  pos: number;
  /** Data items so far: the top value and every array element, counted at the array's head. */
  items: number;
  maxItems: number;
}

/**
 * Decodes canonical CBOR; throws BAD_ENCODING on any non-canonical or trailing byte, BAD_INPUT
 * when the value holds more than `maxItems` data items (checked before an array is built).
 */
export function decode(bytes: Uint8Array, maxItems = Infinity): CborValue {
  const r: Cursor = { pos: 0, items: 1, maxItems };
  const v = readValue(bytes, r, 0);
  if (r.pos !== bytes.length) throw fail(`${bytes.length - r.pos} trailing bytes`);
  return v;
}

function fail(msg: string) {
  return UrchainError.BAD_ENCODING(`cbor: ${msg}`);
}

/**
 * Reads one head: major type, additional info and argument, whether or not in the shortest form
 * (the canonical decoder checks that, the untrusted one does not). Arguments above 2^53 come back
 * as bigints; indefinite lengths and reserved additional info are refused.
 */
function readArg(b: Uint8Array, r: { pos: number }): { major: number; ai: number; n: number | bigint } {
  if (r.pos >= b.length) throw fail('unexpected end of input');
  const at = r.pos;
  const ib = b[r.pos++];
  const major = ib >> 5;
  const ai = ib & 31;
  if (ai < 24) return { major, ai, n: ai };
  const size = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
  if (!size) throw fail(ai === 31 ? `indefinite length at byte ${at} is not accepted` : `reserved additional info ${ai} at byte ${at}`);
  const p = r.pos;
  if (p + size > b.length) throw fail('unexpected end of input');
  r.pos += size;
  // Big-endian by hand: a DataView per head cost more than the rest of decoding a small item.
  if (size === 1) return { major, ai, n: b[p] };
  if (size === 2) return { major, ai, n: (b[p] << 8) | b[p + 1] };
  const hi = b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  if (size === 4) return { major, ai, n: hi };
  const lo = b[p + 4] * 0x1000000 + ((b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]);
  // Up to 2^53 - 1 as a number (hi below 2^21), above as a bigint.
  if (hi < 0x200000) return { major, ai, n: hi * 0x100000000 + lo };
  return { major, ai, n: (BigInt(hi) << 32n) | BigInt(lo) };
}

/**
 * A text string's bytes as a string: short ASCII (map keys, kinds, most metadata) without the
 * decoder's call, anything else through the fatal UTF-8 decoder. Throws on invalid UTF-8.
 */
function textOf(s: Uint8Array): string {
  if (s.length <= 32) {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c > 0x7f) return td.decode(s);
      out += String.fromCharCode(c);
    }
    return out;
  }
  return td.decode(s);
}

/** Smallest argument each of additional info 24..27 may carry in the shortest form. */
const SHORTEST = [24, 0x100, 0x10000, 0x100000000];

function readHead(b: Uint8Array, r: { pos: number }): { major: number; n: number | bigint } {
  const { major, ai, n } = readArg(b, r);
  if (ai >= 24 && n < SHORTEST[ai - 24]) throw fail('integer not in shortest form');
  return { major, n };
}

function readValue(b: Uint8Array, r: Cursor, depth: number): CborValue {
  if (depth > MAX_DEPTH) throw fail('nesting too deep');
  const { major, n } = readHead(b, r);
  if (major === 0) return n;
  if (typeof n === 'bigint') throw fail('length too large');
  switch (major) {
    case 2:
    case 3: {
      if (r.pos + n > b.length) throw fail('unexpected end of input');
      const s = b.subarray(r.pos, r.pos + n);
      r.pos += n;
      if (major === 2) return s.slice();
      try {
        return textOf(s);
      } catch {
        throw fail('invalid UTF-8 in text string');
      }
    }
    case 4: {
      if (n > b.length - r.pos) throw fail('array longer than input');
      r.items += n;
      if (r.items > r.maxItems) throw UrchainError.BAD_INPUT(`cbor: more than ${r.maxItems} data items in ${b.length} bytes`);
      const out: CborValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readValue(b, r, depth + 1);
      return out;
    }
    default:
      throw fail(`major type ${major} is not used in urchain structures`);
  }
}

/* Typed accessors for decoding fixed-order arrays. */
export function asArray(v: CborValue, len: number, what: string): CborValue[] {
  if (!Array.isArray(v) || v.length !== len) throw fail(`${what}: expected an array of ${len}`);
  return v;
}
export function asUint(v: CborValue, what: string): number {
  if (typeof v !== 'number') throw fail(`${what}: expected an unsigned integer below 2^53`);
  return v;
}
export function asBig(v: CborValue, what: string): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint') return v;
  throw fail(`${what}: expected an unsigned integer`);
}
export function asBytes(v: CborValue, what: string, len?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) throw fail(`${what}: expected a byte string`);
  if (len !== undefined && v.length !== len) throw fail(`${what}: expected ${len} bytes, got ${v.length}`);
  return v;
}
export function asText(v: CborValue, what: string): string {
  if (typeof v !== 'string') throw fail(`${what}: expected a text string`);
  return v;
}

/*
 * Untrusted CBOR: bodies from outside clients (the HTTP batch API) that use maps and are not
 * hashed. Generic decoders such as cbor-x honour shared references (tags 28/29), record
 * extensions and typed-array tags, so a few bytes can stand for megabytes once decoded: a 1 MiB
 * request once stored 210 MB. This decoder builds nothing it did not read. It takes unsigned and
 * negative integers, byte and text strings, arrays, maps with text keys (each key once), false,
 * true, null and undefined; definite lengths only; a tag only when the caller lists it (its
 * content is returned as is); never tags 28/29, floats or other simple values. Every data item,
 * every string byte and the nesting depth count against limits, checked before anything is
 * allocated. Heads need not be in the shortest form (generic encoders use longer map heads).
 */

export type UntrustedValue = number | bigint | boolean | null | undefined | Uint8Array | string | UntrustedValue[] | UntrustedMap;
export interface UntrustedMap {
  [key: string]: UntrustedValue;
}

export interface UntrustedLimits {
  /** Deepest nesting of arrays, maps and tags (default 16). */
  maxDepth?: number;
  /** Data items in all, every array element, map key and value counted (default 100,000). */
  maxItems?: number;
  /** Bytes of all byte and text strings together (default: the input length). */
  maxBytes?: number;
  /** Tags whose content is accepted, e.g. [64] (a byte string tagged as a Uint8Array). Default none. */
  tags?: number[];
  /** Copy byte strings out of the input (default true); false returns views into it. */
  copy?: boolean;
}

/** Decodes one CBOR item from untrusted bytes within `opts`; throws BAD_ENCODING saying what and where. */
export function decodeUntrusted(bytes: Uint8Array, opts: UntrustedLimits = {}): UntrustedValue {
  const d = new UntrustedReader(bytes, opts);
  const v = d.value(0);
  if (d.pos !== bytes.length) throw fail(`${bytes.length - d.pos} trailing bytes after the value`);
  return v;
}

/** Map keys of the records the API takes (node/api.ts): decoded by a byte comparison, no string built. */
const KNOWN_KEYS = ['payload', 'kind', 'meta', 'key'];

class UntrustedReader {
  pos = 0;
  private items = 0;
  private strBytes = 0;
  private readonly maxDepth: number;
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly tags: Set<number>;
  private readonly copy: boolean;

  constructor(
    private readonly b: Uint8Array,
    o: UntrustedLimits,
  ) {
    this.maxDepth = o.maxDepth ?? 16;
    this.maxItems = o.maxItems ?? 100_000;
    this.maxBytes = o.maxBytes ?? b.length;
    this.tags = new Set(o.tags ?? []);
    this.copy = o.copy ?? true;
  }

  private count(n: number) {
    this.items += n;
    if (this.items > this.maxItems) throw fail(`more than ${this.maxItems} data items (at byte ${this.pos})`);
  }

  private length(n: number | bigint, what: string, at: number): number {
    if (typeof n === 'bigint' || n > this.b.length - this.pos) throw fail(`${what} at byte ${at} is longer than the input`);
    return n;
  }

  /**
   * A map key that is one of KNOWN_KEYS, read without building a string (the same interned
   * string each time: a batch body repeats `payload` per record); undefined, and nothing read,
   * for any other item.
   */
  private knownKey(): string | undefined {
    const b = this.b;
    const ib = b[this.pos];
    const len = ib - 0x60; // a text string of 0-23 bytes: its head is the one byte 0x60 + length
    if (len < 1 || len > 23 || this.pos + 1 + len > b.length) return undefined;
    for (const k of KNOWN_KEYS) {
      if (k.length !== len) continue;
      let j = 0;
      while (j < len && b[this.pos + 1 + j] === k.charCodeAt(j)) j++;
      if (j < len) continue;
      this.count(1);
      this.strBytes += len;
      if (this.strBytes > this.maxBytes) throw fail(`strings longer than ${this.maxBytes} bytes in all (at byte ${this.pos})`);
      this.pos += 1 + len;
      return k;
    }
    return undefined;
  }

  value(depth: number): UntrustedValue {
    if (depth > this.maxDepth) throw fail(`nested deeper than ${this.maxDepth} (at byte ${this.pos})`);
    this.count(1);
    const at = this.pos;
    const { major, ai, n } = readArg(this.b, this);
    switch (major) {
      case 0:
        return n;
      case 1:
        return typeof n === 'bigint' || n >= Number.MAX_SAFE_INTEGER ? -1n - BigInt(n) : -1 - n;
      case 2:
      case 3: {
        const len = this.length(n, major === 2 ? 'byte string' : 'text string', at);
        this.strBytes += len;
        if (this.strBytes > this.maxBytes) throw fail(`strings longer than ${this.maxBytes} bytes in all (at byte ${at})`);
        const s = this.b.subarray(this.pos, this.pos + len);
        this.pos += len;
        if (major === 2) return this.copy ? s.slice() : s;
        try {
          return textOf(s);
        } catch {
          throw fail(`invalid UTF-8 in the text string at byte ${at}`);
        }
      }
      case 4: {
        // Every element takes at least one byte: a length beyond the input is refused before allocating.
        const len = this.length(n, 'array', at);
        const out: UntrustedValue[] = [];
        for (let i = 0; i < len; i++) out.push(this.value(depth + 1));
        return out;
      }
      case 5: {
        const len = this.length(n, 'map', at);
        // A null-prototype object: a key such as "__proto__" is plain data, not a prototype.
        const out: UntrustedMap = Object.create(null);
        for (let i = 0; i < len; i++) {
          const kAt = this.pos;
          const k = (depth < this.maxDepth && this.knownKey()) || this.value(depth + 1);
          if (typeof k !== 'string') throw fail(`map key at byte ${kAt} is not a text string`);
          if (Object.prototype.hasOwnProperty.call(out, k)) throw fail(`map key ${JSON.stringify(k.slice(0, 64))} given twice (at byte ${kAt})`);
          out[k] = this.value(depth + 1);
        }
        return out;
      }
      case 6: {
        if (n === 28 || n === 29) throw fail(`shared references (tag ${n} at byte ${at}) are not accepted`);
        if (typeof n === 'bigint' || !this.tags.has(n)) throw fail(`tag ${n} at byte ${at} is not accepted here`);
        return this.value(depth + 1);
      }
      default:
        if (ai === 20) return false;
        if (ai === 21) return true;
        if (ai === 22) return null;
        if (ai === 23) return undefined;
        throw fail(ai >= 25 && ai <= 27 ? `floating-point number at byte ${at} is not accepted` : `simple value ${n} at byte ${at} is not accepted`);
    }
  }
}
