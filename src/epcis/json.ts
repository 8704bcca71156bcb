/**
 * @module epcis/json
 * A strict JSON reader for EPCIS input that remembers where each object sits in the text, so
 * an event's record payload can be its bytes exactly as received (the substring from its `{` to
 * its `}`), and that can keep numbers as their literal text, which the CBV 2.0 event hash needs
 * (an integer of 25 digits must hash as those 25 digits, not as the nearest double).
 *
 * Strict where JSON.parse is lenient: a key given twice in one object is an error (which of
 * the two would count is exactly what a hash must not leave open), nesting is bounded.
 * Errors are BAD_INPUT naming the JSON path and the character offset.
 */
import { badInput } from '../errors.js';

export type Json = null | boolean | number | string | JsonNumber | Json[] | { [k: string]: Json };

/** A number kept as its literal text (option `rawNumbers`). */
export class JsonNumber {
  constructor(readonly raw: string) {}
  get value(): number {
    return Number(this.raw);
  }
}

export interface Parsed {
  value: Json;
  /** Where each object and array starts and ends (exclusive) in the text. */
  spans: WeakMap<object, [number, number]>;
}

const MAX_DEPTH = 64;
/** A string without escapes or control characters, the usual case, in one step. */
const PLAIN_STRING_RE = /"([^"\\\x00-\x1f]*)"/y;
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Appends a key or index to a JSON path in the `$.a.b[0]` form error messages use. */
export function pathJoin(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_@$][A-Za-z0-9_@$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export function parseJson(text: string, o: { rawNumbers?: boolean } = {}): Parsed {
  const spans = new WeakMap<object, [number, number]>();
  let i = 0;
  const fail = (msg: string, path: string): never => {
    throw badInput(`${path}: ${i >= text.length ? 'unexpected end of input' : msg} (at character ${i})`, { path });
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const str = (path: string): string => {
    // text[i] is the opening quote
    PLAIN_STRING_RE.lastIndex = i;
    const plain = PLAIN_STRING_RE.exec(text);
    if (plain) {
      i = PLAIN_STRING_RE.lastIndex;
      return plain[1];
    }
    let out = '';
    let from = ++i;
    for (;;) {
      if (i >= text.length) fail('unterminated string', path);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(from, i++);
        return out;
      }
      if (c < 0x20) fail('control character in a string', path);
      if (c === 0x5c) {
        out += text.slice(from, i);
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('bad escape in a string', path);
        from = i;
      } else i++;
    }
  };
  const value = (path: string, depth: number): Json => {
    ws();
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH}`, path);
    const c = text[i];
    if (c === '{') {
      const start = i++;
      const obj: { [k: string]: Json } = {};
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          if (text[i] !== '"') fail('expected a key in quotes', path);
          const k = str(path);
          if (Object.prototype.hasOwnProperty.call(obj, k)) fail(`key ${JSON.stringify(k)} given twice`, pathJoin(path, k));
          ws();
          if (text[i++] !== ':') fail('expected ":"', pathJoin(path, k));
          const v = value(pathJoin(path, k), depth + 1);
          // defineProperty: a key "__proto__" is data, not the prototype
          Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === '}') {
            i++;
            break;
          } else fail('expected "," or "}"', path);
        }
      spans.set(obj, [start, i]);
      return obj;
    }
    if (c === '[') {
      const start = i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === ']') i++;
      else
        for (;;) {
          arr.push(value(pathJoin(path, arr.length), depth + 1));
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === ']') {
            i++;
            break;
          } else fail('expected "," or "]"', path);
        }
      spans.set(arr, [start, i]);
      return arr;
    }
    if (c === '"') return str(path);
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail(`unexpected ${JSON.stringify(text[i])}`, path);
    i += m[0].length;
    return o.rawNumbers ? new JsonNumber(m[0]) : Number(m[0]);
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1; // a byte order mark is not part of the document
  const v = value('$', 0);
  ws();
  if (i < text.length) fail('unexpected text after the JSON value', '$');
  return { value: v, spans };
}

export const isObject = (v: unknown): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
