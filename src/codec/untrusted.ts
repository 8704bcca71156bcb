/**
 * @module codec/untrusted
 * `decodeUntrusted`: the one decoder for CBOR from outside clients (maps allowed, not hashed),
 * bounded in depth, items and bytes, without shared references or tags the caller did not list.
 * Split out of codec/cbor.ts, whose head reader and text decoding it uses.
 */
import { fail, readArg, textOf } from './cbor.js';

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

/** Short map keys a reader keeps to hand out again (a batch body repeats its records' keys). */
const KEPT_KEYS = 32;

/**
 * `k` as the engine's own copy of it, the one property lookups use (an object's key is that copy):
 * handing out the string built from the bytes instead measured 1.1 us a record, not 0.43.
 */
const internal = (k: string): string => Object.keys({ [k]: 0 })[0];

class UntrustedReader {
  pos = 0;
  private items = 0;
  private strBytes = 0;
  /** Short ASCII map keys decoded so far (keptKey), at most KEPT_KEYS. */
  private readonly keys: string[] = [];
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

  /** Counts a string of `len` bytes (its head at `at`) against the limit of all strings' bytes. */
  private strings(len: number, at: number) {
    this.strBytes += len;
    if (this.strBytes > this.maxBytes) throw fail(`strings longer than ${this.maxBytes} bytes in all (at byte ${at})`);
  }

  private length(n: number | bigint, what: string, at: number): number {
    if (typeof n === 'bigint' || n > this.b.length - this.pos) throw fail(`${what} at byte ${at} is longer than the input`);
    return n;
  }

  /**
   * A map key this reader decoded before (ASCII, 1-23 bytes: a one-byte head), read by a byte
   * comparison and handed out as the same string: a batch body repeats `payload` per record, and
   * building and interning it each time cost more than the rest of the record (1.6 us a record
   * against 0.43). Undefined, and nothing read, for any other item.
   */
  private keptKey(): string | undefined {
    const b = this.b;
    const len = b[this.pos] - 0x60; // a text string of 0-23 bytes: its head is the one byte 0x60 + length
    if (len < 1 || len > 23 || this.pos + 1 + len > b.length) return undefined;
    for (const k of this.keys) {
      if (k.length !== len) continue;
      let j = 0;
      while (j < len && b[this.pos + 1 + j] === k.charCodeAt(j)) j++;
      if (j < len) continue;
      this.count(1);
      this.strings(len, this.pos);
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
        this.strings(len, at);
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
          const kept = depth < this.maxDepth ? this.keptKey() : undefined;
          const k = kept ?? this.value(depth + 1);
          if (typeof k !== 'string') throw fail(`map key at byte ${kAt} is not a text string`);
          if (Object.prototype.hasOwnProperty.call(out, k)) throw fail(`map key ${JSON.stringify(k.slice(0, 64))} given twice (at byte ${kAt})`);
          // A short ASCII key (as many characters as bytes after a one-byte head) is kept for the next maps.
          if (kept === undefined && this.keys.length < KEPT_KEYS && k.length < 24 && this.b[kAt] === 0x60 + k.length) this.keys.push(internal(k));
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
