/**
 * The frame reader (ingest/profichain/frames.ts) gives the same frames however the bytes are cut
 * into chunks: one byte at a time, a frame's head split from its body, many frames in one chunk,
 * a frame over many chunks; and `frame` writes length, type and canonical CBOR.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import { FrameReader, FrameType, frame, decodeBody } from '../../src/ingest/profichain/frames.js';
import { encode } from '../../src/codec/cbor.js';

// About 40 KB in 30 frames of 1 to 25 records: small enough to feed one byte at a time.
const frames = Array.from({ length: 30 }, (_, i) =>
  frame(FrameType.SUBMIT, Array.from({ length: 1 + (i % 7) * 4 }, (_, j) => [j + 1, 'record', [], crypto.randomBytes((i * 37 + j * 11) % 300), ''])),
);
const stream = Buffer.concat(frames);

function readAll(cuts: number[]): Buffer[] {
  const r = new FrameReader(1 << 24);
  const got: Buffer[] = [];
  let at = 0;
  for (const n of cuts) {
    for (const f of r.push(stream.subarray(at, at + n))) got.push(frame(f.type, f.body, true));
    at += n;
  }
  assert.is(at, stream.length);
  assert.is(r.pending, 0);
  return got;
}

const cutsOf = (sizes: () => number) => {
  const cuts: number[] = [];
  for (let left = stream.length; left > 0; ) {
    const n = Math.min(left, Math.max(1, sizes()));
    cuts.push(n);
    left -= n;
  }
  return cuts;
};

test('the same frames whatever the chunks: 1 byte, 3 bytes (heads split), random, 8 KiB, all at once', () => {
  const want = frames.map((f) => f.toString('hex'));
  for (const sizes of [() => 1, () => 3, () => 1 + Math.floor(Math.random() * 3000), () => 8192, () => stream.length]) {
    const got = readAll(cutsOf(sizes)).map((f) => f.toString('hex'));
    assert.equal(got, want);
  }
});

test('frame: 4-byte big-endian length of type and body, the type, canonical CBOR', () => {
  const body = [7, 'text', new Uint8Array([1, 2, 3]), [1, 2 ** 40]];
  const f = frame(FrameType.RECEIPT, body);
  const cbor = encode(body);
  assert.is(f.readUInt32BE(0), 1 + cbor.length);
  assert.is(f[4], FrameType.RECEIPT);
  assert.is(Buffer.from(f.subarray(5)).toString('hex'), Buffer.from(cbor).toString('hex'));
  assert.is(Buffer.from(encode(decodeBody({ type: f[4], body: f.subarray(5) }))).toString('hex'), Buffer.from(cbor).toString('hex'));
  // The shared writer leaves nothing behind: the next frame is just as exact.
  assert.is(frame(FrameType.PING, [1]).toString('hex'), '00000003' + '06' + '8101');
});

test.run();
