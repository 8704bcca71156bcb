/**
 * @module codec/bytes
 * Hex and base64 at the edges, Uint8Array inside. Hex is always lowercase; parsing checks the
 * alphabet and, where asked, the length, and says what it expected.
 */
import { badInput } from '../errors.js';

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

export function fromHex(s: string, len?: number, what = 'hex'): Uint8Array {
  if (typeof s !== 'string' || !HEX_RE.test(s))
    throw badInput(`${what}: expected an even-length hex string, got ${describe(s)}`);
  const out = new Uint8Array(Buffer.from(s, 'hex'));
  if (len !== undefined && out.length !== len)
    throw badInput(`${what}: expected ${len} bytes (${len * 2} hex digits), got ${out.length}`);
  return out;
}

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
export function fromBase64(s: string, what = 'base64'): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !B64_RE.test(s))
    throw badInput(`${what}: expected padded base64, got ${describe(s)}`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** Splits a buffer of concatenated 32-byte hashes. */
export function split32(buf: Uint8Array): Uint8Array[] {
  if (buf.length % 32 !== 0) throw badInput(`expected a multiple of 32 bytes, got ${buf.length}`);
  const out: Uint8Array[] = new Array(buf.length / 32);
  for (let i = 0; i < out.length; i++) out[i] = buf.subarray(i * 32, i * 32 + 32);
  return out;
}

export function utf8(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

function describe(v: unknown): string {
  if (typeof v !== 'string') return typeof v;
  return v.length > 20 ? `"${v.slice(0, 20)}…" (${v.length} chars)` : `"${v}"`;
}
