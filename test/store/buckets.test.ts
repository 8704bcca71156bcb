/**
 * The bytes each bucket stores, as fixtures: a change in a value codec is a change of the disk
 * format and shows here (these bytes are what the store wrote before the bucket table existed).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BUCKETS,
  blockCodec,
  batchCodec,
  headCodec,
  seqCodec,
  paramsCodec,
  idsCodec,
  recordCodec,
  recordPayload,
  placeCodec,
  recordKey,
  recordNumberOf,
  pendingKey,
  writeRecordNumber,
  RecordValues,
  entangleKey,
  countersignKey,
  isEntangleIndexKey,
  type Codec,
} from '../../src/store/buckets.js';
import { txCodec, locationCodec, FORMAT1_BUCKETS } from '../../src/store/format2.js';
import { isUrchainError } from '../../src/errors.js';
import { genesisHeader } from '../../src/chain/genesis.js';
import type { ChainParams } from '../../src/chain/params.js';
import { hex, toHex } from '../helpers.js';

const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
const params: ChainParams = { version: 1, name: 'c', created: 5, consensus: 'poa', authorities: [fill(32, 3)], threshold: 1, difficulty: 0, blockTime: 1000 };
const header = { ...genesisHeader(params), height: 1, prevHash: hex('a4ce7daa138437ea60825d8aec7e33cf4d0e96590cc5c603d82b483e7616633d') };

const golden = <V>(c: Codec<V>, v: V, bytes: string) => {
  assert.is(toHex(c.encode(v)), bytes);
  assert.is(toHex(c.encode(c.decode(hex(bytes)))), bytes, 'decodes to the same value');
};

test('every value codec writes the bytes the store has always written', () => {
  golden(
    blockCodec,
    { signed: { header, signatures: [{ key: fill(32, 5), sig: fill(64, 6) }, { key: fill(32, 7), sig: fill(64, 8) }] }, work: 12345678901234567890n, frontier: [fill(32, 1), fill(32, 2)] },
    '8458b18b0158200e0fc4fd9f63f463c1d1eadbb56b064d3a212825a1515ced1daf367afca2362e01055820a4ce7daa138437ea60825d8aec7e33cf4d0e96590cc5c603d82b483e7616633d5820e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855000000582000000000000000000000000000000000000000000000000000000000000000005820e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85582825820050505050505050505050505050505050505050505050505050505050505050558400606060606060606060606060' +
      '606060606060606060606060606060606060606060606060606060606060606060606060606060606060606060606060606060682582007070707070707070707070707070707070707070707070707070707070707075840080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808081bab54a98ceb1f0ad2825820010101010101010101010101010101010101010101010101010101010101010158200202020202020202020202020202020202020202020202020202020202020202',
  );
  golden(txCodec, { coreBytes: new Uint8Array([0x81]), batchRoot: fill(32, 7), index: 1 }, '8341815820070707070707070707070707070707070707070707070707070707070707070701');
  golden(
    batchCodec,
    { origin: fill(32, 3), signature: fill(64, 8), txIds: [fill(32, 1), fill(32, 2)] },
    '8358200303030303030303030303030303030303030303030303030303030303030303584008080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808080808584001010101010101010101010101010101010101010101010101010101010101010202020202020202020202020202020202020202020202020202020202020202',
  );
  golden(locationCodec, { blockHash: fill(32, 0xaa), height: 1, index: 1 }, '835820aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0101');
  golden(headCodec, { hash: fill(32, 0xaa), height: 1 }, '825820aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01');
  golden(seqCodec, 7, '07');
  golden(paramsCodec, params, '880161630563706f61815820030303030303030303030303030303030303030303030303030303030303030301001903e8');
  golden(idsCodec, [fill(32, 1), fill(32, 2)], '01'.repeat(32) + '02'.repeat(32));
});

test('format 2: a record is one binary value (payload bytes as they came), a place 8 bytes, a record number 8 bytes big-endian', () => {
  const head = (flags: string, core: string) => flags + '11'.repeat(32) + '07'.repeat(32) + '00000002' + core;
  golden(recordCodec, { txId: fill(32, 0x11), batchRoot: fill(32, 7), index: 2, coreBytes: new Uint8Array([0x81, 0x01]), payload: new Uint8Array([0xaa, 0xbb, 0xcc]) }, head('01', '00000002') + '8101' + 'aabbcc');
  golden(recordCodec, { txId: fill(32, 0x11), batchRoot: fill(32, 7), index: 2, coreBytes: new Uint8Array([0x81, 0x01]), payload: undefined }, head('00', '00000002') + '8101');
  // A kept payload of no bytes is still a kept payload.
  assert.is(recordPayload(recordCodec.encode({ txId: fill(32, 1), batchRoot: fill(32, 2), index: 0, coreBytes: new Uint8Array([1]), payload: new Uint8Array(0) }))?.length, 0);
  for (const bad of [head('00', '00000009') + '8101', head('02', '00000002') + '8101', '01', head('00', '00000002') + '810100'])
    assert.ok(isUrchainError(errorOf(() => recordCodec.decode(hex(bad))), 'STORE'), bad);
  golden(placeCodec, { height: 258, index: 3 }, '0000010200000003');
  assert.is(toHex(recordKey(1)), '0000000000000001');
  assert.is(toHex(recordKey(2 ** 32 + 5)), '0000000100000005', 'past 2^32');
  assert.is(recordNumberOf(recordKey(2 ** 53 - 1)), 2 ** 53 - 1);
  assert.ok(Buffer.compare(recordKey(255), recordKey(256)) < 0 && Buffer.compare(recordKey(2 ** 32 - 1), recordKey(2 ** 32)) < 0, 'byte order is numeric order');
});

test('a writer reusing one buffer (RecordValues, writeRecordNumber) writes the same bytes as the codec, record after record', () => {
  const values = new RecordValues();
  const rec = (core: number, payload: number | undefined, b: number) => ({ txId: fill(32, b), batchRoot: fill(32, b + 1), index: b, coreBytes: fill(core, b + 2), payload: payload === undefined ? undefined : fill(payload, b + 3) });
  // Small, larger than the first buffer, past the 1 MiB it keeps, then small again: each value
  // must be exactly its record's bytes, whatever the buffer held before.
  const recs = [rec(150, 1024, 1), rec(150, undefined, 2), rec(200, 9000, 3), rec(10, 2 ** 20 + 5, 4), rec(150, 1024, 5), rec(1, 0, 6)];
  for (const r of recs) assert.is(toHex(values.encode(r)), toHex(recordCodec.encode(r)), `core ${r.coreBytes.length}, payload ${r.payload?.length}`);
  assert.ok(isUrchainError(errorOf(() => values.encode({ ...recs[0], payload: 'x' as never })), 'STORE'), 'a payload that is not bytes');
  const k = Buffer.alloc(8);
  for (const n of [0, 7, 2 ** 32 + 5]) assert.is(toHex(writeRecordNumber(n, k)), toHex(recordKey(n)));
});

const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};

test('bucket names and key encodings are the disk format; each name once', () => {
  const rows = Object.values(BUCKETS).map((b) => `${b.name}:${b.key}:${b.value}${b.dupSort ? ':dup' : ''}`);
  assert.equal(rows, [
    'meta:ordered-binary:binary',
    'blocks:binary:binary',
    'bodies:binary:binary',
    'heights:uint32:binary',
    'records:binary:binary',
    'recordnumbers:binary:binary',
    'txruns:binary:binary',
    'txfences:binary:binary',
    'batches:binary:binary',
    'placedruns:binary:binary',
    'products:ordered-binary:binary:dup',
    'idem:ordered-binary:binary',
    'entangle:ordered-binary:binary',
    'levels:binary:binary',
  ]);
  // A layout that changed took a new name: no name of format 1's per-record buckets is reused.
  const names = new Set(Object.values(BUCKETS).map((b) => b.name));
  for (const b of Object.values(FORMAT1_BUCKETS)) assert.not.ok(names.has(b.name), b.name);
  assert.is(names.size, Object.keys(BUCKETS).length);
});

test('entanglement index keys sort by height and never look like client keys', () => {
  const signer = 'ab'.repeat(32);
  assert.is(entangleKey(signer, 7), `entangle:${signer}:000000000000007`);
  assert.is(countersignKey(12, 'cd'), 'countersign:000000000000012:cd');
  assert.ok(entangleKey(signer, 9) < entangleKey(signer, 10));
  assert.ok(isEntangleIndexKey(entangleKey(signer, 1)) && isEntangleIndexKey(countersignKey(1, 'x')));
  assert.not.ok(isEntangleIndexKey('client:entangle:x'));
});

test.run();
