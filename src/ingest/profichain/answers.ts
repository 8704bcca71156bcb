/**
 * @module ingest/profichain/answers
 * The answers to one SUBMIT (a RECEIPT or an ERROR frame per record, urchain-profichain(7)) as
 * the bytes of those frames, one after the other, in one buffer: the node writes them to the
 * socket at once. Byte for byte what `frame(type, body)` gives per answer (canonical CBOR, the
 * same writer), without a body array, an encoder call and a buffer per record.
 */
import { CborWriter } from '../../codec/cbor.js';
import { FrameType } from './frames.js';

/** What the node's intake hands back for a durable record (node/receipt Durable has these fields). */
export interface Taken {
  txId: Uint8Array;
  timestamp: number;
  seq: number;
  duplicate: boolean;
  batch: { root: Uint8Array };
}

/** One record's answer: its RECEIPT, or the ERROR frame's code and message. */
export type Answer = { id: number; taken: Taken } | { id: number; code: string; message: string };

/** One writer for every connection: encoding runs no callbacks, so calls never overlap. */
let w = new CborWriter(64 * 1024);

/** The inner frame type and CBOR body of one answer (a sealed session seals each on its own). */
export function answerBody(a: Answer): { type: number; body: Uint8Array } {
  w.len = 0;
  const type = writeBody(a);
  return { type, body: w.take() };
}

/** The frames of all the answers, in order, in one buffer. */
export function answerFrames(answers: readonly Answer[]): Uint8Array {
  w.len = 0; // an earlier call that threw may have left bytes behind
  for (const a of answers) {
    const at = w.len;
    w.ensure(5);
    w.len += 5; // length and type, filled in below
    const type = writeBody(a);
    const n = w.len - at - 4; // the length counts the type byte and the body
    const b = w.buf;
    b[at] = n >>> 24;
    b[at + 1] = (n >>> 16) & 0xff;
    b[at + 2] = (n >>> 8) & 0xff;
    b[at + 3] = n & 0xff;
    b[at + 4] = type;
  }
  const out = w.take();
  if (w.buf.length > 1 << 22) w = new CborWriter(64 * 1024); // do not keep a huge buffer for ever
  return out;
}

function writeBody(a: Answer): number {
  if ('taken' in a) {
    const t = a.taken;
    // RECEIPT [id, txId, batchRoot, timestamp, seq, duplicate]
    w.head(4, 6);
    w.head(0, a.id);
    w.byteString(t.txId);
    w.byteString(t.batch.root);
    w.head(0, t.timestamp);
    w.head(0, t.seq);
    w.head(0, t.duplicate ? 1 : 0);
    return FrameType.RECEIPT;
  }
  // ERROR [id, code, message]
  w.head(4, 3);
  w.head(0, a.id);
  w.text(a.code);
  w.text(a.message);
  return FrameType.ERROR;
}
