/**
 * merkle/chunks against merkle/tree: the tree over aligned 256-leaf chunk roots has the block's
 * root for every size, and a chunked inclusion path is byte for byte tree.ts's inclusionProof.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { leafHash, rootOf, inclusionProof, verifyInclusion, MerkleLevels, frontierAppend, frontierRoot } from '../../src/merkle/tree.js';
import { CHUNK, chunkCount, chunkRange, chunkRoots, encodeLevels, levelsFit, chunkPathIn, chunkedProof } from '../../src/merkle/chunks.js';
import { toHex } from '../helpers.js';

const ids = (n: number) => {
  const b = new Uint8Array(randomBytes(32 * n));
  return Array.from({ length: n }, (_, i) => b.subarray(32 * i, 32 * i + 32));
};
const chunkOf = (entries: Uint8Array[], size: number, j: number) => new MerkleLevels(entries.slice(...chunkRange(size, j)).map(leafHash));

/** The indexes worth checking in a tree of `size`: ends, chunk edges around them, a few at random. */
function indexesOf(size: number): number[] {
  const xs = new Set([0, size - 1, Math.floor(size / 2)]);
  for (const i of [CHUNK - 1, CHUNK, CHUNK + 1, size - CHUNK - 1, size - CHUNK, Math.floor((size - 1) / CHUNK) * CHUNK - 1]) if (i >= 0 && i < size) xs.add(i);
  for (let k = 0; k < 4; k++) xs.add(Math.floor(Math.random() * size));
  return [...xs];
}

test('the tree over the chunk roots has the root of the whole tree, sizes 1..2000', () => {
  const all = ids(2000);
  const leaves = all.map(leafHash);
  // The full chunks of a prefix are the full chunks of the whole list: compute those once.
  // The root of every prefix comes from tree.ts's frontier (O(log n) each), not from the chunks.
  const full = chunkRoots(all.slice(0, 2000 - (2000 % CHUNK)));
  let frontier: Uint8Array[] = [];
  for (let n = 1; n <= 2000; n++) {
    frontier = frontierAppend(frontier, n - 1, leaves[n - 1]);
    const roots = full.slice(0, Math.floor(n / CHUNK));
    if (n % CHUNK) roots.push(rootOf(leaves.slice(n - (n % CHUNK), n)));
    assert.is(roots.length, chunkCount(n));
    assert.is(toHex(rootOf(roots)), toHex(frontierRoot(frontier)), `size ${n}`);
  }
  assert.is(toHex(frontierRoot(frontier)), toHex(rootOf(leaves)));
  // chunkRoots itself on every size around the chunk edges.
  for (const n of [1, 2, 255, 256, 257, 511, 512, 513, 767, 768, 769, 1023, 1024, 1025, 1999, 2000])
    assert.equal(chunkRoots(all.slice(0, n)).map(toHex), Array.from({ length: chunkCount(n) }, (_, j) => toHex(rootOf(leaves.slice(...chunkRange(n, j))))), `size ${n}`);
});

test('chunked inclusion proofs are the bytes of inclusionProof, small and big sizes', () => {
  const all = ids(70_000);
  const sizes = [1, 2, 3, 255, 256, 257, 300, 511, 512, 513, 1000, 1024, 1025, 2000, 4096, 8193, 65_536, 65_537, 70_000];
  for (let n = 1; n <= 1100; n += 37) sizes.push(n);
  for (const n of sizes) {
    const entries = all.slice(0, n);
    const whole = new MerkleLevels(entries.map(leafHash));
    const row = encodeLevels(entries);
    assert.ok(levelsFit(row, n));
    assert.is(toHex(row.subarray(row.length - 32)), toHex(whole.root()), `the row ends with the root, size ${n}`);
    for (const i of indexesOf(n)) {
      const path = chunkedProof(row, n, i, chunkOf(entries, n, Math.floor(i / CHUNK)));
      assert.equal(path.map(toHex), whole.proof(i).map(toHex), `size ${n} index ${i}`);
      assert.ok(verifyInclusion(i, n, leafHash(entries[i]), path, whole.root()));
    }
  }
  // and inclusionProof (the function, not only the levels it uses) on one mid-sized tree
  const e = all.slice(0, 1000);
  const row = encodeLevels(e);
  assert.equal(toHex(row.subarray(0, 4 * 32)), chunkRoots(e).map(toHex).join(''), 'the row starts with the chunk roots');
  assert.is(row.length, (4 + 2 + 1) * 32);
  for (const i of [0, 255, 256, 700, 999]) assert.equal(chunkedProof(row, 1000, i, chunkOf(e, 1000, Math.floor(i / CHUNK))).map(toHex), inclusionProof(e.map(leafHash), i).map(toHex));
});

// 2^18 + 1: a lone leaf in the last chunk, the deepest split (bench/proofs.ts goes to a million).
test('2^18 + 1 leaves: the chunk roots give the root', () => {
  const n = 262_145;
  const all = ids(n);
  const roots = chunkRoots(all);
  assert.is(roots.length, 1025);
  const leaves = all.map(leafHash);
  const root = rootOf(leaves);
  assert.is(toHex(rootOf(roots)), toHex(root));
  for (const j of [0, 1000, 1024]) assert.is(toHex(roots[j]), toHex(rootOf(leaves.slice(...chunkRange(n, j)))), `chunk ${j}`);
  const row = encodeLevels(all);
  for (const i of [0, 131_072, n - 1]) assert.ok(verifyInclusion(i, n, leaves[i], chunkedProof(row, n, i, chunkOf(all, n, Math.floor(i / CHUNK))), root), `index ${i}`);
});

test('a wrong chunk or row gives a path that does not verify; rows and chunks of the wrong size are refused', () => {
  const e = ids(1000);
  const row = encodeLevels(e);
  const root = rootOf(e.map(leafHash));
  const other = e.slice();
  other[300] = new Uint8Array(32);
  const i = 301;
  assert.not.ok(verifyInclusion(i, 1000, leafHash(e[i]), chunkedProof(row, 1000, i, chunkOf(other, 1000, 1)), root), 'a changed entry in the chunk');
  const bad = row.slice();
  bad[0] ^= 1; // chunk 0's root: a sibling of chunk 1
  assert.not.ok(verifyInclusion(i, 1000, leafHash(e[i]), chunkedProof(bad, 1000, i, chunkOf(e, 1000, 1)), root), 'a changed sibling in the row');
  assert.throws(() => chunkedProof(row, 1000, i, chunkOf(e, 1000, 3)), /chunk 1 of 232 leaves \(expected 256\)/);
  assert.not.ok(levelsFit(row.subarray(32), 1000));
  assert.not.ok(levelsFit(row, 2000));
  assert.throws(() => chunkPathIn(row.subarray(32), 1000, 1), /levels row of 192 bytes/);
  assert.throws(() => chunkedProof(row, 1000, 1000, chunkOf(e, 1000, 3)), /outside a tree of size 1000/);
  assert.throws(() => chunkRange(1000, 4), /chunk 4 outside/);
  assert.is(chunkCount(256), 1);
  assert.is(chunkCount(257), 2);
});

test.run();
