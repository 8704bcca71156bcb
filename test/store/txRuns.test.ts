/**
 * Store format 5's sorted runs of the txId index (store/txRuns.ts): the bytes of a block, a fence
 * row and the run list (the example of urchain-formats(5)); lookups across blocks whose first
 * txIds share their first 8 bytes; and the step from format 4, whose `recordnumbers` is read
 * after the runs and never written again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import crypto from 'node:crypto';
import { open, type RootDatabase } from 'lmdb';
import { LmdbStore } from '../../src/store/lmdb.js';
import { RunBuilder, TxRuns, Fences, runListCodec, mergeInto, ENTRIES_PER_BLOCK, FENCES_PER_ROW } from '../../src/store/txRuns.js';
import { BUCKETS, FORMAT4_BUCKETS, recordTxId } from '../../src/store/buckets.js';
import { FORMAT_KEY, encodeFormat } from '../../src/store/format.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import type { IngestWrite } from '../../src/store/types.js';
import type { ChainParams } from '../../src/chain/params.js';
import { tmpDir, cleanup, toHex } from '../helpers.js';

test.after(() => cleanup());

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A bare LMDB environment, a writer's runs over it (the run list in a variable) and a reader's; closed after `f`. */
function withRuns(f: (env: RootDatabase, runs: TxRuns, reader: () => TxRuns) => void): void {
  const env = open({ path: path.join(tmpDir(), 'runs.lmdb'), maxDbs: 4, compression: false, encoding: 'binary' } as never) as RootDatabase;
  try {
    const db = (name: string) => env.openDB({ name, encoding: 'binary', keyEncoding: 'binary' } as never) as never;
    let row: Buffer | undefined;
    const runs = new TxRuns(db('txruns'), db('txfences'), { get: () => row, set: (v) => void (row = v) }, false);
    f(env, runs, () => new TxRuns(db('txruns'), db('txfences'), { get: () => row, set: () => assert.unreachable() }, true));
  } finally {
    void env.close();
  }
}
const rep = (byte: string, n: number) => byte.repeat(n);

test('the bytes of a run: blocks of txId || number in txId order, fence rows, the list (the example of urchain-formats(5))', () => {
  const b = new RunBuilder(1);
  b.add(Buffer.alloc(32, 0x0a), 0, 5);
  b.add(Buffer.alloc(32, 0x0a), 0, 5); // the same txId again: kept once
  b.add(Buffer.alloc(32, 0x0b), 0, 258);
  const { blocks, fences } = b.finish();
  assert.equal(blocks.map(([k, v]) => [hex(k), hex(v)]), [['0000000100000000', `${rep('0a', 32)}0000000000000005${rep('0b', 32)}0000000000000102`]]);
  assert.equal(fences.map(([k, v]) => [hex(k), hex(v)]), [['0000000100000000', '0a0a0a0a0a0a0a0a']]);
  assert.is(hex(runListCodec.encode([{ id: 1, entries: b.entries }])), '81820102');
  assert.equal(runListCodec.decode(Buffer.from('81820102', 'hex')), [{ id: 1, entries: 2 }]);
  assert.throws(() => b.add(Buffer.alloc(32, 0x01), 0, 1), /out of order/);
  // 48 entries to a block, 240 fences to a row.
  const big = new RunBuilder(2);
  const ids = Array.from({ length: ENTRIES_PER_BLOCK * FENCES_PER_ROW + 1 }, (_, i) => Buffer.concat([Buffer.from([i >> 16, (i >> 8) & 255, i & 255]), Buffer.alloc(29)]));
  ids.forEach((id, i) => big.add(id, 0, i));
  const all = big.finish();
  assert.is(all.blocks.length, FENCES_PER_ROW + 1);
  assert.equal(all.blocks.map(([, v]) => v.length).slice(-2), [1920, 40]);
  assert.equal(all.fences.map(([k, v]) => [hex(k), v.length]), [['0000000200000000', 1920], ['0000000200000001', 8]]);
});

test('a lookup finds every txId of a run, also where blocks begin inside a group of txIds sharing their first 8 bytes, and nothing else', () => {
  withRuns((env, runs, reader) => {
    // 150 ids sharing 8 bytes (more than three blocks), between random ones.
    const prefix = crypto.randomBytes(8);
    const shared = Array.from({ length: 150 }, () => Buffer.concat([prefix, crypto.randomBytes(24)]));
    const ids = [...shared, ...Array.from({ length: 500 }, () => crypto.randomBytes(32))].sort(Buffer.compare);
    const b = new RunBuilder(runs.nextId());
    ids.forEach((id, i) => b.add(id, 0, i * 7));
    const { blocks, fences } = b.finish();
    env.transactionSync(() => {
      runs.putBlocks(blocks);
      runs.putFences(fences);
      runs.writeList([{ id: b.id, entries: b.entries }]);
    });
    runs.adopt([{ id: b.id, entries: b.entries, fences: b.fences }]);
    ids.forEach((id, i) => assert.is(runs.numberOf(id), i * 7, `id ${i}`));
    for (let i = 0; i < 200; i++) assert.is(runs.numberOf(crypto.randomBytes(32)), undefined);
    for (let i = 0; i < 50; i++) assert.is(runs.numberOf(Buffer.concat([prefix, crypto.randomBytes(24)])), undefined, 'same prefix, not stored');
    // A reader (its list from the meta row) answers the same.
    ids.forEach((id, i) => assert.is(reader().numberOf(id), i * 7));
    // Fences: the last block whose first 8 bytes are <= the key's.
    const f = Fences.fromRows([Buffer.from('00000001000000050000000100000005000000020000000000000009ffffffff', 'hex')], 4);
    assert.equal([f.find(0, 0), f.find(1, 4), f.find(1, 5), f.find(2, 0), f.find(9, 0xffffffff), f.find(10, 0)], [-1, -1, 1, 2, 3, 3]);
    assert.throws(() => Fences.fromRows([Buffer.alloc(16)], 3), /2 fences for 3 blocks/);
  });
});

test('merging runs keeps each txId once, in order; equal txIds from two runs are one entry', () => {
  withRuns((env, runs, reader) => {
    const common = Array.from({ length: 30 }, () => crypto.randomBytes(32));
    const sets = [[...common, ...Array.from({ length: 100 }, () => crypto.randomBytes(32))], [...common, ...Array.from({ length: 70 }, () => crypto.randomBytes(32))]];
    const number = new Map<string, number>();
    const made = sets.map((ids) => {
      const b = new RunBuilder(runs.nextId());
      for (const id of [...ids].sort(Buffer.compare)) {
        if (!number.has(hex(id))) number.set(hex(id), number.size);
        b.add(id, 0, number.get(hex(id))!);
      }
      const { blocks, fences } = b.finish();
      env.transactionSync(() => (runs.putBlocks(blocks), runs.putFences(fences)));
      return { id: b.id, entries: b.entries, fences: b.fences };
    });
    const out = new RunBuilder(runs.nextId());
    const readers = made.map((r) => runs.reader(r));
    let steps = 0;
    while (!mergeInto(readers, out, 16)) steps++;
    assert.ok(steps >= 10, `${steps} calls of 16 entries`);
    assert.is(out.entries, 200, '130 + 100 - 30 in both');
    const { blocks, fences } = out.finish();
    env.transactionSync(() => (runs.putBlocks(blocks), runs.putFences(fences)));
    runs.adopt([{ id: out.id, entries: out.entries, fences: out.fences }]);
    for (const [h, n] of number) assert.is(runs.numberOf(Buffer.from(h, 'hex')), n);
  });
});

test("a run's blocks written after a newer run's (a flush in the middle of a merge) are all there: no append below the last key", () => {
  withRuns((env, runs, reader) => {
    const [merged, flushed] = [new RunBuilder(runs.nextId()), new RunBuilder(runs.nextId())];
    assert.equal([merged.id, flushed.id], [0, 1], 'ids given out are not given again, keys or not');
    const made = [merged, flushed].map((b) => {
      const ids = Array.from({ length: 100 }, () => crypto.randomBytes(32)).sort(Buffer.compare);
      ids.forEach((id, i) => b.add(id, 0, i));
      return ids;
    });
    for (const b of [flushed, merged]) {
      const { blocks, fences } = b.finish();
      env.transactionSync(() => (runs.putBlocks(blocks), runs.putFences(fences)));
    }
    runs.adopt([merged, flushed].map((b) => ({ id: b.id, entries: b.entries, fences: b.fences })));
    made.forEach((ids, r) => ids.forEach((id, i) => assert.is(runs.numberOf(id), i, `run ${r}, id ${i}`)));
  });
});

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 't', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
function write(list: Uint8Array[], tag = 1): IngestWrite {
  const b = signBatch(list, key);
  return { batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: list }, txs: list.map((txId, index) => ({ txId, coreBytes: new Uint8Array([index & 0xff]), index, payload: new Uint8Array([tag, txId[0]]) })) };
}

test("from format 4: recordnumbers is read after the runs and never written; recentfrom is the first row of recentnumbers, which is dropped, as is the merge mark; new ids go into runs", async () => {
  const dir = tmpDir();
  let s = await LmdbStore.open(dir, { mergeAt: 1e9 });
  const old = Array.from({ length: 300 }, () => new Uint8Array(crypto.randomBytes(32)));
  await s.initChain(params, genesisWrite(params));
  await s.commitIngest(write(old));
  await s.close();
  // Make it the format-4 store a merge cut short left: every id in recordnumbers, the rows of
  // recentnumbers from the 101st record on still there (a merge removes them in number order),
  // the mark set; no recentfrom, which format 4 did not have.
  const env = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 32, compression: false, encoding: 'binary' } as never);
  const db = (name: string, keyEncoding = 'binary') => env.openDB({ name, encoding: 'binary', keyEncoding } as never) as any;
  const [records, recent, numbers, meta] = [db(BUCKETS.records.name), db(FORMAT4_BUCKETS.recent.name), db(BUCKETS.txNumbers.name), db(BUCKETS.meta.name, 'ordered-binary')];
  const rows = ([...records.getRange({})] as { key: Buffer; value: Buffer }[]).map(({ key: k, value }) => [Buffer.from(k), Buffer.from(recordTxId(value))]);
  assert.is(rows.length, 300);
  const numberBefore = rows.find(([, id]) => id.equals(old[0]))![0];
  await env.transaction(() => {
    rows.forEach(([k, id], i) => {
      numbers.putSync(id, k);
      if (i >= 100) recent.putSync(k, id);
    });
    meta.putSync(FORMAT_KEY, Buffer.from(encodeFormat(4)));
    meta.putSync('merging', Buffer.alloc(0));
    meta.removeSync('recentfrom');
  });
  await env.close();

  const r = await LmdbStore.migrate(dir);
  assert.equal([r.from, r.to], [4, 5]);
  s = await LmdbStore.open(dir, { mergeAt: 1e9 });
  const numbersDb = (s as unknown as { numbers: { putSync: (...a: unknown[]) => unknown; get: (k: Uint8Array) => Buffer | undefined } }).numbers;
  let legacyWrites = 0;
  const realPut = numbersDb.putSync.bind(numbersDb);
  numbersDb.putSync = (...a) => (legacyWrites++, realPut(...a));
  try {
    const answers = (list: Uint8Array[], at: string) => list.forEach((id) => assert.equal([...(s.getPayload(id) ?? [])], [1, id[0]], `${at}: ${toHex(id).slice(0, 8)}`));
    answers(old, 'after migrate');
    assert.is(s.unmerged(), 200, 'the ids format 4 left recent');
    const fresh = Array.from({ length: 200 }, () => new Uint8Array(crypto.randomBytes(32)));
    await s.commitIngest(write(fresh));
    await s.commitIngest(write([...old.slice(0, 20), ...fresh.slice(0, 5)], 2)); // a peer's batch of known ids: nothing stored twice
    assert.is(s.unmerged(), 400);
    await s.mergeRecent();
    assert.is(s.unmerged(), 0);
    answers([...old, ...fresh], 'after a flush');
    assert.is(legacyWrites, 0, 'recordnumbers not written');
    assert.equal(numbersDb.get(old[0]), numberBefore, 'still there, under its number');
  } finally {
    await s.close();
  }
  const env2 = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 32, compression: false, encoding: 'binary', readOnly: true } as never);
  try {
    assert.is(env2.openDB({ name: BUCKETS.meta.name, encoding: 'binary', keyEncoding: 'ordered-binary' } as never).get('merging'), undefined, 'the mark is gone');
    const list = runListCodec.decode(new Uint8Array(env2.openDB({ name: BUCKETS.meta.name, encoding: 'binary', keyEncoding: 'ordered-binary' } as never).get('txruns') as Buffer));
    assert.equal(list.map((x) => x.entries), [400], 'the 200 left recent and the 200 new, in one run');
    assert.equal([...env2.getKeys()].map(String).filter((n) => n === FORMAT4_BUCKETS.recent.name), [], 'recentnumbers dropped');
  } finally {
    await env2.close();
  }
});

test.run();
