/**
 * @module codec/cbor
 * Deterministic CBOR (RFC 8949 §4.2.1) for everything urchain hashes or signs. Only the subset
 * the formats need: unsigned integers (major 0), byte strings (2), text strings (3) and arrays (4),
 * always definite-length and in the shortest head. No maps, no floats, no tags: a structure is a
 * fixed-order array, so two implementations agree byte for byte. The decoder is strict: it
 * refuses anything the encoder would not have produced, so one value has exactly one encoding.
 * CBOR from outside clients (maps allowed, not hashed) has a decoder of its own, codec/untrusted.ts,
 * which reads heads and text with the helpers exported here (readArg, textOf, fail).
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

export function fail(msg: string) {
  return UrchainError.BAD_ENCODING(`cbor: ${msg}`);
}

/**
 * Reads one head: major type, additional info and argument, whether or not in the shortest form
 * (the canonical decoder checks that, the untrusted one does not). Arguments above 2^53 come back
 * as bigints; indefinite lengths and reserved additional info are refused.
 */
export function readArg(b: Uint8Array, r: { pos: number }): { major: number; ai: number; n: number | bigint } {
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
export function textOf(s: Uint8Array): string {
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
