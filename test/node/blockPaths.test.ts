/**
 * Proofs out of blocks stored with their chunk roots (the `levels` bucket, node/blockPaths.ts):
 * byte for byte the proofs of a whole-body rebuild, for blocks of 1 to 70,000 records; a store
 * from before the bucket still proves (by the rebuild); a damaged row is not trusted and a
 * damaged body gives a STORE error, never an invalid proof; audit passes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';
import { LmdbStore, STORE_FILE } from '../../src/store/lmdb.js';
import { BUCKETS } from '../../src/store/buckets.js';
import type { Store } from '../../src/store/types.js';
import { Query } from '../../src/node/query.js';
import { audit } from '../../src/node/audit.js';
import { verifyProof, type ProofJson } from '../../src/proof/proof.js';
import { leafHash, inclusionProof } from '../../src/merkle/tree.js';
import { CHUNK, encodeLevels } from '../../src/merkle/chunks.js';
import { writeBigBlocks, dropLevels, type BigBlock } from '../../support/bigBlocks.js';
import { tmpDir, cleanup, toHex, errorCodeOf } from '../helpers.js';

const SIZES = [1, 255, 256, 257, 1000, 70_000];
const P = suite('block paths from chunk roots');
let dir: string;
let blocks: BigBlock[];

P.before(async () => {
  dir = tmpDir();
  blocks = await writeBigBlocks(path.join(dir, 'data'), SIZES);
});
P.after(() => cleanup());

/** A copy of the store (closed) to damage or strip. */
function copy(name: string): string {
  const to = path.join(dir, name);
  fs.cpSync(path.join(dir, 'data'), to, { recursive: true });
  return to;
}

async function withStore<T>(data: string, f: (s: LmdbStore) => T | Promise<T>, readOnly = true): Promise<T> {
  const s = await LmdbStore.open(data, { readOnly });
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

/** The indexes a test proves in a block of `n`: both ends, chunk edges, the middle. */
const picks = (n: number) => [...new Set([0, n - 1, Math.floor(n / 2), CHUNK - 1, CHUNK, 3 * CHUNK + 7, n - CHUNK].filter((i) => i >= 0 && i < n))];

/** Every picked proof, each from a Query with a cold cache (or one Query per block), and how its path was made. */
function proofsOf(s: Store, cold = true): { proofs: Map<string, ProofJson>; chunked: number; whole: number } {
  const proofs = new Map<string, ProofJson>();
  const made = { chunked: 0, whole: 0 };
  for (const b of blocks) {
    const warm = new Query(s);
    for (const i of picks(b.txIds.length)) {
      const q = cold ? new Query(s) : warm;
      const before = { ...q.blockPaths.counts };
      proofs.set(toHex(b.txIds[i]), q.proof(toHex(b.txIds[i])));
      made.chunked += q.blockPaths.counts.chunked - before.chunked;
      made.whole += q.blockPaths.counts.whole - before.whole;
    }
  }
  return { proofs, ...made };
}

P('blocks of more than 256 records keep their chunk roots; paths are those of the whole tree and verify', async () => {
  await withStore(path.join(dir, 'data'), (s) => {
    for (const b of blocks) assert.equal(s.blockLevels(b.hash), b.txIds.length > CHUNK ? encodeLevels(b.txIds) : undefined, `block of ${b.txIds.length}`);
    const { proofs, chunked, whole } = proofsOf(s);
    const bigPicks = blocks.filter((b) => b.txIds.length > CHUNK).reduce((n, b) => n + picks(b.txIds.length).length, 0);
    assert.is(chunked, bigPicks, 'every proof out of a big block came from its chunks');
    assert.is(whole, proofs.size - bigPicks);
    for (const b of blocks) {
      const leaves = b.txIds.map(leafHash);
      for (const i of picks(b.txIds.length)) {
        const p = proofs.get(toHex(b.txIds[i]))!;
        assert.equal(p.block.inclusion, { index: i, path: inclusionProof(leaves, i).map(toHex) }, `block of ${b.txIds.length}, index ${i}`);
        const v = verifyProof(p, null);
        assert.ok(v.valid, `${b.txIds.length}/${i}: ${JSON.stringify(v)}`);
      }
    }
    const a = audit(s);
    assert.ok(a.ok, JSON.stringify(a.problem));
  });
});

P('a body slice is the slice of the body', async () => {
  await withStore(path.join(dir, 'data'), (s) => {
    const b = blocks[blocks.length - 1];
    for (const [from, to] of [[0, 1], [0, 256], [256, 512], [69_888, 70_000], [69_999, 70_000], [70_000, 70_000]])
      assert.equal(s.getBodySlice(b.hash, from, to)!.map(toHex), b.txIds.slice(from, to).map(toHex), `${from}..${to}`);
    assert.is(s.getBodySlice(new Uint8Array(32), 0, 1), undefined);
  });
});

P('a store from before the levels bucket proves the same bytes (read-only and writable), as does a backend without slices', async () => {
  const withChunks = await withStore(path.join(dir, 'data'), (s) => proofsOf(s).proofs);
  const old = copy('old');
  await dropLevels(old);
  for (const readOnly of [true, false]) {
    const r = await withStore(old, (s) => proofsOf(s, false), readOnly);
    assert.is(r.chunked, 0, 'no chunk roots: whole bodies');
    assert.equal(r.proofs, withChunks);
  }
  // Opened for writing, the bucket exists again and new blocks get their rows; old ones still have none.
  await withStore(old, (s) => assert.is(s.blockLevels(blocks[4].hash), undefined));
  const noSlice = await withStore(path.join(dir, 'data'), (s) => {
    const plain = new Proxy(s, { get: (t, k) => (k === 'getBodySlice' ? undefined : Reflect.get(t, k)) });
    const r = proofsOf(plain);
    assert.ok(r.chunked > 0, 'chunks read through getBody');
    return r.proofs;
  });
  assert.equal(noSlice, withChunks);
  assert.ok(await withStore(old, (s) => audit(s).ok));
});

/** Rewrites one row of `bucket` in the store at `data` (no store open on it). */
async function poke(data: string, bucket: string, hash: Uint8Array, f: (v: Buffer) => Buffer) {
  const env = open({ path: path.join(data, STORE_FILE), maxDbs: 16, compression: false, encoding: 'binary' } as never);
  try {
    const db = env.openDB({ name: bucket, encoding: 'binary', keyEncoding: 'binary' } as never);
    await db.put(Buffer.from(hash), f(Buffer.from(db.get(Buffer.from(hash)) as Buffer)));
  } finally {
    await env.close();
  }
}

P('a damaged levels row is not trusted: the proof comes from the whole body and verifies', async () => {
  const b = blocks[4]; // 1,000 records: chunk roots r0..r3, then n01 n23, then the root
  const i = 300; // in chunk 1: its path above the chunk is r0, n23
  const want = await withStore(path.join(dir, 'data'), (s) => new Query(s).proof(toHex(b.txIds[i])));
  for (const [what, f, from] of [
    ['a flipped byte in a sibling chunk root', (v: Buffer) => (v[5] ^= 1, v), 'whole'],
    ['a flipped byte in a node above the chunks', (v: Buffer) => (v[5 * 32 + 9] ^= 1, v), 'whole'],
    ['a missing node', (v: Buffer) => v.subarray(0, v.length - 32), 'whole'],
    ['a row of stray bytes', (v: Buffer) => v.subarray(0, 40), 'whole'],
    // a node the path does not use: the path is still sound, so it is still read from the row
    ['a flipped byte in its own chunk root', (v: Buffer) => (v[32 + 5] ^= 1, v), 'chunked'],
  ] as const) {
    const data = copy(`row-${what.replace(/\W+/g, '-')}`);
    await poke(data, BUCKETS.levels.name, b.hash, f);
    await withStore(data, (s) => {
      const q = new Query(s);
      const p = q.proof(toHex(b.txIds[i]));
      assert.equal(q.blockPaths.counts, { chunked: from === 'chunked' ? 1 : 0, whole: from === 'whole' ? 1 : 0 }, what);
      assert.equal(p, want, what);
      assert.ok(verifyProof(p, null).valid, what);
    });
  }
});

P('a damaged body gives a STORE error, not an invalid proof, with or without chunk roots', async () => {
  const b = blocks[4];
  const swap = (v: Buffer) => {
    const a = Buffer.from(v.subarray(300 * 32, 301 * 32));
    v.copy(v, 300 * 32, 301 * 32, 302 * 32);
    a.copy(v, 301 * 32);
    return v;
  };
  const data = copy('body');
  await poke(data, BUCKETS.bodies.name, b.hash, swap);
  for (const drop of [false, true]) {
    if (drop) await dropLevels(data);
    await withStore(data, (s) => {
      for (const i of [300, 301]) assert.is(errorCodeOf(() => new Query(s).proof(toHex(b.txIds[i]))), 'STORE', `index ${i}, chunks ${!drop}`);
      // A record of an intact chunk: its path is sound when it comes from the chunk roots, and
      // the whole body, which no longer adds up to the header, is refused.
      if (!drop) assert.ok(verifyProof(new Query(s).proof(toHex(b.txIds[5])), null).valid);
      else assert.is(errorCodeOf(() => new Query(s).proof(toHex(b.txIds[5]))), 'STORE');
    });
  }
});

P.run();
