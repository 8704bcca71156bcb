/**
 * The store format version: a folder without one reads as format 1 and gets it written on a
 * writable open; a newer format is refused by every open, naming both versions; an older one is
 * refused with the migrate command, and only LmdbStore.migrate moves it forward, one durable step
 * at a time, idempotently. Older and newer formats here are synthetic: the meta row written raw,
 * and migration tables made for the test.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';
import { LmdbStore } from '../../src/store/lmdb.js';
import { BUCKETS } from '../../src/store/buckets.js';
import { FORMAT_KEY, FIRST_FORMAT, FORMAT_STEPS, currentFormat, migrationPath, encodeFormat, decodeFormat, type FormatStep } from '../../src/store/format.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import type { ChainParams } from '../../src/chain/params.js';
import { isUrchainError } from '../../src/errors.js';
import { tmpDir, cleanup } from '../helpers.js';

test.after(() => cleanup());

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'f', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };

/** The meta bucket of a folder, opened raw (as another release would): `f` reads or writes rows. */
async function rawMeta<T>(dir: string, f: (meta: any, env: any) => T | Promise<T>): Promise<T> {
  const env = open({ path: path.join(dir, 'chain.lmdb'), maxDbs: 16, compression: false, encoding: 'binary' } as never);
  try {
    return await f(env.openDB({ name: BUCKETS.meta.name, encoding: 'binary', keyEncoding: 'ordered-binary' } as never), env);
  } finally {
    await env.close();
  }
}
const formatRow = (dir: string) => rawMeta(dir, (m) => (m.get(FORMAT_KEY) === undefined ? undefined : decodeFormat(new Uint8Array(m.get(FORMAT_KEY)))));
const setFormat = (dir: string, v: number | undefined) =>
  rawMeta(dir, async (m) => {
    await (v === undefined ? m.remove(FORMAT_KEY) : m.put(FORMAT_KEY, Buffer.from(encodeFormat(v))));
  });

async function chain(): Promise<string> {
  const dir = tmpDir();
  const s = await LmdbStore.open(dir);
  await s.initChain(params, genesisWrite(params));
  await s.close();
  return dir;
}

async function refused(p: Promise<unknown>, re: RegExp) {
  try {
    const s = (await p) as { close?: () => Promise<void> } | undefined;
    await s?.close?.();
  } catch (e) {
    assert.ok(isUrchainError(e, 'BAD_CHAIN'), String(e));
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected a refusal matching ${re}`);
}

test('this release writes format 5; a new store records it on its first writable open', async () => {
  assert.is(currentFormat(), 5);
  assert.is(FIRST_FORMAT, 1);
  assert.equal(FORMAT_STEPS.map((s) => [s.from, s.to]), [[1, 2], [2, 3], [3, 4], [4, 5]]);
  assert.is(Buffer.from(encodeFormat(3)).toString('hex'), '03'); // a CBOR unsigned integer
  const dir = await chain();
  assert.is(await formatRow(dir), 5);
});

test('a folder without a version holding a chain is format 1: every open refuses it, untouched; one without a chain is new', async () => {
  const dir = await chain();
  await setFormat(dir, undefined);
  await refused(LmdbStore.open(dir, { readOnly: true }), /store format 1, older than this urchain's format 5; .*urchain migrate --data/);
  await refused(LmdbStore.open(dir), /store format 1, older/);
  assert.is(await formatRow(dir), undefined, 'a refusing open writes nothing');
  const empty = tmpDir();
  const s = await LmdbStore.open(empty);
  assert.is(s.format(), 5);
  await s.close();
  assert.is(await formatRow(empty), 5);
});

test('a newer format is refused by every open, naming both versions, and by migrate', async () => {
  const dir = await chain();
  await setFormat(dir, 6);
  await refused(LmdbStore.open(dir), /store format 6, newer than this urchain knows \(format 5\)/);
  await refused(LmdbStore.open(dir, { readOnly: true }), /store format 6, newer .*format 5/);
  await refused(LmdbStore.migrate(dir), /store format 6, newer .*format 5/);
  assert.is(await formatRow(dir), 6, 'left as it was');
});

test('a store of a newer format is refused untouched: no bucket of this release is created in it', async () => {
  const dir = tmpDir();
  fs.mkdirSync(dir, { recursive: true });
  await rawMeta(dir, (m) => m.put(FORMAT_KEY, Buffer.from(encodeFormat(6)))); // a later release's store: meta only
  const names = () => rawMeta(dir, (_m, env) => [...env.getKeys()].map(String).sort());
  const before = await names();
  await refused(LmdbStore.open(dir), /store format 6, newer/);
  assert.equal(await names(), before, 'the refusing open wrote nothing');
});

test('an older format is refused with the migrate command; with no step from it, migrate says so', async () => {
  const dir = await chain();
  await setFormat(dir, 0);
  await refused(LmdbStore.open(dir), new RegExp(`store format 0, older than this urchain's format 5; .*urchain migrate --data ${dir}`));
  await refused(LmdbStore.open(dir, { readOnly: true }), /urchain migrate --data/);
  await refused(LmdbStore.migrate(dir), /no migration from store format 0/);
});

test('migrate runs the steps from the found format to the current one, each with its version, and a second run does nothing', async () => {
  const dir = await chain();
  // A synthetic older format 0 kept this node's batch counter under another meta name.
  await rawMeta(dir, async (m) => {
    await m.remove('seq');
    await m.put('counter', Buffer.from([0x18, 42])); // CBOR 42
  });
  await setFormat(dir, 0);
  const renameCounter: FormatStep = {
    from: 0,
    to: 1,
    about: "meta 'counter' is now 'seq'",
    run: ({ meta }) => {
      meta.putSync('seq', meta.get('counter')!);
      meta.removeSync('counter');
    },
  };
  // Then the real steps 1 -> 2 -> 3 -> 4 -> 5 (on a chain with no records: they have nothing to move).
  const r = await LmdbStore.migrate(dir, [renameCounter, ...FORMAT_STEPS]);
  const real = FORMAT_STEPS.map(({ from, to, about }) => ({ from, to, about }));
  assert.equal(r, { from: 0, to: 5, steps: [{ from: 0, to: 1, about: "meta 'counter' is now 'seq'" }, ...real], stamped: false });
  const s = await LmdbStore.open(dir);
  assert.is(s.lastSeq(), 42);
  assert.is(s.format(), 5);
  await s.close();
  assert.equal(await LmdbStore.migrate(dir, [renameCounter, ...FORMAT_STEPS]), { from: 5, to: 5, steps: [], stamped: false });
  assert.equal(await LmdbStore.migrate(dir), { from: 5, to: 5, steps: [], stamped: false });
});

test('a later format is one more row: steps run in order, a failed step leaves the last good version, and the rerun resumes there', async () => {
  const dir = await chain();
  await setFormat(dir, 1); // the synthetic steps below go from 1 and touch only meta
  const ran: string[] = [];
  const step = (from: number, fail = false): FormatStep => ({
    from,
    to: from + 1,
    about: `step ${from}`,
    run: ({ meta }) => {
      ran.push(`${from}->${from + 1}`);
      meta.putSync(`mark${from}`, Buffer.from([from]));
      if (fail) throw new Error('the disk went away');
    },
  });
  let failed = '';
  try {
    await LmdbStore.migrate(dir, [step(2, true), step(1)]);
  } catch (e) {
    failed = (e as Error).message;
  }
  assert.match(failed, /the disk went away/);
  assert.is(await formatRow(dir), 2, 'step 1->2 committed with its version; 2->3 left nothing');
  assert.is(await rawMeta(dir, (m) => m.get('mark2')), undefined);
  ran.length = 0;
  const r = await LmdbStore.migrate(dir, [step(2), step(1)]);
  assert.equal(ran, ['2->3']);
  assert.equal(r.steps.map((s) => s.about), ['step 2']);
  assert.is(await formatRow(dir), 3);
  assert.throws(() => migrationPath(1, [step(2)]), /no migration from store format 1/);
  assert.equal(migrationPath(1, [step(2), step(1)]).map((s) => s.from), [1, 2]);
});

test('a folder without a version gets it from migrate, which says so (a table with no steps: the version is all it gets)', async () => {
  const dir = await chain();
  await setFormat(dir, undefined);
  assert.equal(await LmdbStore.migrate(dir, []), { from: 1, to: 1, steps: [], stamped: true });
  assert.is(await formatRow(dir), 1);
});

test.run();
