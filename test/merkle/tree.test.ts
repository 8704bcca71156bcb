import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as m from '../../src/merkle/tree.js';
import { vector, hex, toHex } from '../helpers.js';
import { randomBytes } from 'node:crypto';

const v = vector('rfc9162-merkle.json');
const leaves: Uint8Array[] = v.leaves.map((l: string) => m.leafHash(hex(l)));

test('empty tree root is SHA-256 of the empty string', () => {
  assert.is(toHex(m.rootOf([])), v.emptyRoot);
});

test('roots for every size 1..8 match the published vectors', () => {
  for (let n = 1; n <= 8; n++) assert.is(toHex(m.rootOf(leaves.slice(0, n))), v.roots[n - 1], `size ${n}`);
});

test('inclusion proofs match the published vectors and verify', () => {
  for (const c of v.inclusion) {
    const tree = leaves.slice(0, c.size);
    assert.equal(m.inclusionProof(tree, c.index).map(toHex), c.path, `index ${c.index} size ${c.size}`);
    const root = hex(v.roots[c.size - 1]);
    assert.ok(m.verifyInclusion(c.index, c.size, leaves[c.index], c.path.map(hex), root));
  }
});

test('corrupted inclusion proofs fail (index, size, bit flip, truncation, padding)', () => {
  const c = v.inclusion[2];
  const root = hex(v.roots[c.size - 1]);
  const path: Uint8Array[] = c.path.map(hex);
  const leaf = leaves[c.index];
  assert.not.ok(m.verifyInclusion(c.index - 1, c.size, leaf, path, root));
  assert.not.ok(m.verifyInclusion(c.index + 1, c.size, leaf, path, root));
  assert.not.ok(m.verifyInclusion(c.index, c.size * 2, leaf, path, root));
  assert.not.ok(m.verifyInclusion(c.index, c.size / 2, leaf, path, root));
  assert.not.ok(m.verifyInclusion(c.index, c.size, leaf, path.slice(0, -1), root));
  assert.not.ok(m.verifyInclusion(c.index, c.size, leaf, [...path, root], root));
  assert.not.ok(m.verifyInclusion(c.index, c.size, leaf, [root, ...path], root));
  for (let i = 0; i < path.length; i++) {
    const p = path.map((x) => x.slice());
    p[i][0] ^= 8;
    assert.not.ok(m.verifyInclusion(c.index, c.size, leaf, p, root), `bit flip in path[${i}]`);
  }
});

test('consistency proofs match the published vectors and verify', () => {
  for (const c of v.consistency) {
    const tree = leaves.slice(0, c.size2);
    assert.equal(m.consistencyProof(tree, c.size1).map(toHex), c.path, `${c.size1}->${c.size2}`);
    const r1 = hex(v.roots[c.size1 - 1]);
    const r2 = hex(v.roots[c.size2 - 1]);
    assert.ok(m.verifyConsistency(c.size1, c.size2, r1, r2, c.path.map(hex)), `${c.size1}->${c.size2}`);
    if (c.path.length) {
      assert.not.ok(m.verifyConsistency(c.size1, c.size2, r2, r1, c.path.map(hex)), 'swapped roots');
      const bad = c.path.map(hex);
      bad[0][0] ^= 16;
      assert.not.ok(m.verifyConsistency(c.size1, c.size2, r1, r2, bad), 'bit flip');
      assert.not.ok(m.verifyConsistency(c.size1, c.size2, r1, r2, c.path.slice(0, -1).map(hex)), 'truncated');
    }
  }
});

test('random trees: every inclusion and consistency proof verifies', () => {
  for (const n of [1, 2, 3, 7, 16, 17, 100, 257]) {
    const ls = Array.from({ length: n }, () => m.leafHash(randomBytes(32)));
    const root = m.rootOf(ls);
    for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 9))) {
      assert.ok(m.verifyInclusion(i, n, ls[i], m.inclusionProof(ls, i), root));
      const r1 = m.rootOf(ls.slice(0, i + 1));
      assert.ok(m.verifyConsistency(i + 1, n, r1, root, m.consistencyProof(ls, i + 1)));
    }
  }
});

test('frontier appends give the same root as the full tree at every size', () => {
  let f: Uint8Array[] = [];
  const ls: Uint8Array[] = [];
  for (let n = 0; n < 70; n++) {
    assert.is(toHex(m.frontierRoot(f)), toHex(m.rootOf(ls)), `size ${n}`);
    const l = m.leafHash(randomBytes(32));
    f = m.frontierAppend(f, n, l);
    ls.push(l);
    assert.is(f.length, (n + 1).toString(2).split('1').length - 1);
  }
});

test('a block root is hashed once (its leaves are compared, not hashed into a tree again), and a changed id or leaf is hashed again', async () => {
  const { backend, useCryptoBackend } = await import('../../src/crypto/backend.js');
  const { portableSha256 } = await import('../../src/crypto/hash.js');
  const prev = backend;
  let calls = 0;
  useCryptoBackend({ ...prev, sha256: (d) => (calls++, prev.sha256(d)) });
  try {
    const ids = Array.from({ length: 100 }, () => new Uint8Array(randomBytes(32)));
    const plain = (id: Uint8Array) => portableSha256(Uint8Array.of(0, ...id));
    const leaves = ids.map(m.leafHash);
    const root = m.rootOf(leaves); // a header over these ids: its root is remembered
    calls = 0;
    assert.equal(m.rootOf(ids.map(m.leafHash)), root); // the block check over the same ids
    assert.is(calls, ids.length, 'the leaves hashed again, no node of the tree');
    // Changed in place: hashed again, never the remembered answer.
    ids[5][0] ^= 1;
    assert.equal(m.leafHash(ids[5]), plain(ids[5]));
    const changed = ids.map(m.leafHash);
    assert.not.equal(m.rootOf(changed), root);
    assert.equal(m.rootOf(changed), m.rootOf(changed.map((l) => l.slice())));
    ids[5][0] ^= 1;
    leaves[7][0] ^= 1; // a leaf handed out and then changed by its holder
    assert.equal(m.leafHash(ids[7]), plain(ids[7]));
    const fresh = ids.map(plain);
    calls = 0;
    assert.equal(m.rootOf(fresh), root);
    assert.is(calls, 0, 'same leaf bytes: the remembered root');
  } finally {
    useCryptoBackend(prev);
  }
});

test('entriesRoot is rootOnce over the leaf hashes, sizes 0..300 and ranges, entries of any length, with either backend', async () => {
  const { useCryptoBackend, portableBackend } = await import('../../src/crypto/backend.js');
  const all = Array.from({ length: 300 }, (_, i) => new Uint8Array(randomBytes(i % 7 === 3 ? i % 50 : 32)));
  const expect = (from: number, to: number) => m.rootOnce(all.slice(from, to).map(m.leafHash));
  for (let n = 0; n <= 300; n++) assert.equal(m.entriesRoot(all, 0, n), expect(0, n), `size ${n}`);
  for (const [from, to] of [[1, 2], [5, 6], [7, 263], [256, 300], [299, 300], [3, 3]]) assert.equal(m.entriesRoot(all, from, to), expect(from, to), `${from}..${to}`);
  // The portable backend has no sha256Into: the fallback copies, same bytes.
  const old = useCryptoBackend(portableBackend);
  try {
    for (const n of [0, 1, 2, 3, 255, 256, 257]) assert.equal(m.entriesRoot(all, 0, n), expect(0, n), `portable, size ${n}`);
  } finally {
    useCryptoBackend(old);
  }
  // A fresh array each time, not a view of a shared buffer: a caller may keep or change it.
  const a = m.entriesRoot(all, 0, 10);
  a[0] ^= 1;
  assert.equal(m.entriesRoot(all, 0, 10), expect(0, 10));
});

test.run();
