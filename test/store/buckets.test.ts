/**
 * The bytes each bucket stores, as fixtures: a change in a value codec is a change of the disk
 * format and shows here (these bytes are what the store wrote before the bucket table existed).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUCKETS, blockCodec, txCodec, batchCodec, locationCodec, headCodec, seqCodec, paramsCodec, idsCodec, entangleKey, countersignKey, isEntangleIndexKey, type Codec } from '../../src/store/buckets.js';
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

test('bucket names and key encodings are the disk format; each name once', () => {
  const rows = Object.values(BUCKETS).map((b) => `${b.name}:${b.key}:${b.value}${b.dupSort ? ':dup' : ''}`);
  assert.equal(rows, [
    'meta:ordered-binary:binary',
    'blocks:binary:binary',
    'bodies:binary:binary',
    'heights:uint32:binary',
    'txs:binary:binary',
    'batches:binary:binary',
    'payloads:binary:binary',
    'locations:binary:binary',
    'pending:binary:ordered-binary',
    'products:ordered-binary:binary:dup',
    'idem:ordered-binary:binary',
    'entangle:ordered-binary:binary',
    'levels:binary:binary',
  ]);
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
