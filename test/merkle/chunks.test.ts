/**
 * merkle/chunks against merkle/tree: the tree over aligned 256-leaf chunk roots has the block's
 * root for every size, and a chunked inclusion path is byte for byte tree.ts's inclusionProof.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { leafHash, rootOf, inclusionProof, verifyInclusion, MerkleLevels, frontierAppend, frontierRoot } from '../../src/merkle/tree.js';
import { CHUNK, ChunkedTree, chunkCount, chunkRange, chunkRoots } from '../../src/merkle/chunks.js';
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
    assert.is(toHex(new ChunkedTree(n, roots).root()), toHex(frontierRoot(frontier)), `size ${n}`);
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
    const top = new ChunkedTree(n, chunkRoots(entries));
    assert.is(toHex(top.root()), toHex(whole.root()), `root, size ${n}`);
    for (const i of indexesOf(n)) {
      const path = top.proof(i, chunkOf(entries, n, top.chunkOf(i)));
      assert.equal(path.map(toHex), whole.proof(i).map(toHex), `size ${n} index ${i}`);
      assert.ok(verifyInclusion(i, n, leafHash(entries[i]), path, whole.root()));
    }
  }
  // and inclusionProof (the function, not only the levels it uses) on one mid-sized tree
  const e = all.slice(0, 1000);
  const top = new ChunkedTree(1000, chunkRoots(e));
  for (const i of [0, 255, 256, 700, 999]) assert.equal(top.proof(i, chunkOf(e, 1000, top.chunkOf(i))).map(toHex), inclusionProof(e.map(leafHash), i).map(toHex));
});

// 2^18 + 1: a lone leaf in the last chunk, the deepest split (bench/proofs.ts goes to a million).
test('2^18 + 1 leaves: the chunk roots give the root', () => {
  const n = 262_145;
  const all = ids(n);
  const roots = chunkRoots(all);
  assert.is(roots.length, 1025);
  const top = new ChunkedTree(n, roots);
  const leaves = all.map(leafHash);
  assert.is(toHex(top.root()), toHex(rootOf(leaves)));
  for (const j of [0, 1000, 1024]) assert.is(toHex(roots[j]), toHex(rootOf(leaves.slice(...chunkRange(n, j)))), `chunk ${j}`);
  const i = n - 1;
  assert.ok(verifyInclusion(i, n, leafHash(all[i]), top.proof(i, chunkOf(all, n, top.chunkOf(i))), top.root()));
});

test('a chunk that is not the one the tree holds is refused; so are wrong counts and indexes', () => {
  const e = ids(1000);
  const top = new ChunkedTree(1000, chunkRoots(e));
  const other = e.slice();
  other[300] = new Uint8Array(32);
  assert.not.ok(top.holds(1, chunkOf(other, 1000, 1)));
  assert.throws(() => top.proof(300, chunkOf(other, 1000, 1)), /does not match its root/);
  assert.throws(() => top.proof(300, chunkOf(e, 1000, 0)), /does not match its root/, 'the wrong chunk');
  assert.throws(() => new ChunkedTree(1000, chunkRoots(e).slice(1)), /3 chunk roots for a tree of size 1000 \(expected 4\)/);
  assert.throws(() => top.chunkOf(1000), /outside a tree of size 1000/);
  assert.throws(() => chunkRange(1000, 4), /chunk 4 outside/);
});

test.run();
