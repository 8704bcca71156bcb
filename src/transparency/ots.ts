/**
 * @module transparency/ots
 * OpenTimestamps proofs (.ots files), byte for byte as python-opentimestamps reads and writes them:
 *
 *   file       = MAGIC || varuint(1) || hash op tag || digest || timestamp
 *   timestamp  = (0xff || item)* || item                  every item but the last is 0xff-prefixed
 *   item       = 0x00 || attestation                      an attestation of this node's message
 *              | op || timestamp                          an operation, then the timestamp of its result
 *   op         = 0xf0 || varbytes(arg) (append)   0xf1 || varbytes(arg) (prepend)   0xf2 reverse
 *              | 0xf3 hexlify   0x02 sha1   0x03 ripemd160   0x08 sha256   0x67 keccak256
 *   attestation= tag(8) || varbytes(payload)
 *              pending 83dfe30d2ef90c8e: payload = varbytes(calendar URI)
 *              bitcoin 0588960d73d71901: payload = varuint(block height)
 *              any other tag: kept as it came (Litecoin, Ethereum, future kinds)
 *   varuint    = unsigned LEB128 (7 bits a byte, low first, 0x80 = more); varbytes = varuint(n) || n bytes
 *
 * A node's message is the digest at the root and each op's result below; the message at an
 * attestation is its commitment (for bitcoin: the block's merkle root in header byte order).
 *
 * Parsing is strict and bounded, so a hostile file costs nothing: at most MAX_FILE_BYTES, depth
 * MAX_DEPTH (python's recursion limit), MAX_OPS items (operations and attestations together), messages and op results of at most
 * MAX_MSG bytes (python's limit; hexlify's input half that), varuints in their shortest form (a
 * longer one would not write back the same bytes), no trailing bytes, no duplicate op or
 * attestation under one node. Items keep the order they came in, so a file reads and writes back
 * byte for byte; what urchain adds goes where python-opentimestamps sorts it (attestations first,
 * then ops, each in the library's order), so files urchain writes are the bytes python would.
 */
import { concat, compareBytes, equal, toHex, utf8 } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
// The OTS format's other hash operations: urchain's own hashing is SHA-256 only (crypto/hash),
// these exist only to evaluate foreign proofs that use them.
import { ripemd160, sha1 } from '@noble/hashes/legacy.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { UrchainError } from '../errors.js';

export const OTS_MAGIC = Uint8Array.from([0x00, ...utf8('OpenTimestamps'), 0x00, 0x00, ...utf8('Proof'), 0x00, 0xbf, 0x89, 0xe2, 0xe8, 0x84, 0xe8, 0x92, 0x94]);
export const OTS_VERSION = 1;
export const PENDING_TAG = Uint8Array.from([0x83, 0xdf, 0xe3, 0x0d, 0x2e, 0xf9, 0x0c, 0x8e]);
export const BITCOIN_TAG = Uint8Array.from([0x05, 0x88, 0x96, 0x0d, 0x73, 0xd7, 0x19, 0x01]);

export const MAX_FILE_BYTES = 1 << 20;
export const MAX_DEPTH = 256;
export const MAX_OPS = 4096;
export const MAX_MSG = 4096;
export const MAX_PAYLOAD = 8192;
export const MAX_URI = 1000;
const URI_CHARS = /^[A-Za-z0-9\-._/:]*$/;

export type HashOpName = 'sha1' | 'ripemd160' | 'sha256' | 'keccak256';
export type UnaryOpName = HashOpName | 'reverse' | 'hexlify';
export type Op = { op: 'append' | 'prepend'; arg: Uint8Array } | { op: UnaryOpName };

export type Attestation = { type: 'pending'; uri: string } | { type: 'bitcoin'; height: number } | { type: 'unknown'; tag: Uint8Array; payload: Uint8Array };

export type Item = { attestation: Attestation } | { op: Op; next: Timestamp };
export interface Timestamp {
  items: Item[];
}

export interface DetachedTimestamp {
  hashOp: HashOpName;
  digest: Uint8Array;
  timestamp: Timestamp;
}

const OP_TAGS: Record<Op['op'], number> = { append: 0xf0, prepend: 0xf1, reverse: 0xf2, hexlify: 0xf3, sha1: 0x02, ripemd160: 0x03, sha256: 0x08, keccak256: 0x67 };
const OP_BY_TAG = new Map(Object.entries(OP_TAGS).map(([k, v]) => [v, k as Op['op']]));
export const DIGEST_LEN: Record<HashOpName, number> = { sha1: 20, ripemd160: 20, sha256: 32, keccak256: 32 };

const bad = (why: string) => UrchainError.BAD_ENCODING(`ots: ${why}`);

/** The result of `op` on `msg`, within the format's length limits. */
export function applyOp(op: Op, msg: Uint8Array): Uint8Array {
  if (msg.length > (op.op === 'hexlify' ? MAX_MSG / 2 : MAX_MSG)) throw bad(`${op.op}: message of ${msg.length} bytes is too long`);
  let r: Uint8Array;
  switch (op.op) {
    case 'append': r = concat(msg, op.arg); break;
    case 'prepend': r = concat(op.arg, msg); break;
    case 'reverse': if (!msg.length) throw bad('reverse of an empty message'); r = msg.slice().reverse(); break;
    case 'hexlify': if (!msg.length) throw bad('hexlify of an empty message'); r = utf8(toHex(msg)); break;
    case 'sha256': r = sha256(msg); break;
    case 'sha1': r = sha1(msg); break;
    case 'ripemd160': r = ripemd160(msg); break;
    case 'keccak256': r = keccak_256(msg); break;
  }
  if (r.length > MAX_MSG) throw bad(`${op.op}: result of ${r.length} bytes is too long`);
  return r;
}

// ---- reading ----

class Reader {
  pos = 0;
  /** Ops and attestations read so far: both count toward MAX_OPS. */
  items = 0;
  constructor(readonly buf: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw bad('truncated');
    return this.buf[this.pos++];
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw bad('truncated');
    return this.buf.subarray(this.pos, (this.pos += n));
  }
  varuint(): number {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      if (shift > 49) throw bad('varuint over 2^53');
      v += (b & 0x7f) * 2 ** shift;
      // The eighth byte (shift 49) may carry only the bits that keep v a safe integer.
      if (!Number.isSafeInteger(v)) throw bad('varuint over 2^53');
      if (!(b & 0x80)) {
        if (b === 0 && shift > 0) throw bad('varuint not in its shortest form');
        return v;
      }
    }
  }
  varbytes(max: number, min = 0): Uint8Array {
    const n = this.varuint();
    if (n > max || n < min) throw bad(`varbytes of ${n} bytes, expected ${min} to ${max}`);
    return this.bytes(n);
  }
}

function readAttestation(r: Reader): Attestation {
  const tag = r.bytes(8).slice();
  const payload = r.varbytes(MAX_PAYLOAD);
  const p = new Reader(payload);
  let a: Attestation;
  if (equal(tag, PENDING_TAG)) {
    const uri = new TextDecoder().decode(p.varbytes(MAX_URI));
    if (!URI_CHARS.test(uri)) throw bad(`pending attestation: URI ${JSON.stringify(uri.slice(0, 80))} has a character outside [A-Za-z0-9-._/:]`);
    a = { type: 'pending', uri };
  } else if (equal(tag, BITCOIN_TAG)) a = { type: 'bitcoin', height: p.varuint() };
  else return { type: 'unknown', tag, payload: payload.slice() };
  if (p.pos !== payload.length) throw bad(`${a.type} attestation: trailing bytes in its payload`);
  return a;
}

function readTimestamp(r: Reader, msg: Uint8Array, depth: number): Timestamp {
  if (depth > MAX_DEPTH) throw bad(`nested deeper than ${MAX_DEPTH}`);
  const t: Timestamp = { items: [] };
  // Duplicates are found by the item's own bytes (op with argument, or attestation), in a set:
  // comparing each item with every earlier sibling would be quadratic in a hostile file.
  const seen = new Set<string>();
  const item = (tag: number) => {
    if (++r.items > MAX_OPS) throw bad(`more than ${MAX_OPS} operations and attestations (the op limit)`);
    let it: Item;
    let key: string;
    if (tag === 0x00) {
      const a = readAttestation(r);
      it = { attestation: a };
      key = itemKey(it);
    } else {
      const name = OP_BY_TAG.get(tag);
      if (!name) throw bad(`unknown op tag 0x${tag.toString(16).padStart(2, '0')} at byte ${r.pos - 1}`);
      const op: Op = name === 'append' || name === 'prepend' ? { op: name, arg: r.varbytes(MAX_MSG, 1).slice() } : { op: name };
      key = itemKey({ op, next: { items: [] } });
      if (seen.has(key)) throw bad('the same op or attestation twice under one node');
      it = { op, next: readTimestamp(r, applyOp(op, msg), depth + 1) };
    }
    if (seen.has(key)) throw bad('the same op or attestation twice under one node');
    seen.add(key);
    t.items.push(it);
  };
  let tag = r.byte();
  while (tag === 0xff) {
    item(r.byte());
    tag = r.byte();
  }
  item(tag);
  return t;
}

/** Parses a timestamp (no file header) whose root message is `msg`: what a calendar answers. */
export function parseTimestamp(bytes: Uint8Array, msg: Uint8Array): Timestamp {
  if (bytes.length > MAX_FILE_BYTES) throw bad(`over ${MAX_FILE_BYTES} bytes`);
  const r = new Reader(bytes);
  const t = readTimestamp(r, msg, 1);
  if (r.pos !== bytes.length) throw bad('trailing bytes after the timestamp');
  return t;
}

/** Parses a detached .ots file. */
export function parseOts(bytes: Uint8Array): DetachedTimestamp {
  if (!(bytes instanceof Uint8Array)) throw UrchainError.BAD_INPUT('ots: expected bytes');
  if (bytes.length > MAX_FILE_BYTES) throw bad(`over ${MAX_FILE_BYTES} bytes`);
  const r = new Reader(bytes);
  if (bytes.length < OTS_MAGIC.length || !equal(r.bytes(OTS_MAGIC.length), OTS_MAGIC)) throw bad('not an OpenTimestamps proof (bad magic)');
  const v = r.varuint();
  if (v !== OTS_VERSION) throw bad(`version ${v}, expected ${OTS_VERSION}`);
  const tag = r.byte();
  const hashOp = OP_BY_TAG.get(tag);
  if (!hashOp || !(hashOp in DIGEST_LEN)) throw bad(`file hash op 0x${tag.toString(16)} is not a hash`);
  const digest = r.bytes(DIGEST_LEN[hashOp as HashOpName]).slice();
  const timestamp = readTimestamp(r, digest, 1);
  if (r.pos !== bytes.length) throw bad('trailing bytes after the timestamp');
  return { hashOp: hashOp as HashOpName, digest, timestamp };
}

// ---- writing ----

function varuint(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) throw UrchainError.BAD_INPUT(`ots: varuint ${n} out of range`);
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
const varbytes = (b: Uint8Array): Uint8Array => concat(Uint8Array.from(varuint(b.length)), b);

function attestationBytes(a: Attestation): Uint8Array {
  if (a.type === 'pending') {
    if (a.uri.length > MAX_URI || !URI_CHARS.test(a.uri)) throw UrchainError.BAD_INPUT(`ots: calendar URI ${JSON.stringify(a.uri.slice(0, 80))} is not allowed in a pending attestation`);
    return concat(PENDING_TAG, varbytes(varbytes(utf8(a.uri))));
  }
  if (a.type === 'bitcoin') return concat(BITCOIN_TAG, varbytes(Uint8Array.from(varuint(a.height))));
  return concat(a.tag, varbytes(a.payload));
}

function opBytes(op: Op): Uint8Array {
  const tag = Uint8Array.of(OP_TAGS[op.op]);
  return 'arg' in op ? concat(tag, varbytes(op.arg)) : tag;
}

function writeTimestamp(t: Timestamp, out: Uint8Array[]): void {
  if (t.items.length === 0) throw UrchainError.BAD_INPUT('ots: an empty timestamp cannot be written');
  t.items.forEach((it, i) => {
    if (i < t.items.length - 1) out.push(Uint8Array.of(0xff));
    if ('attestation' in it) out.push(Uint8Array.of(0x00), attestationBytes(it.attestation));
    else {
      out.push(opBytes(it.op));
      writeTimestamp(it.next, out);
    }
  });
}

export function serializeTimestamp(t: Timestamp): Uint8Array {
  const out: Uint8Array[] = [];
  writeTimestamp(t, out);
  return concat(...out);
}

export function serializeOts(d: DetachedTimestamp): Uint8Array {
  if (d.digest.length !== DIGEST_LEN[d.hashOp]) throw UrchainError.BAD_INPUT(`ots: a ${d.hashOp} digest has ${DIGEST_LEN[d.hashOp]} bytes, not ${d.digest.length}`);
  return concat(OTS_MAGIC, Uint8Array.from(varuint(OTS_VERSION)), Uint8Array.of(OP_TAGS[d.hashOp]), d.digest, serializeTimestamp(d.timestamp));
}

// ---- order, equality, merging ----

const opKey = (op: Op): Uint8Array => opBytes(op);
const sameOp = (a: Op, b: Op) => equal(opKey(a), opKey(b));
export const sameAttestation = (a: Attestation, b: Attestation) => equal(attestationBytes(a), attestationBytes(b));
/** An item's identity as sameItem sees it: its op (tag and argument) or its attestation, as bytes. */
function itemKey(it: Item): string {
  if ('op' in it) return `o${toHex(opBytes(it.op))}`;
  const a = it.attestation;
  // An unknown attestation is its tag and payload; the known kinds by what sameAttestation compares.
  return a.type === 'pending' ? `p${a.uri}` : a.type === 'bitcoin' ? `b${a.height}` : `u${toHex(a.tag)}:${toHex(a.payload)}`;
}

const sameItem = (a: Item, b: Item) => ('attestation' in a ? 'attestation' in b && sameAttestation(a.attestation, b.attestation) : 'op' in b && sameOp(a.op, b.op));

const tagOf = (a: Attestation) => (a.type === 'pending' ? PENDING_TAG : a.type === 'bitcoin' ? BITCOIN_TAG : a.tag);
/** python-opentimestamps' order: by tag across kinds; URI, height, or (tag, payload) within one. */
function compareAttestations(a: Attestation, b: Attestation): number {
  const t = compareBytes(tagOf(a), tagOf(b));
  if (t !== 0 || a.type !== b.type) return t;
  if (a.type === 'pending') return a.uri < (b as typeof a).uri ? -1 : a.uri > (b as typeof a).uri ? 1 : 0;
  if (a.type === 'bitcoin') return a.height - (b as typeof a).height;
  return compareBytes(a.payload, (b as typeof a).payload);
}
/** By tag, then by argument (python compares the op tuples). */
const compareOps = (a: Op, b: Op): number => OP_TAGS[a.op] - OP_TAGS[b.op] || ('arg' in a && 'arg' in b ? compareBytes(a.arg, b.arg) : 0);

/** Adds an item where python would write it (attestations first, each group in its order). */
function insertSorted(t: Timestamp, it: Item): Item {
  const existing = t.items.find((x) => sameItem(x, it));
  if (existing) return existing;
  const before = (x: Item) => {
    if ('attestation' in it) return 'op' in x || compareAttestations(it.attestation, x.attestation) < 0;
    return 'op' in x && compareOps(it.op, x.op) < 0;
  };
  const i = t.items.findIndex(before);
  t.items.splice(i < 0 ? t.items.length : i, 0, it);
  return it;
}

export function addAttestation(t: Timestamp, a: Attestation): void {
  insertSorted(t, { attestation: a });
}

/** The timestamp under `op` at this node, made empty if it is not there yet. */
export function addOp(t: Timestamp, op: Op): Timestamp {
  const it = insertSorted(t, { op, next: { items: [] } });
  return (it as { next: Timestamp }).next;
}

/** Merges `other` (a timestamp of the same message) into `t`, as python's Timestamp.merge. */
export function mergeTimestamp(t: Timestamp, other: Timestamp): void {
  for (const it of other.items) {
    if ('attestation' in it) addAttestation(t, it.attestation);
    else mergeTimestamp(addOp(t, it.op), it.next);
  }
}

export function removeAttestation(t: Timestamp, a: Attestation): void {
  t.items = t.items.filter((x) => !('attestation' in x && sameAttestation(x.attestation, a)));
}

// ---- evaluation ----

export interface Attested {
  attestation: Attestation;
  /** The message at the attestation: what it commits to. */
  commitment: Uint8Array;
  /** The node holding it (to merge an upgrade into, or drop a pending attestation from). */
  node: Timestamp;
  /** Operations from the root to it. */
  depth: number;
}

/** Every attestation with its commitment, in file order. */
export function attestations(t: Timestamp, msg: Uint8Array): Attested[] {
  const out: Attested[] = [];
  const walk = (node: Timestamp, m: Uint8Array, depth: number) => {
    for (const it of node.items) {
      if ('attestation' in it) out.push({ attestation: it.attestation, commitment: m, node, depth });
      else walk(it.next, applyOp(it.op, m), depth + 1);
    }
  };
  walk(t, msg, 0);
  return out;
}
