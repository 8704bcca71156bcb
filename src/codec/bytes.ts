/**
 * @module codec/bytes
 * Hex and base64 at the edges, Uint8Array inside. Hex is always lowercase; parsing checks the
 * alphabet and, where asked, the length, and says what it expected.
 *
 * Plain Uint8Array and TextEncoder/TextDecoder only, nothing of Node's (DESIGN decision 15): the same
 * code runs in the offline verifier in a browser. A host with native conversions (Node's, about
 * ten times faster on kilobytes of base64) registers them with `useNativeBytes`; the checks of
 * the input stay here, so both give the same answers (src/io/fastCrypto.ts does it at startup).
 */
import { badInput } from '../errors.js';

/** Conversions a host may do natively; called only on input the checks here have accepted. */
export interface NativeBytes {
  toHex(b: Uint8Array): string;
  /** An even-length string of hex digits (either case). */
  fromHex(s: string): Uint8Array;
  toBase64(b: Uint8Array): string;
  /** Padded base64 of the standard alphabet, length a multiple of 4. */
  fromBase64(s: string): Uint8Array;
}

let native: NativeBytes | undefined;

/** Registers native conversions (or, with undefined, goes back to the portable ones). */
export function useNativeBytes(n: NativeBytes | undefined): void {
  native = n;
}

/** ASCII code of each hex digit's value; the value of each ASCII hex digit (-1: not one). */
const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}
// Hex and base64 digits are ASCII, which UTF-8 decodes on its fast path.
const ascii = new TextDecoder();
const te = new TextEncoder();

export function toHex(b: Uint8Array): string {
  // Natively where the host can, else as one ASCII buffer decoded at once: both make one flat
  // string. Joining per-byte strings was 4x slower even for 32-byte hashes, and its rope strings,
  // kept in receipts until a commit is durable, doubled the intake's garbage collection.
  if (native) return native.toHex(b);
  const out = new Uint8Array(b.length * 2);
  for (let i = 0, j = 0; i < b.length; i++, j += 2) {
    out[j] = HEX_CODES[b[i] >> 4];
    out[j + 1] = HEX_CODES[b[i] & 15];
  }
  return ascii.decode(out);
}

export function fromHex(s: string, len?: number, what = 'hex'): Uint8Array {
  const out = typeof s === 'string' && s.length % 2 === 0 ? (native && s.length > 128 && HEX_RE.test(s) ? native.fromHex(s) : parseHex(s)) : undefined;
  if (!out) throw badInput(`${what}: expected an even-length hex string, got ${describe(s)}`);
  if (len !== undefined && out.length !== len)
    throw badInput(`${what}: expected ${len} bytes (${len * 2} hex digits), got ${out.length}`);
  return out;
}

const HEX_RE = /^[0-9a-fA-F]*$/;

/** The bytes of an even-length hex string (either case), or undefined at the first non-digit. */
function parseHex(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const a = s.charCodeAt(2 * i);
    const b = s.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUE[a] : -1;
    const lo = b < 128 ? HEX_VALUE[b] : -1;
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
const PAD = '='.charCodeAt(0);

/** RFC 4648 §4 base64 with padding. */
export function toBase64(b: Uint8Array): string {
  if (native) return native.toBase64(b);
  const out = new Uint8Array(Math.ceil(b.length / 3) * 4);
  let j = 0;
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out[j++] = B64_CODES[n >> 18];
    out[j++] = B64_CODES[(n >> 12) & 63];
    out[j++] = B64_CODES[(n >> 6) & 63];
    out[j++] = B64_CODES[n & 63];
  }
  const rest = b.length - i;
  if (rest > 0) {
    const n = (b[i] << 16) | (rest === 2 ? b[i + 1] << 8 : 0);
    out[j++] = B64_CODES[n >> 18];
    out[j++] = B64_CODES[(n >> 12) & 63];
    out[j++] = rest === 2 ? B64_CODES[(n >> 6) & 63] : PAD;
    out[j++] = PAD;
  }
  return ascii.decode(out);
}

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
/**
 * Padded base64 (length a multiple of 4, padding only at the end). Unused low bits of the last
 * character are ignored, as RFC 4648 §3.5 allows; callers that need the one canonical form
 * re-encode and compare (proof/shape).
 */
export function fromBase64(s: string, what = 'base64'): Uint8Array {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !B64_RE.test(s))
    throw badInput(`${what}: expected padded base64, got ${describe(s)}`);
  if (native) return native.fromBase64(s);
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let j = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length - pad; i++) {
    acc = ((acc << 6) | B64_VALUE[s.charCodeAt(i)]) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** `concat` over a list: a spread call takes only ~100,000 arguments (a block holds up to 1,000,000 ids). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
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

/** The big-endian unsigned 32-bit number in the 4 bytes of `b` from `o` (no view made). */
export const u32At = (b: Uint8Array, o: number): number => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];

/**
 * Whether the 32 bytes of `flat` from byte `o` are the first 32 of `id`, compared in place: the
 * one loop behind every arena of ids (codec/idMap, store/idTable, node/pool, the Merkle memos).
 */
export function idIsAt(flat: Uint8Array, o: number, id: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (flat[o + i] !== id[i]) return false;
  return true;
}

/** Copies the 32 bytes of `src` from byte `so` into `dst` at byte `o` (a loop: cheaper than `set` for 32 bytes, and no view). */
export function copyId(dst: Uint8Array, o: number, src: Uint8Array, so = 0): void {
  for (let i = 0; i < 32; i++) dst[o + i] = src[so + i];
}

/** Whether `ids` are the 32-byte ids of `flat` from id `at` on (an id of another length is not). */
export function idsAt(flat: Uint8Array, at: number, ids: readonly Uint8Array[]): boolean {
  for (let k = 0; k < ids.length; k++) if (ids[k].length !== 32 || !idIsAt(flat, (at + k) * 32, ids[k])) return false;
  return true;
}

/** Copies 32-byte `ids` into `flat` from id `at` on; false (the copy is not whole) if one is of another length. */
export function copyIds(flat: Uint8Array, at: number, ids: readonly Uint8Array[]): boolean {
  for (let k = 0; k < ids.length; k++) {
    if (ids[k].length !== 32) return false;
    copyId(flat, (at + k) * 32, ids[k]);
  }
  return true;
}

/** Splits a buffer of concatenated 32-byte hashes. */
export function split32(buf: Uint8Array): Uint8Array[] {
  if (buf.length % 32 !== 0) throw badInput(`expected a multiple of 32 bytes, got ${buf.length}`);
  const out: Uint8Array[] = new Array(buf.length / 32);
  for (let i = 0; i < out.length; i++) out[i] = buf.subarray(i * 32, i * 32 + 32);
  return out;
}

export function utf8(s: string): Uint8Array {
  return te.encode(s);
}

/** Byte order (memcmp, then length), the order of sorted keys in the canonical formats. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function describe(v: unknown): string {
  if (typeof v !== 'string') return typeof v;
  return v.length > 20 ? `"${v.slice(0, 20)}…" (${v.length} chars)` : `"${v}"`;
}
