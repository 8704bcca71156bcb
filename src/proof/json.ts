/**
 * @module proof/json
 * The strict JSON profile of proof and trust files (urchain-formats(5), JSON RULES). RFC 8259
 * JSON, and on top of it:
 *
 *   - an object names each member once (JSON.parse keeps the last of two, silently);
 *   - numbers are integers written plainly: `0` or `-?[1-9][0-9]*`, no fraction, no exponent,
 *     magnitude at most 2^53 - 1 (so `67.0`, `1e3` and `1795642866934.00001` are refused
 *     instead of rounding to some integer);
 *   - strings are well-formed Unicode (no lone surrogate escapes);
 *   - nesting at most 64 deep, and nothing but white space after the value.
 *
 * Errors say where: `proof: block.header.timestamp: 1.5 is not an integer`. The parser is
 * hand-written (no JSON.parse) because the refusals are about the text, which JSON.parse loses.
 */
import { badInput } from '../errors.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const MAX_DEPTH = 64;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Parses `text` under the strict profile; `what` names the document in errors ("proof"). */
export function parseStrictJson(text: string, what: string): Json {
  let i = 0;
  const fail = (path: string, msg: string): never => {
    throw badInput(`${what}: ${path ? `${path}: ` : ''}${msg}`);
  };
  const ws = () => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const at = () => (i < text.length ? `${JSON.stringify(text[i])} at offset ${i}` : 'end of input');

  const value = (path: string, depth: number): Json => {
    if (depth > MAX_DEPTH) fail(path, `nested deeper than ${MAX_DEPTH}`);
    ws();
    const c = text[i];
    if (c === '{') return object(path, depth);
    if (c === '[') return array(path, depth);
    if (c === '"') return string(path);
    if (c === '-' || (c >= '0' && c <= '9')) return number(path);
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail(path, `unexpected ${at()}`);
  };

  const object = (path: string, depth: number): Json => {
    i++;
    const out: { [k: string]: Json } = Object.create(null);
    ws();
    if (text[i] === '}') {
      i++;
      return {};
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail(path, `expected a member name, got ${at()}`);
      const key = string(path);
      if (Object.prototype.hasOwnProperty.call(out, key)) fail(path, `member ${JSON.stringify(key)} appears twice`);
      ws();
      if (text[i] !== ':') fail(path, `expected ':' after ${JSON.stringify(key)}, got ${at()}`);
      i++;
      out[key] = value(path ? `${path}.${key}` : key, depth + 1);
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        // A plain object (with Object.prototype) for callers; "__proto__" stays an own member.
        const o: { [k: string]: Json } = {};
        for (const k of Object.keys(out)) Object.defineProperty(o, k, { value: out[k], enumerable: true, writable: true, configurable: true });
        return o;
      }
      fail(path, `expected ',' or '}', got ${at()}`);
    }
  };

  const array = (path: string, depth: number): Json => {
    i++;
    const out: Json[] = [];
    ws();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      out.push(value(`${path}[${out.length}]`, depth + 1));
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return out;
      }
      fail(path, `expected ',' or ']', got ${at()}`);
    }
  };

  const string = (path: string): string => {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail(path, `unterminated string from offset ${start}`);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        break;
      }
      if (c < 0x20) fail(path, `control character in a string at offset ${i}`);
      if (c !== 0x5c) {
        out += text[i++];
        continue;
      }
      const e = text[i + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simple) {
        out += simple[e];
        i += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else fail(path, `bad escape at offset ${i}`);
    }
    if (LONE_SURROGATE.test(out)) fail(path, 'string holds a lone surrogate (not Unicode text)');
    return out;
  };

  const number = (path: string): number => {
    const m = /^-?(?:0|[1-9][0-9]*)([.eE][-+0-9.eE]*)?/.exec(text.slice(i, i + 400));
    if (!m) return fail(path, `bad number at offset ${i}`);
    i += m[0].length;
    if (m[1] !== undefined || (i < text.length && /[0-9.eE]/.test(text[i]))) fail(path, `${m[0]} is not an integer written plainly (no fraction, exponent or leading zero)`);
    const n = Number(m[0]);
    if (m[0] === '-0') fail(path, '-0 is not an integer written plainly');
    if (!Number.isSafeInteger(n)) fail(path, `${m[0]} is beyond 2^53 - 1`);
    return n;
  };

  const v = value('', 0);
  ws();
  if (i !== text.length) fail('', `unexpected ${at()} after the document`);
  return v;
}
