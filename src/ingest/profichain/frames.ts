/**
 * @module ingest/profichain/frames
 * Profichain framing (urchain-profichain(7)). A frame on the wire is
 *
 *   length (4 bytes, big-endian, counts what follows) || type (1 byte) || body
 *
 * and every body is canonical CBOR (the same subset as urchain-formats(5)). Types:
 *
 *   0x01 HELLO    client -> node   [versions, clientName, tier1, clientEph]
 *   0x02 WELCOME  node -> client   [version, nodeKey, chainId, maxFrame, tier1, nodeEph]
 *   0x03 SUBMIT   client -> node   [[id, kind, meta, payload, key], ...]
 *   0x04 RECEIPT  node -> client   [id, txId, batchRoot, timestamp, seq, duplicate]
 *   0x05 ERROR    either way       [id, code, message]          (id 0: the connection)
 *   0x06 PING / 0x07 PONG          [n]
 *   0x10 SEALED   either way       seq (8 bytes) || AES-256-GCM(inner frame type || body)
 */
import { CborWriter, decode, type CborValue } from '../../codec/cbor.js';
import { UrchainError } from '../../errors.js';

export const PROTOCOL_VERSION = 1;
export const FrameType = {
  HELLO: 0x01,
  WELCOME: 0x02,
  SUBMIT: 0x03,
  RECEIPT: 0x04,
  ERROR: 0x05,
  PING: 0x06,
  PONG: 0x07,
  SEALED: 0x10,
} as const;
export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];
const KNOWN = new Set<number>(Object.values(FrameType));

export interface Frame {
  type: number;
  body: Uint8Array;
}

/** One writer for every frame (encoding runs no callbacks): the body is encoded behind room for the head, copied out once. */
let fw = new CborWriter(64 * 1024);

export function frame(type: number, body: CborValue | Uint8Array, raw = false): Buffer {
  if (raw) {
    const b = body as Uint8Array;
    const out = Buffer.allocUnsafe(5 + b.length);
    out.writeUInt32BE(1 + b.length, 0);
    out[4] = type;
    out.set(b, 5);
    return out;
  }
  fw.len = 0; // a call that threw may have left bytes behind
  fw.ensure(5);
  fw.len = 5;
  fw.value(body as CborValue);
  const n = fw.len - 4;
  const h = fw.buf;
  h[0] = n >>> 24;
  h[1] = (n >>> 16) & 0xff;
  h[2] = (n >>> 8) & 0xff;
  h[3] = n & 0xff;
  h[4] = type;
  const out = fw.take();
  if (fw.buf.length > 1 << 22) fw = new CborWriter(64 * 1024); // do not keep a huge buffer for ever
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}

export function decodeBody(f: Frame): CborValue {
  try {
    return decode(f.body);
  } catch (e) {
    throw UrchainError.BAD_ENCODING(`frame 0x${f.type.toString(16)}: ${(e as Error).message}`);
  }
}

/**
 * Incremental parser: feed it socket chunks, get whole frames. A length over `maxFrame`, a zero
 * length or an unknown type is an error at once, before the body arrives. `push` yields frames
 * one at a time, so a limit raised while handling one frame (HELLO) applies to the next one even
 * when both came in the same chunk.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  constructor(private maxFrame: number) {}
  setMax(n: number) {
    this.maxFrame = n;
  }
  get pending(): number {
    return this.buffered;
  }
  /** The whole size (length field included) of the frame being read, once its length is known; else 0. */
  get expected(): number {
    return this.buffered < 5 ? 0 : 4 + this.peek(5).readUInt32BE(0);
  }
  *push(chunk: Buffer): Generator<Frame> {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < 5) break;
      const head = this.peek(5);
      const len = head.readUInt32BE(0);
      if (len === 0) throw UrchainError.BAD_INPUT('frame of length 0');
      if (len > this.maxFrame) throw UrchainError.TOO_LARGE(`frame of ${len} bytes exceeds the limit of ${this.maxFrame}`);
      if (!KNOWN.has(head[4])) throw UrchainError.BAD_INPUT(`unknown frame type 0x${head[4].toString(16)}`);
      if (this.buffered < 4 + len) break;
      const all = this.take(4 + len);
      yield { type: all[4], body: new Uint8Array(all.buffer, all.byteOffset + 5, len - 1) };
    }
  }
  /** The first n bytes (n <= buffered): a view when the first chunk holds them, else a copy of just those bytes. */
  private peek(n: number): Buffer {
    const c0 = this.chunks[0];
    if (c0.length >= n) return c0.subarray(0, n);
    return this.gather(n, false);
  }
  /**
   * Takes the first n bytes (n <= buffered) off the front. A frame inside one chunk is a view of
   * it; a frame spread over chunks is copied once into a buffer of its own size. Only the chunks
   * it covers are touched: the chunks behind it (more frames, often) are never copied along.
   */
  private take(n: number): Buffer {
    const c0 = this.chunks[0];
    let out: Buffer;
    if (c0.length >= n) {
      out = c0.subarray(0, n);
      if (c0.length === n) this.chunks.shift();
      else this.chunks[0] = c0.subarray(n);
    } else out = this.gather(n, true);
    this.buffered -= n;
    return out;
  }
  /** Copies the first n bytes out of the chunks; with `consume`, drops them from the chunks. */
  private gather(n: number, consume: boolean): Buffer {
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    let i = 0;
    while (at < n) {
      const c = this.chunks[i];
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (!consume) i++;
      else if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
