/**
 * Store format 2 on a REAL format-1 folder (fixtures/format1, written by the format-1 code,
 * test/store/makeFormat1.ts): refused until migrated, then every Store answer and the audit are
 * what they were before the migration, the old buckets are gone, and the store goes on taking
 * records in. And the format's own promises: records appended in arrival order (pages full, not
 * split), numbers past 2^32, a repended record back where it arrived.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';
import { LmdbStore } from '../../src/store/lmdb.js';
import { BUCKETS, FORMAT3_BUCKETS, FORMAT4_BUCKETS, recordKey, recordNumberOf, recordTxId } from '../../src/store/buckets.js';
import { FORMAT1_BUCKETS } from '../../src/store/format2.js';
import { FORMAT_STEPS } from '../../src/store/format.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { isUrchainError } from '../../src/errors.js';
import type { ChainParams } from '../../src/chain/params.js';
import type { IngestWrite } from '../../src/store/types.js';
import { dumpStore, type DumpKeys } from './storeDump.js';
import { tmpDir, cleanup, root, toHex } from '../helpers.js';

test.after(() => cleanup());

const FIXTURE = path.join(root, 'test', 'store', 'fixtures', 'format1');
const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'format1.json'), 'utf8')) as { keys: DumpKeys; dump: ReturnType<typeof dumpStore> };

/** A copy of the format-1 fixture folder. */
function format1Folder(): string {
  const dir = tmpDir();
  fs.copyFileSync(path.join(FIXTURE, 'chain.lmdb'), path.join(dir, 'chain.lmdb'));
  return dir;
}

/** The database names in a folder's environment. */
async function dbNames(dir: string): Promise<string[]> {
  const env = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 16, compression: false, encoding: 'binary', readOnly: true } as never);
  try {
    return [...env.getKeys()].map(String).sort();
  } finally {
    await env.close();
  }
}

test('a format-1 folder: refused until migrated; after migrate every Store answer and the audit are as before, the old buckets gone', async () => {
  const dir = format1Folder();
  const before = await dbNames(dir);
  for (const b of Object.values(FORMAT1_BUCKETS)) assert.ok(before.includes(b.name), `the fixture has ${b.name}`);
  for (const ro of [true, false])
    try {
      await (await LmdbStore.open(dir, { readOnly: ro })).close();
      assert.unreachable('a format-1 store was opened');
    } catch (e) {
      assert.ok(isUrchainError(e, 'BAD_CHAIN'), String(e));
      assert.match((e as Error).message, /store format 1, older than this urchain's format 5; .*urchain migrate/);
    }
  assert.equal(await dbNames(dir), before, 'the refusals wrote nothing');

  const r = await LmdbStore.migrate(dir);
  assert.equal(r, { from: 1, to: 5, steps: FORMAT_STEPS.map(({ from, to, about }) => ({ from, to, about })), stamped: false });
  const after = await dbNames(dir);
  for (const b of Object.values(FORMAT1_BUCKETS)) assert.not.ok(after.includes(b.name), `${b.name} dropped`);
  for (const b of [BUCKETS.records, BUCKETS.txNumbers, BUCKETS.runs, BUCKETS.txRuns, BUCKETS.txFences]) assert.ok(after.includes(b.name), b.name);
  assert.not.ok(after.includes(FORMAT4_BUCKETS.recent.name), 'recentnumbers dropped (format 5)');
  for (const b of Object.values(FORMAT3_BUCKETS)) assert.not.ok(after.includes(b.name), `${b.name} dropped`);

  for (const ro of [true, false]) {
    const s = await LmdbStore.open(dir, { readOnly: ro });
    try {
      assert.is(s.format(), 5);
      assert.equal(dumpStore(s, fixture.keys), fixture.dump);
    } finally {
      await s.close();
    }
  }
  assert.equal(await LmdbStore.migrate(dir), { from: 5, to: 5, steps: [], stamped: false }, 'a second run does nothing');
});

test('a format-1 folder from before versions (no format row) migrates the same way', async () => {
  const dir = format1Folder();
  const env = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 16, compression: false, encoding: 'binary' } as never);
  await env.openDB({ name: BUCKETS.meta.name, encoding: 'binary', keyEncoding: 'ordered-binary' } as never).remove('format');
  await env.close();
  assert.equal((await LmdbStore.migrate(dir)).steps.length, 4);
  const s = await LmdbStore.open(dir, { readOnly: true });
  assert.equal(dumpStore(s, fixture.keys), fixture.dump);
  await s.close();
});

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'f2', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
const id = (n: number) => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(0, n + 1);
  return b;
};
function ingest(ns: number[], payloadBytes = 3): IngestWrite {
  const ids = ns.map(id);
  const b = signBatch(ids, key);
  return {
    batchRoot: b.root,
    batch: { origin: key.publicKey, signature: b.signature, txIds: ids },
    txs: ns.map((n, index) => ({ txId: id(n), coreBytes: new Uint8Array([0x82, n & 0xff, index & 0xff]), index, payload: new Uint8Array(payloadBytes).fill(n & 0xff) })),
  };
}

test('the migrated store goes on: a new record is numbered after every old one and queues behind the old pool; a block takes it', async () => {
  const dir = format1Folder();
  await LmdbStore.migrate(dir);
  const s = await LmdbStore.open(dir);
  try {
    const oldPending = s.pending().map(toHex);
    await s.commitIngest(ingest([900]));
    assert.equal(s.pending().map(toHex), [...oldPending, toHex(id(900))]);
    assert.equal([...s.getPayload(id(900))!], [900 & 0xff, 900 & 0xff, 900 & 0xff]);
  } finally {
    await s.close();
  }
  const env = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 16, compression: false, encoding: 'binary', readOnly: true } as never);
  try {
    const numbers = env.openDB({ name: BUCKETS.txNumbers.name, encoding: 'binary', keyEncoding: 'binary' } as never);
    const records = env.openDB({ name: BUCKETS.records.name, encoding: 'binary', keyEncoding: 'binary' } as never);
    // Format 5: a new record is appended to records only; it is recent (numbered from meta
    // recentfrom on), not in recordnumbers.
    const meta = env.openDB({ name: BUCKETS.meta.name, encoding: 'binary', keyEncoding: 'ordered-binary' } as never);
    const from = recordNumberOf(meta.get('recentfrom') as Buffer);
    const n = Object.keys(fixture.dump.txs).length;
    assert.is(from, n, 'every migrated record is in recordnumbers: recent from the next number');
    assert.is(toHex(recordTxId(records.get(recordKey(n)) as Buffer)), toHex(id(900)), 'numbered right after the 48 migrated records (0..47)');
    assert.is(numbers.get(Buffer.from(id(900))), undefined, 'not merged');
    assert.is(records.getKeysCount(), n + 1);
  } finally {
    await env.close();
  }
});

test('records are appended: 1 KiB records fill their pages (three to a 4 KiB page), no half-empty splits', async () => {
  const s = await LmdbStore.open(tmpDir());
  try {
    await s.initChain(params, genesisWrite(params));
    for (let b = 0; b < 6; b++) await s.commitIngest(ingest(Array.from({ length: 500 }, (_, i) => b * 500 + i), 1024));
    const st = (s as unknown as { records: { getStats(): { treeLeafPageCount: number; entryCount: number; pageSize: number } } }).records.getStats();
    assert.is(st.entryCount, 3000);
    const perPage = Math.floor((st.pageSize - 16) / (8 + 8 + 73 + 3 + 1024));
    assert.ok(st.treeLeafPageCount <= Math.ceil(3000 / perPage) + 2, `${st.treeLeafPageCount} leaf pages for 3000 records, ${perPage} fit a page`);
  } finally {
    await s.close();
  }
});

test('record numbers go past 2^32 and keep their order; a repended record goes back where it arrived', async () => {
  const dir = tmpDir();
  let s = await LmdbStore.open(dir);
  await s.initChain(params, genesisWrite(params));
  await s.commitIngest(ingest([1, 2]));
  await s.close();
  // A store that has taken in 2^32 + 6 records (its last number written raw).
  const env = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 16, compression: false, encoding: 'binary' } as never);
  const records = env.openDB({ name: BUCKETS.records.name, encoding: 'binary', keyEncoding: 'binary' } as never);
  const numbers = env.openDB({ name: BUCKETS.txNumbers.name, encoding: 'binary', keyEncoding: 'binary' } as never);
  const first = records.get(recordKey(1)) as Buffer;
  await env.transaction(() => {
    records.putSync(recordKey(2 ** 32 + 5), first);
    records.removeSync(recordKey(1));
    numbers.putSync(Buffer.from(id(2)), recordKey(2 ** 32 + 5));
  });
  await env.close();
  s = await LmdbStore.open(dir);
  try {
    await s.commitIngest(ingest([3, 4]));
    assert.equal(s.pending().map(toHex), [1, 2, 3, 4].map((n) => toHex(id(n))));
    assert.equal(s.getTx(id(4))!.coreBytes, new Uint8Array([0x82, 4, 1]));
    // 1, 3 in a block; then a reorganisation takes it off: both back between 2's and 4's neighbours.
    const g = genesisWrite(params);
    const header = { ...g.block.signed.header, height: 1, prevHash: g.hash, txCount: 2 };
    const hash = new Uint8Array(32).fill(0xb1);
    const blk = { hash, block: { ...g.block, signed: { ...g.block.signed, header } }, txIds: [id(1), id(3)] };
    await s.commitBlock({ ...blk, move: { disconnect: [], connect: [{ hash, height: 1, txIds: blk.txIds }], head: { hash, height: 1 }, repending: [] } });
    assert.equal(s.pending().map(toHex), [2, 4].map((n) => toHex(id(n))));
    assert.equal(s.location(id(3)), { blockHash: hash, height: 1, index: 1 });
    await s.commitBlock({ ...g, move: { disconnect: [{ hash, height: 1, txIds: blk.txIds }], connect: [], head: { hash: g.hash, height: 0 }, repending: [id(3), id(1)] } });
    assert.equal(s.pending().map(toHex), [1, 2, 3, 4].map((n) => toHex(id(n))), 'arrival order, not the order given');
    assert.is(s.location(id(3)), undefined);
  } finally {
    await s.close();
  }
});

test.run();
