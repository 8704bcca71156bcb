/**
 * @module codec/cbor
 * Deterministic CBOR (RFC 8949 §4.2.1) for everything urchain hashes or signs. Only the subset
 * the formats need: unsigned integers (major 0), byte strings (2), text strings (3) and arrays (4),
 * always definite-length and in the shortest head. No maps, no floats, no tags: a structure is a
 * fixed-order array, so two implementations agree byte for byte. The decoder is strict: it
 * refuses anything the encoder would not have produced, so one value has exactly one encoding.
 */
import { UrchainError } from '../errors.js';

export type CborValue = number | bigint | Uint8Array | string | CborValue[];

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true });

class Writer {
  buf = new Uint8Array(256);
  len = 0;
  ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  head(major: number, n: number | bigint): void {
    const m = major << 5;
    if (typeof n === 'bigint') {
      if (n < 0n || n > 0xffffffffffffffffn) throw new UrchainError('BAD_ENCODING', `cbor: integer out of range: ${n}`);
      if (n <= 0xffffffffn) return this.head(major, Number(n));
      this.ensure(9);
      this.buf[this.len++] = m | 27;
      new DataView(this.buf.buffer).setBigUint64(this.len, n);
      this.len += 8;
      return;
    }
    if (!Number.isSafeInteger(n) || n < 0) throw new UrchainError('BAD_ENCODING', `cbor: expected an unsigned safe integer, got ${n}`);
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
      new DataView(this.buf.buffer).setUint32(this.len, n);
      this.len += 4;
    } else {
      this.buf[this.len++] = m | 27;
      new DataView(this.buf.buffer).setBigUint64(this.len, BigInt(n));
      this.len += 8;
    }
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  value(v: CborValue) {
    if (typeof v === 'number' || typeof v === 'bigint') this.head(0, v);
    else if (v instanceof Uint8Array) {
      this.head(2, v.length);
      this.bytes(v);
    } else if (typeof v === 'string') {
      const b = te.encode(v);
      this.head(3, b.length);
      this.bytes(b);
    } else if (Array.isArray(v)) {
      this.head(4, v.length);
      for (const x of v) this.value(x);
    } else throw new UrchainError('BAD_ENCODING', `cbor: cannot encode ${typeof v} in a hashed structure`);
  }
}

/** Encodes a value in canonical form. */
export function encode(v: CborValue): Uint8Array {
  const w = new Writer();
  w.value(v);
  return w.buf.slice(0, w.len);
}

const MAX_DEPTH = 16;

/** Decodes canonical CBOR; throws BAD_ENCODING on any non-canonical or trailing byte. */
export function decode(bytes: Uint8Array): CborValue {
  const r = { pos: 0 };
  const v = readValue(bytes, r, 0);
  if (r.pos !== bytes.length) throw fail(`${bytes.length - r.pos} trailing bytes`);
  return v;
}

function fail(msg: string) {
  return new UrchainError('BAD_ENCODING', `cbor: ${msg}`);
}

function readHead(b: Uint8Array, r: { pos: number }): { major: number; n: number | bigint } {
  if (r.pos >= b.length) throw fail('unexpected end of input');
  const ib = b[r.pos++];
  const major = ib >> 5;
  const ai = ib & 31;
  if (ai < 24) return { major, n: ai };
  const size = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
  if (!size) throw fail(`unsupported additional info ${ai} (indefinite lengths are not canonical)`);
  if (r.pos + size > b.length) throw fail('unexpected end of input');
  const dv = new DataView(b.buffer, b.byteOffset + r.pos, size);
  r.pos += size;
  let n: number | bigint;
  let min: number | bigint;
  if (size === 1) (n = dv.getUint8(0)), (min = 24);
  else if (size === 2) (n = dv.getUint16(0)), (min = 0x100);
  else if (size === 4) (n = dv.getUint32(0)), (min = 0x10000);
  else {
    const big = dv.getBigUint64(0);
    if (big < 0x100000000n) throw fail('integer not in shortest form');
    n = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    return { major, n };
  }
  if (n < min) throw fail('integer not in shortest form');
  return { major, n };
}

function readValue(b: Uint8Array, r: { pos: number }, depth: number): CborValue {
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
        return td.decode(s);
      } catch {
        throw fail('invalid UTF-8 in text string');
      }
    }
    case 4: {
      if (n > b.length - r.pos) throw fail('array longer than input');
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
