/**
 * @module scripts/fuzz/mutate
 * The mutation engine of `npm run fuzz`: a seeded PRNG and three families of mutations over a
 * seed corpus of valid inputs:
 *
 *   bytes  bit flips, byte insert/delete/duplicate, splice with another seed, interesting
 *          integers written over the input, truncation
 *   cbor   walks the items of a CBOR byte string and changes one: its major type, its length or
 *          argument (off by one, zero, huge, non-shortest head), wraps it in a tag (shared
 *          references 28/29, typed arrays, sets), swaps it for an odd value (float, negative,
 *          null, bignum, indefinite length), duplicates or drops array elements, nests deeply
 *   json   parses a JSON text and changes one value (types, numbers at the edges of 2^53, hex
 *          case and length, unknown and duplicated keys, deletions), or the text itself
 *
 * Every mutation is a pure function of the PRNG state, so a run is reproducible from its seed.
 */
import { concat } from '../../src/codec/bytes.js';

/** sfc32 (Chris Doty-Humphrey's small fast counter): 32-bit arithmetic only, seedable, fast. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed >>> 0;
    for (let i = 0; i < 12; i++) this.next32();
  }
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.next32() % n;
  }
  chance(p: number): boolean {
    return this.next32() / 0x100000000 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next32() & 0xff;
    return out;
  }
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff];

// ---- bytes -----------------------------------------------------------------------------------

export function mutateBytes(r: Rng, input: Uint8Array, corpus: readonly Uint8Array[] = []): Uint8Array {
  let b: Uint8Array = Uint8Array.from(input);
  const rounds = 1 + r.int(r.chance(0.2) ? 8 : 2);
  for (let k = 0; k < rounds; k++) {
    const at = r.int(b.length + 1);
    switch (r.int(8)) {
      case 0: // bit flip
        if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << r.int(8);
        break;
      case 1: // random byte
        if (b.length) b[Math.min(at, b.length - 1)] = r.int(256);
        break;
      case 2: // insert bytes
        b = concat(b.subarray(0, at), r.bytes(1 + r.int(8)), b.subarray(at));
        break;
      case 3: {
        // delete a run
        const n = 1 + r.int(Math.max(1, Math.min(16, b.length - at)));
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + n)));
        break;
      }
      case 4: {
        // duplicate a run
        const n = 1 + r.int(32);
        b = concat(b.subarray(0, at), b.subarray(at, at + n), b.subarray(at));
        break;
      }
      case 5: {
        // interesting integer, 1, 2 or 4 bytes, big-endian
        if (!b.length) break;
        const v = r.pick(INTERESTING);
        const w = r.pick([1, 2, 4]);
        for (let i = 0; i < w && at + i < b.length; i++) b[at + i] = (v >>> (8 * (w - 1 - i))) & 0xff;
        break;
      }
      case 6: {
        // splice with another seed
        if (!corpus.length) break;
        const o = r.pick(corpus);
        const from = r.int(o.length + 1);
        b = concat(b.subarray(0, at), o.subarray(from, from + r.int(64)), b.subarray(at));
        break;
      }
      default: // truncate
        b = b.subarray(0, at);
    }
  }
  return b;
}


// ---- cbor ------------------------------------------------------------------------------------

interface Item {
  start: number;
  headEnd: number;
  end: number;
  major: number;
  arg: number;
}

/** Lists the items of a (well-formed) CBOR value with their offsets; stops at anything odd. */
export function cborItems(b: Uint8Array): Item[] {
  const out: Item[] = [];
  const walk = (p: number, depth: number): number => {
    if (p >= b.length || depth > 64) throw new Error('end');
    const major = b[p] >> 5;
    const ai = b[p] & 31;
    let arg = ai;
    let q = p + 1;
    if (ai === 24) arg = b[q++];
    else if (ai === 25) (arg = (b[q] << 8) | b[q + 1]), (q += 2);
    else if (ai === 26) (arg = ((b[q] << 24) >>> 0) + (b[q + 1] << 16) + (b[q + 2] << 8) + b[q + 3]), (q += 4);
    else if (ai === 27) (arg = Number(new DataView(b.buffer, b.byteOffset + q, 8).getBigUint64(0))), (q += 8);
    else if (ai > 27) throw new Error('indefinite');
    const it: Item = { start: p, headEnd: q, end: q, major, arg };
    out.push(it);
    if (major === 2 || major === 3) q += arg;
    else if (major === 4) for (let i = 0; i < arg; i++) q = walk(q, depth + 1);
    else if (major === 5) for (let i = 0; i < 2 * arg; i++) q = walk(q, depth + 1);
    else if (major === 6) q = walk(q, depth + 1);
    if (q > b.length) throw new Error('short');
    it.end = q;
    return q;
  };
  try {
    walk(0, 0);
  } catch {
    /* a partial listing is still useful */
  }
  return out;
}

/** A CBOR head, shortest form unless `width` forces 1, 2, 4 or 8 argument bytes. */
export function head(major: number, n: number, width?: number): Uint8Array {
  const m = major << 5;
  const w = width ?? (n < 24 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x100000000 ? 4 : 8);
  if (w === 0) return Uint8Array.of(m | n);
  const out = new Uint8Array(1 + w);
  out[0] = m | { 1: 24, 2: 25, 4: 26, 8: 27 }[w as 1 | 2 | 4 | 8];
  let v = BigInt(n);
  for (let i = w; i >= 1; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const ODD_VALUES: Uint8Array[] = [
  Uint8Array.of(0xf6), // null
  Uint8Array.of(0xf7), // undefined
  Uint8Array.of(0xf5), // true
  Uint8Array.of(0x20), // -1
  Uint8Array.of(0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // -2^64
  Uint8Array.of(0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // 2^64-1
  Uint8Array.of(0x1b, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01), // 2^53+1
  Uint8Array.of(0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0), // NaN
  Uint8Array.of(0xf9, 0x3c, 0x00), // 1.0 half
  Uint8Array.of(0xc2, 0x49, 1, 0, 0, 0, 0, 0, 0, 0, 0), // bignum 2^64
  Uint8Array.of(0x5f, 0x41, 0x00, 0xff), // indefinite bytes
  Uint8Array.of(0x9f, 0x01, 0xff), // indefinite array
  Uint8Array.of(0xbf, 0x61, 0x61, 0x01, 0xff), // indefinite map
  Uint8Array.of(0xa1, 0x67, ...new TextEncoder().encode('payload'), 0x40), // {payload: h''}
  Uint8Array.of(0xa0), // {}
  Uint8Array.of(0x80), // []
  Uint8Array.of(0x60), // ""
  Uint8Array.of(0x40), // h''
  Uint8Array.of(0x62, 0xc3, 0x28), // invalid UTF-8 text
  Uint8Array.of(0xff), // stray break
  Uint8Array.of(0x1c), // reserved additional info
  Uint8Array.of(0xd8, 0x1d, 0x00), // tag 29: reference to shared value 0
  Uint8Array.of(0xd9, 0xd9, 0xf7, 0x00), // self-describe tag
];

const TAGS = [0, 1, 2, 3, 24, 25, 28, 29, 64, 69, 72, 81, 256, 258, 259, 55799, 0xffffffff];

export function mutateCbor(r: Rng, input: Uint8Array, corpus: readonly Uint8Array[] = []): Uint8Array {
  const items = cborItems(input);
  if (!items.length || r.chance(0.15)) return mutateBytes(r, input, corpus);
  const it = r.pick(items);
  const before = input.subarray(0, it.start);
  const after = input.subarray(it.end);
  const value = input.subarray(it.start, it.end);
  const body = input.subarray(it.headEnd, it.end);
  switch (r.int(12)) {
    case 0: // another major type, same argument
      return concat(before, head((it.major + 1 + r.int(7)) % 8, Math.min(it.arg, 0xffffffff)), body, after);
    case 1: {
      // another length/argument
      const n = r.pick([0, 1, it.arg + 1, Math.max(0, it.arg - 1), 23, 24, 255, 65535, 0x7fffffff, 0xffffffff, 2 ** 53 + 1, 2 ** 64 - 1]);
      return concat(before, head(it.major, n), body, after);
    }
    case 2: // non-shortest head
      return concat(before, head(it.major, Math.min(it.arg, 0xffffffff), r.pick([1, 2, 4, 8])), body, after);
    case 3: // wrap in a tag
      return concat(before, head(6, r.pick(TAGS)), value, after);
    case 4: // mark shareable (28) and refer back to it (29) elsewhere
      return concat(before, head(6, 28), value, after.length ? concat(head(6, 29), Uint8Array.of(0)) : new Uint8Array(0), after);
    case 5: // an odd value instead
      return concat(before, r.pick(ODD_VALUES), after);
    case 6: {
      // duplicate the item; its innermost enclosing array claims one element more
      const parent = items.filter((p) => p.major === 4 && p.start < it.start && p.end >= it.end).pop();
      const dup = concat(input.subarray(0, it.end), value, input.subarray(it.end));
      return parent && r.chance(0.7) ? spliceHead(dup, parent, parent.arg + 1) : dup;
    }
    case 7: {
      // drop the item; mostly with its array claiming one element less
      const parent = items.filter((p) => p.major === 4 && p.start < it.start && p.end >= it.end).pop();
      const cut = concat(before, after);
      return parent && parent.arg > 0 && r.chance(0.7) ? spliceHead(cut, parent, parent.arg - 1) : cut;
    }
    case 8: {
      // deep nesting
      const depth = r.pick([64, 1000, 10_000, 100_000]);
      return concat(before, new Uint8Array(depth).fill(0x81), value, after);
    }
    case 9: // a byte string or text grows, its head still claims the old length
      return concat(before, input.subarray(it.start, it.headEnd), body, r.bytes(1 + r.int(16)), after);
    case 10: // many references to one shared item (amplification)
      if (it.major === 4 && it.arg > 0) {
        const n = r.pick([100, 1000, 5000]);
        const refs: Uint8Array[] = [head(4, n), head(6, 28), body.subarray(0, cborItems(body)[0]?.end ?? body.length)];
        for (let i = 1; i < n; i++) refs.push(Uint8Array.of(0xd8, 0x1d, 0x00));
        return concat(before, ...refs, after);
      }
      return concat(before, head(6, 28), value, after);
    default: // bytes-level change inside the item
      return concat(before, mutateBytes(r, value, corpus), after);
  }
}

/** Rewrites the head of `parent` (an array) in `b` to claim `n` elements. */
function spliceHead(b: Uint8Array, parent: Item, n: number): Uint8Array {
  return concat(b.subarray(0, parent.start), head(4, n), b.subarray(parent.headEnd));
}

// ---- json ------------------------------------------------------------------------------------

const ODD_JSON: unknown[] = [null, true, false, 0, -1, 1.5, 67.0, 1e308, -0, 2 ** 53 + 1, 9007199254740993, '', '00', 'zz', '0'.repeat(64), 'A'.repeat(64), [], {}, [[[[[]]]]], { a: 1 }, 'x'.repeat(5000)];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path in a JSON value ([] is the root). */
function paths(v: Json, trail: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(trail);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...trail, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k], [...trail, k], out);
  return out;
}

function getAt(v: Json, p: (string | number)[]): Json {
  let o: any = v;
  for (const k of p) o = o[k];
  return o;
}

export function mutateJsonValue(r: Rng, doc: Json): Json {
  const copy = structuredClone(doc) as Json;
  const all = paths(copy);
  const p = r.pick(all);
  const target = getAt(copy, p);
  const setHere = (x: Json) => {
    if (!p.length) return x;
    (getAt(copy, p.slice(0, -1)) as any)[p[p.length - 1]] = x;
    return copy;
  };
  switch (r.int(9)) {
    case 0:
      return setHere(structuredClone(r.pick(ODD_JSON)) as Json);
    case 1: // delete
      if (p.length) {
        const parent = getAt(copy, p.slice(0, -1)) as any;
        if (Array.isArray(parent)) parent.splice(p[p.length - 1] as number, 1);
        else delete parent[p[p.length - 1]];
      }
      return copy;
    case 2: // unknown key
      // defineProperty: "__proto__" must become an own member (an assignment would set the prototype)
      if (target && typeof target === 'object' && !Array.isArray(target))
        Object.defineProperty(target, r.pick(['extra', 'chain', 'authority', 'partner', '__proto__', 'constructor', 'format']), { value: structuredClone(r.pick(ODD_JSON)), enumerable: true, writable: true, configurable: true });
      return copy;
    case 3: // numbers at the edges
      if (typeof target === 'number') return setHere(r.pick([target + 1, target - 1, -target, target * 2 ** 32, target + 0.5, Number.MAX_SAFE_INTEGER + 2, 0]));
      return setHere(r.pick([0, 1, 2 ** 53]));
    case 4: // hex and text: case, length, one digit
      if (typeof target === 'string') {
        const s = target;
        return setHere(
          r.pick([
            s.toUpperCase(),
            s.slice(1),
            s + '0',
            s + s,
            s.replace(/^./, (c) => (c === '0' ? '1' : '0')),
            s.slice(0, -2) + (s.slice(-1) === 'f' ? '0' : 'f') + s.slice(-1),
            ' ' + s,
            s.normalize('NFD') + '\u0301',
          ]),
        );
      }
      return copy;
    case 5: // arrays grow or shrink
      if (Array.isArray(target)) {
        if (target.length && r.chance(0.5)) target.push(structuredClone(target[r.int(target.length)]));
        else target.splice(0, 1);
      }
      return copy;
    case 6: // a value of another place
      return setHere(structuredClone(getAt(copy, r.pick(all))));
    case 7: // wrap
      return setHere(r.chance(0.5) ? [target] : { value: target });
    default: // swap the type
      return setHere(typeof target === 'string' ? Number.parseInt(target, 16) || 0 : typeof target === 'number' ? String(target) : JSON.stringify(target));
  }
}

const te = new TextEncoder();
const td = new TextDecoder();

/** How a JSON text was mutated: its value, a duplicated key, a number written another way, its bytes. */
export type JsonHow = 'value' | 'duplicate-key' | 'number-form' | 'bytes';

/** A JSON text mutated: most often structurally, sometimes at the text level (duplicate keys, bytes). */
export function mutateJson(r: Rng, text: string, corpus: readonly Uint8Array[] = []): { bytes: Uint8Array; how: JsonHow } {
  const roll = r.int(10);
  if (roll < 6) {
    let v = JSON.parse(text) as Json;
    for (let i = 0, n = 1 + r.int(r.chance(0.2) ? 4 : 1); i < n; i++) v = mutateJsonValue(r, v);
    return { bytes: te.encode(JSON.stringify(v)), how: 'value' };
  }
  if (roll === 6) {
    // a duplicated key: `"k":` gets an earlier twin with another value (JSON.parse keeps the last)
    const keys = [...text.matchAll(/"([A-Za-z]+)":/g)];
    if (keys.length) {
      const m = r.pick(keys);
      const at = m.index!;
      return { bytes: te.encode(text.slice(0, at) + `"${m[1]}":${JSON.stringify(r.pick(ODD_JSON))},` + text.slice(at)), how: 'duplicate-key' };
    }
  }
  if (roll === 7) {
    // numbers written another way: 67.0, 67e0, 67.00001, 067, -67
    const out = text.replace(/:(\d+)([,}\]])/g, (all, d, end) => (r.chance(0.3) ? `:${r.pick([`${d}.0`, `${d}e0`, `${d}.00001`, `0${d}`, `-${d}`])}${end}` : all));
    return { bytes: te.encode(out), how: 'number-form' };
  }
  return { bytes: mutateBytes(r, te.encode(text), corpus), how: 'bytes' };
}

export const mutateJsonText = (r: Rng, text: string, corpus: readonly Uint8Array[] = []): Uint8Array => mutateJson(r, text, corpus).bytes;

export const utf8 = (b: Uint8Array) => td.decode(b);
