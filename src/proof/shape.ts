/**
 * @module proof/shape
 * Field readers for the strict proof and trust-list schemas: each takes a value and its path
 * (`block.header.nonce`) and returns the typed value or throws BAD_INPUT naming the path and
 * what was expected. One accepted encoding per value: lowercase hex of the exact length,
 * non-negative safe integers, canonical padded base64, objects without unknown members.
 */
import { fromHex, fromBase64, toBase64, utf8 } from '../codec/bytes.js';
import { badInput } from '../errors.js';

export type Obj = Record<string, unknown>;

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return v.length > 24 ? `"${v.slice(0, 24)}…" (${v.length} chars)` : JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return String(v);
};

export const fail = (path: string, expected: string, got: unknown): never => {
  throw badInput(`${path}: expected ${expected}, got ${describe(got)}`);
};

/** An object with exactly the `required` members and any of the `optional` ones. */
export function obj(v: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Obj {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return fail(path, 'an object', v);
  const o = v as Obj;
  for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) throw badInput(`${path ? `${path}.` : ''}${k}: unknown field`);
  for (const k of required) if (!Object.prototype.hasOwnProperty.call(o, k) || o[k] === undefined) throw badInput(`${path ? `${path}.` : ''}${k}: missing`);
  return o;
}

export const sub = (path: string, k: string | number): string => (typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k);

/** A JSON integer 0 <= n <= max (default 2^53 - 1). */
export function uint(v: unknown, path: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || Object.is(v, -0)) return fail(path, 'a non-negative integer', v);
  if (v > max) throw badInput(`${path}: at most ${max}, got ${v}`);
  return v;
}

/** Exactly `len` bytes as lowercase hex. */
export function hex(v: unknown, path: string, len: number): Uint8Array {
  if (typeof v !== 'string' || v.length !== len * 2 || !/^[0-9a-f]*$/.test(v)) return fail(path, `${len} bytes as ${len * 2} lowercase hex digits`, v);
  return fromHex(v, len, path);
}

export function text(v: unknown, path: string): string {
  if (typeof v !== 'string') return fail(path, 'text', v);
  return v;
}

/** A list of at most `max` entries (at least `min`). */
export function list(v: unknown, path: string, min = 0, max = 1 << 20): unknown[] {
  if (!Array.isArray(v)) return fail(path, 'a list', v);
  if (v.length < min) throw badInput(`${path}: expected at least ${min} ${min === 1 ? 'entry' : 'entries'}, got ${v.length}`);
  if (v.length > max) throw badInput(`${path}: expected at most ${max} entries, got ${v.length}`);
  return v;
}

/** Padded base64 in its one canonical form (unused bits zero). */
export function base64(v: unknown, path: string): Uint8Array {
  if (typeof v !== 'string') return fail(path, 'padded base64', v);
  const b = fromBase64(v, path);
  if (toBase64(b) !== v) throw badInput(`${path}: not canonical base64 (re-encoding differs)`);
  return b;
}

export const utf8Length = (s: string): number => utf8(s).length;
