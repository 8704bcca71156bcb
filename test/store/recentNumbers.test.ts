/**
 * The recent txIds (store/recentNumbers.ts) and the runs they are flushed into (store/txRuns.ts,
 * store/txIndex.ts): an ingest writes no random key (only its records, appended);
 * a flush writes them into a sorted run and lists it; runs of similar size are merged and the
 * old ones removed; the map in memory equals the records from meta `recentfrom` on through
 * ingests, flushes, a flush cut
 * short by close, one that fails on a full disk, and reopens (writable and read-only); and every
 * read by txId answers the same throughout. (A random run with merges between blocks,
 * reorganisations and failed commits: format2Model.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { open } from 'lmdb';
import { LmdbStore } from '../../src/store/lmdb.js';
import { RecentNumbers, MERGE_AT } from '../../src/store/recentNumbers.js';
import { mergeAtOf } from '../../src/store/txIndex.js';
import { runListCodec, ENTRY_BYTES } from '../../src/store/txRuns.js';
import { BUCKETS, recordNumberOf, recordTxId } from '../../src/store/buckets.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import type { IngestWrite } from '../../src/store/types.js';
import type { ChainParams } from '../../src/chain/params.js';
import { tmpDir, cleanup, toHex } from '../helpers.js';
import { onTmpfs, fill } from '../tmpfs.js';

test.after(() => cleanup());

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'r', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
const ids = (n: number) => Array.from({ length: n }, () => new Uint8Array(crypto.randomBytes(32)));
function write(list: Uint8Array[], tag = 1): IngestWrite {
  const b = signBatch(list, key);
  return { batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: list }, txs: list.map((txId, index) => ({ txId, coreBytes: new Uint8Array([index & 0xff]), index, payload: new Uint8Array([tag, txId[0]]) })) };
}

/**
 * The recent records (from meta `recentfrom` on), and the entries of the listed runs (`merged`: ids in them, a txId
 * in two runs once; `mergedIds`), and the run ids with keys on disk that the list does not name,
 * read from the file.
 */
async function onDisk(dir: string): Promise<{ recent: Map<string, number>; merged: number; mergedIds: Map<string, number>; runs: number[]; leftOver: number[] }> {
  const env = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 16, compression: false, encoding: 'binary', readOnly: true } as never);
  try {
    const db = (name: string, keyEncoding = 'binary') => env.openDB({ name, encoding: 'binary', keyEncoding } as never);
    // The recent records: those numbered from meta recentfrom on.
    const recent = new Map<string, number>();
    const from = db(BUCKETS.meta.name, 'ordered-binary').get('recentfrom') as Buffer | undefined;
    for (const { key: k, value } of db(BUCKETS.records.name).getRange({ start: from ?? Buffer.alloc(8) }) as Iterable<{ key: Buffer; value: Buffer }>) recent.set(toHex(recordTxId(value)), recordNumberOf(k));
    const row = db(BUCKETS.meta.name, 'ordered-binary').get('txruns') as Buffer | undefined;
    const runs = row ? runListCodec.decode(new Uint8Array(row)) : [];
    const mergedIds = new Map<string, number>();
    const onDiskIds = new Set<number>();
    for (const name of [BUCKETS.txRuns.name, BUCKETS.txFences.name])
      for (const k of db(name).getKeys({}) as Iterable<Buffer>) onDiskIds.add(k.readUInt32BE(0));
    for (const r of runs) {
      let count = 0;
      for (const { key: k, value: v } of db(BUCKETS.txRuns.name).getRange({ start: Buffer.from([...u32(r.id), 0, 0, 0, 0]), end: Buffer.from([...u32(r.id + 1), 0, 0, 0, 0]) }) as Iterable<{ key: Buffer; value: Buffer }>) {
        assert.is(k.readUInt32BE(4), count / 48, `run ${r.id}: blocks in order, 48 entries each but the last`);
        for (let o = 0; o < v.length; o += ENTRY_BYTES, count++) {
          const h = toHex(v.subarray(o, o + 32));
          const n = recordNumberOf(v.subarray(o + 32, o + 40));
          if (mergedIds.has(h)) assert.is(mergedIds.get(h), n, `${h.slice(0, 8)} in two runs under one number`);
          mergedIds.set(h, n);
          if (o) assert.ok(Buffer.compare(v.subarray(o - ENTRY_BYTES, o - 8), v.subarray(o, o + 32)) < 0, `run ${r.id}: in txId order`);
        }
      }
      assert.is(count, r.entries, `run ${r.id}: the list's count`);
    }
    const live = new Set(runs.map((r) => r.id));
    return { recent, merged: mergedIds.size, mergedIds, runs: runs.map((r) => r.entries), leftOver: [...onDiskIds].filter((id) => !live.has(id)) };
  } finally {
    await env.close();
  }
}
const u32 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** Runs `f` on a new store holding a chain (merges only when asked), closed afterwards. */
async function onNewChain(f: (s: LmdbStore) => Promise<void>): Promise<void> {
  const s = await LmdbStore.open(tmpDir(), { mergeAt: 1e9 });
  try {
    await s.initChain(params, genesisWrite(params));
    await f(s);
  } finally {
    await s.close();
  }
}

/** Every id answers: stored, its own payload (the first copy's `tag`). */
function answers(s: LmdbStore, list: Uint8Array[], tag: number, at: string) {
  list.forEach((id) => {
    assert.ok(s.hasTx(id), `${at}: ${toHex(id).slice(0, 8)} stored`);
    assert.equal([...(s.getPayload(id) ?? [])], [tag, id[0]], `${at}: payload of ${toHex(id).slice(0, 8)}`);
  });
}

test('slices cover every durable id once (or those below a number), in txId order; staged and failed ids are left out', () => {
  const r = new RecentNumbers();
  const all = ids(5000);
  all.forEach((id, n) => r.stage(id, n));
  r.durable(all.slice(0, 4000).map((id, n) => [id, n]));
  r.failed(all.slice(4000).map((id, n) => [id, 4000 + n]));
  assert.is(r.size, 4000);
  assert.is(r.numberOf(all[4500]), undefined, 'a failed id is gone');
  const slices = [...r.slices(500)];
  assert.equal(slices.flat().map(([id]) => toHex(id)).sort(), all.slice(0, 4000).map(toHex).sort());
  for (let i = 0; i < slices.length; i++) assert.ok(slices[i].length >= 500 || i === slices.length - 1, `slice ${i} of ${slices[i].length}`);
  const flat = slices.flat().map(([id]) => Buffer.from(id));
  for (let i = 1; i < flat.length; i++) assert.ok(Buffer.compare(flat[i - 1], flat[i]) < 0, `id ${i} follows ${i - 1} in txId order`);
  // A run is the ids numbered below a bound: those of slices(…, 1000) are 0..999.
  assert.equal([...r.slices(500, 1000)].flat().map(([, n]) => n).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
});

test('slices read the table in place: ids that come in (and grow the table) while a merge walks its slices are not in them, and the run is exactly the ids there at its first slice', () => {
  const r = new RecentNumbers();
  const first = ids(3000);
  r.durable(first.map((id, n) => [id, n]));
  const walk = r.slices(256, 3000);
  const got = [...walk.next().value!];
  // An ingest while the merge runs: its ids are numbered above the run and make the table grow (copy to new arrays).
  const later = ids(20000);
  r.durable(later.map((id, n) => [id, 3000 + n]));
  for (const s of walk) got.push(...s);
  assert.equal(got.map(([id]) => toHex(id)).sort(), first.map(toHex).sort(), 'the run is the first 3,000, each once');
  assert.ok(got.every(([id, n]) => first[n] && toHex(first[n]) === toHex(id)), 'each with its own number');
});

test('an ingest writes no random key, only its records; a flush moves them into a sorted run; reads answer the same before and after, and after reopens', async () => {
  const dir = tmpDir();
  let s = await LmdbStore.open(dir, { mergeAt: 1e9, mergeSlice: 128 });
  const list = ids(1000);
  try {
    await s.initChain(params, genesisWrite(params));
    await s.commitIngest(write(list.slice(0, 600)));
    await s.commitIngest(write(list.slice(600)));
    await s.commitIngest(write(list.slice(0, 10), 9)); // taken again: the first copies stay
    assert.is(s.unmerged(), 1000);
    answers(s, list, 1, 'before the merge');
    await s.close();
    let disk = await onDisk(dir);
    assert.is(disk.recent.size, 1000, 'every record recent');
    assert.is(disk.merged, 0, 'no run written by ingests');

    s = await LmdbStore.open(dir, { readOnly: true });
    answers(s, list, 1, 'read-only, before the merge');
    await s.close();
    s = await LmdbStore.open(dir, { mergeAt: 1e9, mergeSlice: 128 });
    assert.is(s.unmerged(), 1000, 'the map is loaded at open');
    await s.mergeRecent();
    assert.is(s.unmerged(), 0);
    answers(s, list, 1, 'after the merge');
    await s.commitIngest(write(list.slice(990), 9)); // taken again after the merge: still the first copies
    answers(s, list, 1, 'a repeat after the merge');
    assert.is(s.unmerged(), 0, 'a repeat is not numbered');
    await s.close();
    disk = await onDisk(dir);
    assert.is(disk.recent.size, 0);
    assert.is(disk.merged, 1000);
    assert.equal(disk.runs, [1000], 'one run');
    s = await LmdbStore.open(dir, { readOnly: true });
    answers(s, list, 1, 'read-only, after the merge');
  } finally {
    await s.close();
  }
});

test('a record staged by an ingest whose transaction throws is written by the next ingest that holds it, queued behind it', async () => {
  await onNewChain(async (s) => {
    const [x, y] = ids(2);
    const bad = write([x, y], 1);
    bad.txs[1].payload = 'not bytes' as never; // x is staged, then the transaction throws
    const good = write([x], 2);
    // Both queued before either settles: the second transaction runs right after the first aborts.
    const [a, b] = await Promise.allSettled([s.commitIngest(bad), s.commitIngest(good)]);
    assert.is(a.status, 'rejected');
    assert.is(b.status, 'fulfilled', String((b as PromiseRejectedResult).reason));
    assert.ok(s.hasTx(x), 'x is stored by the second ingest');
    assert.equal([...(s.getPayload(x) ?? [])], [2, x[0]], "x is the second ingest's copy");
    assert.not.ok(s.hasTx(y));
    assert.equal(s.pending().map(toHex), [toHex(x)]);
  });
});

test("the node's own batch (with seq) is not looked up in the runs; a peer's batch is, and a merged record in it is not stored twice", async () => {
  await onNewChain(async (s) => {
    const runs = (s as unknown as { index: { runs: { numberOf(k: Uint8Array): number | undefined } } }).index.runs;
    const real = runs.numberOf.bind(runs);
    let reads = 0;
    runs.numberOf = (k) => (reads++, real(k));
    const first = ids(50);
    await s.commitIngest({ ...write(first), seq: 50 });
    assert.is(reads, 0, 'own batch: no read');
    await s.mergeRecent();
    reads = 0;
    await s.commitIngest(write([...first.slice(0, 5), ...ids(5)], 2)); // a peer's: 5 known (merged), 5 new
    // One read per record in the transaction (10), and one for each known record (5) when the pool's numbers are set after it.
    assert.is(reads, 15, "peer's batch: one read per record, and the known ones once more");
    assert.is(s.unmerged(), 5, 'only the 5 new ones numbered');
    answers(s, first, 1, 'the first copies');
  });
});

test('merges start on their own past mergeAt, ingests go on meanwhile; close stops one between slices and the map equals the disk after every reopen', async () => {
  const dir = tmpDir();
  let s = await LmdbStore.open(dir, { mergeAt: 300, mergeSlice: 16 });
  const all: Uint8Array[] = [];
  try {
    await s.initChain(params, genesisWrite(params));
    for (let round = 0; round < 6; round++) {
      for (let b = 0; b < 4; b++) {
        const list = ids(100);
        all.push(...list);
        await s.commitIngest(write(list));
      }
      answers(s, all.slice(-400), 1, `round ${round}`);
      const left = s.unmerged();
      await s.close(); // a merge running stops after its slice
      const disk = await onDisk(dir);
      s = await LmdbStore.open(dir, { mergeAt: 300, mergeSlice: 16 });
      assert.is(s.unmerged(), disk.recent.size, `round ${round}: the map is the records from recentfrom on`);
      assert.ok(disk.recent.size <= left, `round ${round}: nothing merged comes back`);
      // A flush cut short after its run was listed leaves ids in both, under the same number.
      for (const [h, n] of disk.recent) if (disk.mergedIds.has(h)) assert.is(disk.mergedIds.get(h), n, `round ${round}: ${h.slice(0, 8)} in both under one number`);
      assert.is(new Set([...disk.recent.keys(), ...disk.mergedIds.keys()]).size, all.length, `round ${round}: every id in one of the two`);
    }
    await s.mergeRecent(); // one left to finish completes
    assert.is(s.unmerged(), 0, 'merged');
    for (let i = 0; i < all.length; i += 100) answers(s, all.slice(i, i + 100), 1, `batch ${i / 100}`);
  } finally {
    await s.close();
  }
  const disk = await onDisk(dir);
  assert.is(disk.merged, all.length, 'every id in a run');
  assert.equal(disk.leftOver, [], 'no keys of a run cut short or merged away are left');
  assert.ok(disk.runs.length <= Math.log2(all.length / 300) + 2, `${disk.runs.length} runs (${disk.runs.join(', ')}) for ${all.length} ids`);
});

test('runs of similar size are merged (a binary counter): few runs, each id once, the merged-away runs removed; a reader opened before keeps answering', async () => {
  const dir = tmpDir();
  const s = await LmdbStore.open(dir, { mergeAt: 1e9, mergeSlice: 64 });
  const all: Uint8Array[] = [];
  let reader: LmdbStore | undefined;
  try {
    await s.initChain(params, genesisWrite(params));
    for (let flush = 1; flush <= 13; flush++) {
      const list = ids(200);
      all.push(...list);
      await s.commitIngest(write(list));
      await s.mergeRecent();
      reader ??= await LmdbStore.open(dir, { readOnly: true }); // opened after the first run
      const disk = await onDisk(dir);
      // After k flushes of 200 ids, the runs are the binary digits of k: 13 = 8 + 4 + 1.
      const want = [8, 4, 2, 1].filter((b) => flush & b).map((b) => b * 200);
      assert.equal(disk.runs, want, `after flush ${flush}`);
      assert.equal(disk.leftOver, [], `after flush ${flush}: merged-away runs removed`);
      answers(reader, all, 1, `reader, after flush ${flush}`);
    }
    assert.is((await onDisk(dir)).merged, 2600);
    answers(s, all, 1, 'writer');
    assert.not.ok(s.hasTx(ids(1)[0]), 'an unknown id is not found');
  } finally {
    await reader?.close();
    await s.close();
  }
});

test('a flush that fails on a full disk leaves its ids recent and every answer as it was; the next one completes', async () => {
  await onTmpfs('4m', async (mnt) => {
    const dir = path.join(mnt, 'data');
    const s = await LmdbStore.open(dir, { mergeAt: 1e9, mergeSlice: 4096 });
    const list = ids(3000);
    try {
      await s.initChain(params, genesisWrite(params));
      for (let i = 0; i < 3000; i += 1000) await s.commitIngest(write(list.slice(i, i + 1000)));
      fill(path.join(mnt, 'filler'));
      await s.mergeRecent();
      assert.is(s.unmerged(), 3000, 'the failed slice left every id recent');
      answers(s, list, 1, 'after the failed merge');
      fs.rmSync(path.join(mnt, 'filler'));
      await s.mergeRecent();
      assert.is(s.unmerged(), 0);
      answers(s, list, 1, 'after the merge that succeeds');
    } finally {
      await s.close();
    }
  });
});

test('the merge policy: the newest pair whose newer run is of the older one\'s size class or above, also before the newest run (a merge a stop cut short)', async () => {
  await onNewChain(async (s) => {
    const index = (s as unknown as { index: { runs: { runs: { entries: number }[] }; mergeable(): number | undefined } }).index;
    const at = (sizes: number[]) => ((index.runs.runs = sizes.map((entries) => ({ entries }))), index.mergeable());
    assert.is(at([]), undefined);
    assert.is(at([800]), undefined);
    assert.is(at([800, 400, 200]), undefined, 'a binary counter at rest');
    assert.is(at([800, 400, 200, 200]), 2, 'the newest pair');
    assert.is(at([800, 400, 200, 300]), 2, 'the same class (floor(log2)): 200 and 300 are both 2^7..2^8');
    assert.is(at([800, 300, 300, 100]), 1, 'a pair before the newest run');
    assert.is(at([300, 800, 100]), 0, 'a newer run larger than the older');
    index.runs.runs = [];
  });
});

test('flushes and merges started by the intake are paced: they wait for credit, which records and time bring, saved up to a cap', async () => {
  const { Pacer } = await import('../../src/store/txIndex.js');
  const never = () => false;
  /** Did `spend` end without waiting for a timer (before a macrotask queued now runs)? Not a wall-clock bound: a loaded machine cannot fail it. */
  const atOnce = async (spent: Promise<void>) => {
    let timer = false;
    setTimeout(() => (timer = true), 0);
    await spent;
    return !timer;
  };
  let p = new Pacer(8, 100, 2000);
  let t = performance.now();
  await p.spend(1000, never); // 100 entries of credit a millisecond: 10 ms at least
  assert.ok(performance.now() - t >= 9, `waited ${(performance.now() - t).toFixed(1)} ms for time credit`);
  p = new Pacer(8, 100, 2000);
  p.earn(200); // 8 entries a record: 1,600
  assert.ok(await atOnce(p.spend(1000, never)), 'the records paid for it');
  // A burst of records saves up no more than the cap: the second slice waits for time credit.
  p = new Pacer(8, 100, 2000);
  p.earn(1e6);
  t = performance.now();
  assert.ok(await atOnce(p.spend(2000, never)), 'the cap is there at once');
  await p.spend(2000, never);
  assert.ok(performance.now() - t >= 19, `the next 2,000 took ${(performance.now() - t).toFixed(1)} ms of time credit`);
  // More than the cap at once is not a wait forever; a stop ends a wait at once.
  p = new Pacer(8, 100, 500);
  await p.spend(1e9, never);
  assert.ok(await atOnce(p.spend(1e9, () => true)), 'stopped');
});

test('a flush cut short by close leaves a run nobody lists and every id recent; the next merge removes it and flushes again', async () => {
  const dir = tmpDir();
  let s = await LmdbStore.open(dir, { mergeAt: 1e9, mergeSlice: 64 });
  const list = ids(400);
  try {
    await s.initChain(params, genesisWrite(params));
    await s.commitIngest(write(list));
    // Close as the first blocks of the run are written: the flush stops after that slice.
    const runs = (s as unknown as { index: { runs: { putBlocks(rows: unknown[]): void } } }).index.runs;
    const realPut = runs.putBlocks.bind(runs);
    let closing: Promise<void> | undefined;
    runs.putBlocks = (rows) => (realPut(rows), void (closing ??= s.close()));
    await s.mergeRecent();
    await closing;
    let disk = await onDisk(dir);
    assert.equal([disk.runs, disk.recent.size], [[], 400], 'nothing listed, every id recent');
    assert.is(disk.leftOver.length, 1, 'the blocks of the run cut short are on disk');
    s = await LmdbStore.open(dir, { readOnly: true });
    answers(s, list, 1, 'read-only, after the flush cut short');
    await s.close();
    s = await LmdbStore.open(dir, { mergeAt: 1e9, mergeSlice: 64 });
    await s.mergeRecent();
    assert.is(s.unmerged(), 0);
    answers(s, list, 1, 'after the next flush');
  } finally {
    await s.close();
  }
  const disk = await onDisk(dir);
  assert.equal([disk.runs, disk.recent.size, disk.merged, disk.leftOver], [[400], 0, 400, []]);
});

test("the threshold: MERGE_AT (2^18); URCHAIN_STORE_MERGE_AT when a positive integer (the crash cycles set it low); a test's own first", () => {
  assert.is(MERGE_AT, 262144);
  assert.is(mergeAtOf({}), MERGE_AT);
  assert.is(mergeAtOf({ URCHAIN_STORE_MERGE_AT: '8' }), 8);
  for (const bad of ['0', '-3', '1.5', 'many', '']) assert.is(mergeAtOf({ URCHAIN_STORE_MERGE_AT: bad }), MERGE_AT, bad);
  assert.is(mergeAtOf({ URCHAIN_STORE_MERGE_AT: '8' }, 100), 100);
});

test('a reader loads the recent ids only when the runs cannot answer', async () => {
  const dir = tmpDir();
  let s = await LmdbStore.open(dir, { mergeAt: 1e9 });
  const [old, fresh] = [ids(20), ids(20)];
  try {
    await s.initChain(params, genesisWrite(params));
    await s.commitIngest(write(old));
    await s.mergeRecent();
    await s.commitIngest(write(fresh));
    await s.close();
    s = await LmdbStore.open(dir, { readOnly: true });
    const loaded = () => (s as unknown as { index: { loaded: boolean } }).index.loaded;
    assert.not.ok(loaded(), 'not at open');
    answers(s, old, 1, 'merged ones');
    assert.not.ok(loaded(), 'not for merged records');
    answers(s, fresh, 1, 'recent ones');
    assert.ok(loaded(), 'at the first lookup the runs cannot answer');
    assert.is(s.unmerged(), 20);
  } finally {
    await s.close();
  }
});

test.run();
