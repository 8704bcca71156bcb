/**
 * Network messages are decoded strictly and within bounds: the canonical CBOR decoder (no maps,
 * tags, shared references or floats), and at most 64 + bytes/8 data items per message, counted
 * before anything is built, so a message of empty arrays cannot turn a few MiB received into
 * hundreds of MiB of objects. Honest messages at their limits stay well inside the bound.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Msg, decodeMsg, encodeMsg, itemBudget, MAX_TXS_PER_REQUEST, blockToCbor, blockFromCbor, batchToCbor, peekBatch } from '../../src/net/wire.js';
import { genesisHeader } from '../../src/chain/genesis.js';
import type { ChainParams } from '../../src/chain/params.js';
import { UrchainError } from '../../src/errors.js';

const W = suite('wire');

const refused = (bytes: Uint8Array, why: RegExp) => {
  try {
    decodeMsg(bytes);
  } catch (e) {
    assert.instance(e, UrchainError);
    assert.match((e as Error).message, why);
    return;
  }
  assert.unreachable('decoded');
};

W('a message of many tiny items is refused before it is built', () => {
  const n = 1_000_000;
  const b = new Uint8Array(6 + n);
  b.set([0x9a, 0, 0, 0, 0, Msg.TXS]); // [10, [], [], ...]: an array of n + 1 items
  new DataView(b.buffer).setUint32(1, n + 1);
  b.fill(0x80, 6);
  refused(b, /data items/);
  // the same with single-byte integers, and nested one level down
  b.fill(0x00, 6);
  refused(b, /data items/);
  const nested = new Uint8Array(8 + n);
  nested.set([0x82, Msg.TXS, 0x9a]);
  new DataView(nested.buffer).setUint32(3, n);
  nested.fill(0x80, 7);
  refused(nested.subarray(0, 7 + n), /data items/);
});

W('honest messages at their limits decode', () => {
  const ids = Array.from({ length: MAX_TXS_PER_REQUEST }, () => new Uint8Array(32));
  const getTxs = encodeMsg([Msg.GET_TXS, ids, 1]);
  assert.ok(MAX_TXS_PER_REQUEST + 3 <= itemBudget(getTxs.length));
  assert.is((decodeMsg(getTxs)[1] as Uint8Array[]).length, MAX_TXS_PER_REQUEST);
  const peers = encodeMsg([Msg.PEERS, Array.from({ length: 10_000 }, () => [new Uint8Array(32), '10.0.0.1:7401', 'thin'])]);
  assert.is((decodeMsg(peers)[1] as unknown[]).length, 10_000);
  for (const small of [[Msg.GET_PEERS], [Msg.SIG, new Uint8Array(32), new Uint8Array(0), ''], [Msg.ERROR, 'BAD_INPUT', 'x']]) assert.equal(decodeMsg(encodeMsg(small)), small);
});

W('anything but canonical CBOR arrays of a type is refused', () => {
  refused(new Uint8Array([0xa1, 0x01, 0x02]), /major type 5/); // a map
  refused(new Uint8Array([0x82, 0xd8, 0x1c, 0x80, 0x01]), /major type 6/); // tag 28 (shared reference)
  refused(new Uint8Array([0x81, 0xf9, 0x3c, 0x00]), /major type 7|additional info/); // a float
  refused(new Uint8Array([0x9f, 0x01, 0xff]), /indefinite/);
  refused(new Uint8Array([0x81, 0x18, 0x03]), /shortest/);
  refused(new Uint8Array([0x81, 0x03, 0x00]), /trailing/);
  refused(new Uint8Array([0x80]), /expected \[type/);
});

W('a block of a million transactions goes on the wire (its ids were once spread as arguments: RangeError)', () => {
  const params: ChainParams = { version: 1, name: 'c', created: 5, consensus: 'poa', authorities: [new Uint8Array(32).fill(3)], threshold: 1, difficulty: 0, blockTime: 1000 };
  const txIds = Array.from({ length: 1_000_000 }, (_, i) => {
    const id = new Uint8Array(32);
    new DataView(id.buffer).setUint32(0, i);
    return id;
  });
  const cbor = blockToCbor({ signed: { header: genesisHeader(params), signatures: [] }, txIds });
  const back = blockFromCbor(cbor as never);
  assert.is(back.txIds.length, 1_000_000);
  assert.equal(back.txIds[999_999], txIds[999_999]);
});

W('peekBatch reads the origin, signature and size of a BATCH from its head, and nothing else', () => {
  const origin = new Uint8Array(32).fill(5);
  const signature = new Uint8Array(64).fill(6);
  for (const n of [1, 23, 24, 255, 256, 70_000]) {
    const raw = encodeMsg([Msg.BATCH, batchToCbor({ origin, signature, txs: Array.from({ length: n }, () => ({ core: new Uint8Array([n & 0xff]) })) })]);
    const h = peekBatch(raw);
    assert.ok(h, `a batch of ${n}`);
    assert.equal([h.origin, h.signature, h.count], [origin, signature, n]);
  }
  assert.is(peekBatch(encodeMsg([Msg.TXS, []])), undefined);
  assert.is(peekBatch(encodeMsg([Msg.BATCH, [origin, new Uint8Array(63), [[new Uint8Array(1)]]]])), undefined, 'a signature of another size');
  assert.is(peekBatch(new Uint8Array([0x82, Msg.BATCH, 0x83])), undefined, 'cut short');
});

W.run();
