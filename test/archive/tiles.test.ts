/**
 * archive export --tiles: C2SP tlog-tiles paths and widths as the spec's examples give them; the
 * checkpoint's root and inclusion proofs recomputed from the files alone and checked against
 * RFC 9162 over the same leaves; incremental runs that write only what is new; refusals when the
 * files or the chain do not fit; and the command on a real node, by --data and by --node.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { tmpDir, startNode, cli, cleanupAfter, errorCodeOf } from '../helpers.js';
import { encodeTileIndex, tilePath, tilesAt, TiledTree, parseEntryBundle } from '../../src/transparency/tiles.js';
import { exportTiles, readExportedHead, readTileFile, type ChainSource } from '../../src/archive/tiles.js';
import { rootOf, inclusionProof, leafHash, verifyInclusion } from '../../src/merkle/tree.js';
import { signTreeHead, openTreeHead } from '../../src/transparency/checkpoint.js';
import { noteKey } from '../../src/transparency/note.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { toHex } from '../../src/codec/bytes.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { isUrchainError } from '../../src/errors.js';
import { watchFsyncs } from '../io/fsyncWatch.js';

cleanupAfter(test);

test('tile paths: x-path index groups and .p/W for partial tiles (c2sp.org/tlog-tiles)', () => {
  assert.is(encodeTileIndex(1234067), 'x001/x234/067');
  assert.is(encodeTileIndex(0), '000');
  assert.is(encodeTileIndex(999), '999');
  assert.is(encodeTileIndex(1000), 'x001/000');
  assert.is(tilePath(0, 5), 'tile/0/005');
  assert.is(tilePath(2, 1234067, 17), 'tile/2/x001/x234/067.p/17');
  assert.is(tilePath('entries', 3, 255), 'tile/entries/003.p/255');
});

test('tiles of a tree: the spec examples of size 70,000 and 256', () => {
  const at = (size: number, level: number) => tilesAt(size, level).map((t) => t.width);
  const l0 = at(70_000, 0);
  assert.is(l0.length, 274);
  assert.is(l0.filter((w) => w === 256).length, 273);
  assert.is(l0.at(-1), 112);
  assert.equal(at(70_000, 1), [256, 17]);
  assert.equal(at(70_000, 2), [1]);
  assert.equal(at(70_000, 3), []);
  assert.equal(at(256, 0), [256]);
  assert.equal(at(256, 1), [1]);
});

/** A chain of random block hashes whose checkpoint a random key signs. */
function fakeChain(hashes: Uint8Array[], size = hashes.length, key = generateKeyPair(), origin = 'urchain.example/test/0011223344556677'): ChainSource & { key: typeof key } {
  return {
    key,
    checkpoint: async () => {
      const root = rootOf(hashes.slice(0, size).map(leafHash));
      return { note: signTreeHead({ origin, size, root }, key), size, root };
    },
    blockHashes: async (from, to) => hashes.slice(from, to),
    historyRoot: async (h) => rootOf(hashes.slice(0, h).map(leafHash)),
  };
}

const randomHashes = (n: number) => Array.from({ length: n }, () => new Uint8Array(crypto.randomBytes(32)));

/** Everything a verifier needs, read from the files alone: the checkpoint's tree head and the tree. */
function fromFiles(dir: string) {
  const head = readExportedHead(dir)!;
  return { head, tree: new TiledTree(head.size, (t) => readTileFile(dir, t)) };
}

/** The entry at index m, from its bundle (the full one, or the partial one of this size). */
function entryAt(dir: string, size: number, m: number): Uint8Array {
  const index = Math.floor(m / 256);
  const width = Math.min(256, size - index * 256);
  return parseEntryBundle(new Uint8Array(fs.readFileSync(path.join(dir, tilePath('entries', index, width)))))[m % 256];
}

test('root and inclusion proofs recomputed from the files alone equal RFC 9162 over the leaves', async () => {
  for (const n of [1, 2, 255, 256, 257, 511, 65_536 + 300]) {
    const hashes = randomHashes(n);
    const dir = tmpDir();
    const r = await exportTiles(dir, fakeChain(hashes));
    assert.is(r.size, n);
    const leaves = hashes.map(leafHash);
    const { head, tree } = fromFiles(dir);
    assert.is(toHex(tree.hash()), toHex(rootOf(leaves)), `root of ${n}`);
    assert.is(toHex(head.root), toHex(tree.hash()));
    for (const m of new Set([0, n - 1, Math.floor(n / 2), Math.min(n - 1, 256), Math.min(n - 1, 65_535)])) {
      const entry = entryAt(dir, n, m);
      assert.is(toHex(entry), toHex(hashes[m]));
      assert.is(toHex(tree.leaf(m)), toHex(leafHash(entry)));
      const proof = tree.inclusion(m);
      assert.equal(proof.map(toHex), inclusionProof(leaves, m).map(toHex), `proof of ${m} in ${n}`);
      assert.ok(verifyInclusion(m, n, leafHash(entry), proof, head.root));
    }
  }
});

test('incremental: a re-run writes nothing, a longer chain only the tiles from the last partial one and the checkpoint', async () => {
  const hashes = randomHashes(70_000);
  const key = generateKeyPair();
  const dir = tmpDir();
  const first = await exportTiles(dir, fakeChain(hashes, 1000, key));
  assert.equal([first.tiles, first.bundles, first.written], [5, 4, 10]); // level 0: 3 full + 1 partial; level 1: partial
  const fullTile = path.join(dir, tilePath(0, 2));
  const before = fs.statSync(fullTile);
  const again = await exportTiles(dir, fakeChain(hashes, 1000, key));
  assert.is(again.written, 0);
  const r = await exportTiles(dir, fakeChain(hashes, 70_000, key));
  assert.is(r.previousSize, 1000);
  // Level 0 from tile 3 (it was partial) to 273 (partial), level 1 tiles 0 and 1, level 2 tile 0.
  assert.is(r.bundles, 271);
  assert.is(r.tiles, 271 + 2 + 1);
  assert.is(r.written, 271 + 274 + 1);
  const after = fs.statSync(fullTile);
  assert.is(after.mtimeMs, before.mtimeMs);
  assert.is(after.ino, before.ino);
  const { tree } = fromFiles(dir);
  assert.is(toHex(tree.hash()), toHex(rootOf(hashes.map(leafHash))));
  // The partial tiles of the first run are still there for clients holding its checkpoint.
  assert.ok(fs.existsSync(path.join(dir, tilePath(0, 3, 1000 - 768))));
});

test('refused, and nothing written: a tile changed on disk, a chain that no longer extends the export, a smaller tree, another chain', async () => {
  const hashes = randomHashes(1500);
  const key = generateKeyPair();
  const dir = tmpDir();
  await exportTiles(dir, fakeChain(hashes, 600, key));
  const cp = fs.readFileSync(path.join(dir, 'checkpoint'), 'utf8');
  const code = async (p: Promise<unknown>) => p.then(() => 'none', (e) => (isUrchainError(e) ? e.code : String(e)));

  // A full level-0 tile altered: the level-1 hash computed from it no longer gives the checkpoint's root.
  const t = path.join(dir, tilePath(0, 0));
  const good = fs.readFileSync(t);
  const bad = Buffer.from(good);
  bad[5] ^= 1;
  fs.writeFileSync(t, bad);
  assert.is(await code(exportTiles(dir, fakeChain(hashes, 1500, key))), 'BAD_CHAIN');
  assert.is(fs.readFileSync(path.join(dir, 'checkpoint'), 'utf8'), cp);
  assert.not.ok(fs.existsSync(path.join(dir, tilePath(0, 5, 1500 - 1280))));
  fs.writeFileSync(t, good);

  // Another history (a deep reorganisation) at the same origin.
  const forked = [...hashes.slice(0, 300), ...randomHashes(1200)];
  assert.is(await code(exportTiles(dir, fakeChain(forked, 1500, key))), 'BAD_CHAIN');
  assert.is(await code(exportTiles(dir, fakeChain(hashes, 500, key))), 'BAD_CHAIN');
  assert.is(await code(exportTiles(dir, fakeChain(hashes, 1500, key, 'urchain.example/other/0011223344556677'))), 'BAD_CHAIN');
  assert.is(fs.readFileSync(path.join(dir, 'checkpoint'), 'utf8'), cp);
  // The real continuation still goes through.
  assert.is((await exportTiles(dir, fakeChain(hashes, 1500, key))).size, 1500);
  assert.is(errorCodeOf(() => new TiledTree(1500, (x) => readTileFile(dir, x)).inclusion(1500)), 'BAD_INPUT');
});

test('urchain archive export on a real node: by --data, then up to date by --node; the signed checkpoint is the chain\'s', async () => {
  const data = tmpDir();
  const node = await startNode(data, ['--block-time', '200ms']);
  const send = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const r = await fetch(`${node.url}/v1/records`, { method: 'POST', body: `r${i}` }).then((x) => x.json());
      await node.included(r.txId);
    }
  };
  await send(3);
  const out = tmpDir();
  const a = await cli(['archive', 'export', '--tiles', out, '--data', data, '--json']);
  assert.is(a.code, 0, a.stderr);
  const cp = await cli(['checkpoint', '--data', data]);
  assert.is(fs.readFileSync(path.join(out, 'checkpoint'), 'utf8'), cp.stdout); // same key, same bytes
  const key = readKeyFile(path.join(data, 'node.key'));
  const head = openTreeHead(fs.readFileSync(path.join(out, 'checkpoint'), 'utf8'), [noteKey(a.json.origin, key.publicKey)]);
  assert.is(head.size, a.json.size);
  assert.ok(head.size >= 4);

  await send(2);
  const b = await cli(['archive', 'export', '--tiles', out, '--node', node.url, '--json']);
  assert.is(b.code, 0, b.stderr);
  assert.is(b.json.previousSize, a.json.size);
  assert.ok(b.json.size > a.json.size);
  const { head: h2, tree } = fromFiles(out);
  assert.is(toHex(tree.hash()), toHex(h2.root));
  // Every block's hash is in the files and proves into the checkpoint.
  for (let m = 0; m < h2.size; m++) {
    const blk = await fetch(`${node.url}/v1/blocks/${m}?noTxs=1`).then((x) => x.json());
    const entry = entryAt(out, h2.size, m);
    assert.is(toHex(entry), blk.hash);
    assert.ok(verifyInclusion(m, h2.size, leafHash(entry), tree.inclusion(m), h2.root));
  }
  // The history root of the next block is the root over the blocks below it: the same tree.
  const next = await fetch(`${node.url}/v1/blocks/${h2.size}?noTxs=1`).then((x) => x.json());
  if (next.header) assert.is(next.header.historyRoot, toHex(h2.root));
  const c = await cli(['archive', 'export', '--tiles', out, '--data', data, '--json']);
  assert.is(c.code, 0, c.stderr);
  assert.is(c.json.written, 0); // the node signed that checkpoint with the same key: same bytes
  const bad = await cli(['archive', 'export', '--tiles', out]);
  assert.is(bad.code, 2);
  await node.stop();
});

test('durable: every tile and bundle is fsynced, every folder touched too, then the checkpoint and its folder last; no temp file stays', async () => {
  const dir = path.join(tmpDir(), 'export');
  const w = watchFsyncs();
  try {
    await exportTiles(dir, fakeChain(randomHashes(300)));
  } finally {
    w.stop();
  }
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = (d: string) => {
    dirs.push(d);
    for (const e of fs.readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (f: string) => files.push(f))(path.join(d, e.name));
  };
  walk(dir);
  assert.not.ok(files.some((f) => f.endsWith('.tmp')), 'a temp file was left');
  const tmpOf = (f: string) => `${f}.${process.pid}.tmp`;
  for (const f of files) assert.ok(w.synced.includes(tmpOf(f)), `${f} was not fsynced`);
  for (const d of [path.dirname(dir), ...dirs]) assert.ok(w.synced.includes(d), `folder ${d} was not fsynced`);
  // The checkpoint is the last file, and its folder's fsync the very last: after every other.
  const cp = w.synced.indexOf(tmpOf(path.join(dir, 'checkpoint')));
  assert.is(cp, w.synced.length - 2);
  assert.is(w.synced[w.synced.length - 1], dir);
  for (const d of dirs.slice(1)) assert.ok(w.synced.indexOf(d) < cp, `${d} after the checkpoint`);
});

test.run();
