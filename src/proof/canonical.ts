/**
 * @module proof/canonical
 * RFC 8785 JSON Canonicalization Scheme for the values urchain's documents hold (objects, lists,
 * text, safe integers, booleans, null): members sorted by their names' UTF-16 code units, no
 * white space, strings as ECMAScript's JSON.stringify writes them (RFC 8785 §3.2.2.2), integers
 * in plain decimal. Used for the passport's one byte form, and firstDifference says where a
 * document departs from it in words a user can act on (the path, not a byte offset).
 */
import { badInput } from '../errors.js';

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw badInput(`canonical JSON: ${v} is not a safe integer`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // Array.prototype.sort compares strings by UTF-16 code units, which is RFC 8785's order.
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  throw badInput(`canonical JSON: a ${typeof v} has no JSON form`);
}

const show = (v: unknown): string => {
  const s = v === undefined ? 'nothing' : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
};

/**
 * The first place (path, in the canonical member order) where `got` differs from `want`, with
 * both values; null when they are the same JSON value.
 */
export function firstDifference(got: unknown, want: unknown, path = ''): string | null {
  const here = path || '(the document)';
  if (Array.isArray(want) || Array.isArray(got)) {
    if (!Array.isArray(want) || !Array.isArray(got)) return `${here}: ${show(got)}, expected ${show(want)}`;
    for (let i = 0; i < Math.min(got.length, want.length); i++) {
      const d = firstDifference(got[i], want[i], `${path}[${i}]`);
      if (d) return d;
    }
    return got.length === want.length ? null : `${here}: ${got.length} entries, expected ${want.length}`;
  }
  if (want && got && typeof want === 'object' && typeof got === 'object') {
    const g = got as Record<string, unknown>;
    const w = want as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(g), ...Object.keys(w)])].sort()) {
      const d = firstDifference(g[k], w[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return got === want ? null : `${here}: ${show(got)}, expected ${show(want)}`;
}
