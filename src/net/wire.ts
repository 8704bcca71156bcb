/**
 * @module net/wire
 * Messages between the nodes of one network, one per WebSocket binary message, each a canonical
 * CBOR array whose first element is the type. Decoding checks every field's type and size, so a
 * malformed message is refused before anything acts on it.
 *
 *   1  HELLO       [1, version, chainId, nodeKey, nonce, role, listen, membersSerial, height, headHash]
 *   2  AUTH        [2, signature, memberList | h'']   signature = Ed25519(nodeKey, "urchain/link/v1" ||
 *                                                    H([peerNonce, nodeKey, peerKey, chainId]))
 *   3  GET_PEERS   [3]
 *   4  PEERS       [4, [[key, listen, role], ...]]
 *   5  BATCH       [5, batch]            batch = [origin, signature, [[core] | [core, payload], ...]]
 *   6  BLOCK       [6, block]            block = [header, [[key, sig], ...], txIds (32 bytes each, concatenated)]
 *   7  GET_BLOCKS  [7, [locator hash, ...], max]
 *   8  BLOCKS      [8, [block, ...], [batch, ...]]
 *   9  GET_TXS     [9, [txId, ...], wantPayloads (0|1)]
 *   10 TXS         [10, [batch, ...]]
 *   11 GET_PAYLOAD [11, txId]
 *   12 PAYLOAD     [12, txId, payload | h'', found (0|1)]
 *   13 MEMBERS     [13, memberList]
 *   15 ERROR       [15, code, message]
 *   16 SIGN_REQ    [16, block]           a producer asks the other authorities to countersign (PoA, k > 1)
 *   17 SIG         [17, blockHash, signature | h'', refusal reason | ""]
 */
import { encode, decode, asArray, asUint, asBytes, asText, type CborValue } from '../codec/cbor.js';
import { concatAll, split32 } from '../codec/bytes.js';
import { decodeHeader, encodeHeader, sigsToCbor, sigsFromCbor, type SignedHeader } from '../chain/header.js';
import { UrchainError } from '../errors.js';

export const WIRE_VERSION = 1;
export const MAX_MESSAGE = 64 * 1024 * 1024;
export const MAX_LOCATOR = 64;
export const MAX_BLOCKS_PER_REPLY = 200;
export const MAX_TXS_PER_REQUEST = 100_000;

export const Msg = {
  HELLO: 1,
  AUTH: 2,
  GET_PEERS: 3,
  PEERS: 4,
  BATCH: 5,
  BLOCK: 6,
  GET_BLOCKS: 7,
  BLOCKS: 8,
  GET_TXS: 9,
  TXS: 10,
  GET_PAYLOAD: 11,
  PAYLOAD: 12,
  MEMBERS: 13,
  ERROR: 15,
  SIGN_REQ: 16,
  SIG: 17,
} as const;

export interface WireBatch {
  origin: Uint8Array;
  signature: Uint8Array;
  txs: { core: Uint8Array; payload?: Uint8Array }[];
}

export interface WireBlock {
  signed: SignedHeader;
  txIds: Uint8Array[];
}

export interface Hello {
  version: number;
  chainId: Uint8Array;
  nodeKey: Uint8Array;
  nonce: Uint8Array;
  role: string;
  listen: string;
  membersSerial: number;
  height: number;
  headHash: Uint8Array;
}

export const batchToCbor = (b: WireBatch): CborValue => [b.origin, b.signature, b.txs.map((t) => (t.payload ? [t.core, t.payload] : [t.core]))];
export const blockToCbor = (b: WireBlock): CborValue => [encodeHeader(b.signed.header), sigsToCbor(b.signed.signatures), concatAll(b.txIds)]; // not a spread: a block may hold 1,000,000 ids

export function batchFromCbor(v: CborValue): WireBatch {
  const a = asArray(v, 3, 'batch');
  const txs = a[2];
  if (!Array.isArray(txs) || txs.length === 0) throw UrchainError.BAD_INPUT('batch: expected a non-empty array of transactions');
  return {
    origin: asBytes(a[0], 'origin', 32),
    signature: asBytes(a[1], 'signature', 64),
    txs: txs.map((t) => {
      if (!Array.isArray(t) || (t.length !== 1 && t.length !== 2)) throw UrchainError.BAD_INPUT('batch tx: expected [core] or [core, payload]');
      return t.length === 2 ? { core: asBytes(t[0], 'core'), payload: asBytes(t[1], 'payload') } : { core: asBytes(t[0], 'core') };
    }),
  };
}

export function blockFromCbor(v: CborValue): WireBlock {
  const a = asArray(v, 3, 'block');
  const sigs = a[1];
  if (!Array.isArray(sigs) || sigs.length > 256) throw UrchainError.BAD_INPUT('block: signatures must be an array of at most 256');
  const ids = asBytes(a[2], 'txIds');
  if (ids.length % 32) throw UrchainError.BAD_INPUT('block: txIds length is not a multiple of 32');
  return {
    signed: {
      header: decodeHeader(asBytes(a[0], 'header')),
      signatures: sigsFromCbor(sigs),
    },
    txIds: split32(ids),
  };
}

export function helloToCbor(h: Hello): CborValue {
  return [Msg.HELLO, h.version, h.chainId, h.nodeKey, h.nonce, h.role, h.listen, h.membersSerial, h.height, h.headHash];
}

export function helloFromCbor(a: CborValue[]): Hello {
  asArray(a, 10, 'HELLO');
  return {
    version: asUint(a[1], 'version'),
    chainId: asBytes(a[2], 'chainId', 32),
    nodeKey: asBytes(a[3], 'nodeKey', 32),
    nonce: asBytes(a[4], 'nonce', 32),
    role: asText(a[5], 'role'),
    listen: asText(a[6], 'listen'),
    membersSerial: asUint(a[7], 'membersSerial'),
    height: asUint(a[8], 'height'),
    headHash: asBytes(a[9], 'headHash', 32),
  };
}

export const encodeMsg = (v: CborValue[]): Uint8Array => encode(v);

/** The head of a BATCH message as a canonical encoder writes it: [5, [origin, signature, [...]]]. */
const BATCH_HEAD = [0x82, Msg.BATCH, 0x83, 0x58, 32];
const SIG_AT = BATCH_HEAD.length + 32;

/**
 * The origin, signature and number of transactions of a BATCH message, read from its first
 * ~100 bytes without decoding the rest; undefined when the message does not start as a BATCH
 * does. It only serves to recognise a copy of a batch already taken, so a malformed message
 * that passes it is dropped as that copy would be, and any other goes to the full decoder.
 */
export function peekBatch(raw: Uint8Array): { origin: Uint8Array; signature: Uint8Array; count: number } | undefined {
  for (let i = 0; i < BATCH_HEAD.length; i++) if (raw[i] !== BATCH_HEAD[i]) return undefined;
  let p = SIG_AT;
  if (raw[p] !== 0x58 || raw[p + 1] !== 64) return undefined;
  p += 2 + 64;
  const ib = raw[p];
  if (ib === undefined || ib >> 5 !== 4) return undefined;
  const ai = ib & 31;
  const size = ai < 24 ? 0 : ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : -1;
  if (size < 0 || p + 1 + size > raw.length) return undefined;
  let count = ai < 24 ? ai : 0;
  for (let i = 1; i <= size; i++) count = count * 256 + raw[p + i];
  return { origin: raw.subarray(BATCH_HEAD.length, SIG_AT), signature: raw.subarray(SIG_AT + 2, SIG_AT + 66), count };
}

/**
 * Data items one message may hold: 64 plus one per 8 bytes. Every honest message has fewer (its
 * smallest repeated item, a 32-byte id, takes 34 bytes); without the bound a message of empty
 * arrays (one byte each) would decode into some 50 bytes of memory per byte received.
 */
export const itemBudget = (bytes: number) => 64 + Math.floor(bytes / 8);

/**
 * Decodes one message into [type, ...fields]; BAD_INPUT/BAD_ENCODING when it is not one. The
 * decoder is urchain's strict canonical CBOR (integers, byte and text strings, arrays only: no
 * maps, tags, shared references or floats), which counts the items at each array's head,
 * before it builds the array: one pass, nothing built beyond the budget.
 */
export function decodeMsg(bytes: Uint8Array): CborValue[] {
  const v = decode(bytes, itemBudget(bytes.length));
  if (!Array.isArray(v) || v.length === 0 || typeof v[0] !== 'number') throw UrchainError.BAD_INPUT('message: expected [type, ...]');
  return v;
}
