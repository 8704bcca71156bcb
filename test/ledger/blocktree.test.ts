import { suite } from 'uvu';
import { randomBytes } from 'node:crypto';
import * as assert from 'uvu/assert';
import { LmdbStore } from '../../src/store/lmdb.js';
import { BlockTree } from '../../src/ledger/blocktree.js';
import type { PendingNumbers } from '../../src/store/pendingNumbers.js';
import { consensusFor } from '../../src/consensus/index.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { blockHashOf, signHeader, type Header } from '../../src/chain/header.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { Intake } from '../../src/node/intake.js';
import { Pool } from '../../src/node/pool.js';
import { leafHash, rootOf } from '../../src/merkle/tree.js';
import { toHex } from '../../src/codec/bytes.js';
import { tmpDir, cleanup } from '../helpers.js';
import { ROLES } from '../../src/contracts/roles.js';

const T = suite('block tree');
const a = generateKeyPair();
const b = generateKeyPair();

const paramsOf = (params: Partial<ChainParams> = {}): ChainParams => ({
  version: 1,
  name: 't',
  created: Date.now() - 10_000,
  consensus: 'pow',
  authorities: [],
  threshold: 0,
  difficulty: 4,
  blockTime: 1000,
  ...params,
});

/** A fresh store holding only the genesis block of `p`, and its block tree. */
async function treeOf(p: ChainParams) {
  const store = await LmdbStore.open(tmpDir());
  await store.initChain(p, genesisWrite(p));
  return { store, tree: new BlockTree(store, consensusFor(p), p) };
}

async function setup(params: Partial<ChainParams> = {}) {
  const p = paramsOf(params);
  const { store, tree } = await treeOf(p);
  const pool = new Pool(store.pending(), () => store.pending()); // as node/node.ts makes it
  const intake = new Intake({ store, key: a, chainId: chainIdOf(p), role: ROLES.full, onCommitted: (ids) => pool.add(ids) });
  const ids: Uint8Array[] = [];
  for (let i = 0; i < 6; i++) ids.push(Buffer.from((await intake.submit({ payload: Buffer.from(`tx ${i}`) })).txId, 'hex'));
  return { p, store, tree, pool, ids, intake };
}

async function blockOn(tree: BlockTree, parent: Uint8Array, txIds: Uint8Array[], key = b, tweak: Partial<Header> = {}) {
  const pb = tree.store.getBlock(parent)!;
  const { frontierRoot } = await import('../../src/merkle/tree.js');
  const h: Header = {
    version: 1,
    chainId: tree.chainId,
    height: pb.signed.header.height + 1,
    timestamp: pb.signed.header.timestamp + 1,
    prevHash: parent,
    merkleRoot: rootOf(txIds.map(leafHash)),
    txCount: txIds.length,
    difficulty: tree.params.difficulty,
    nonce: 0n,
    producer: key.publicKey,
    historyRoot: frontierRoot(pb.frontier),
    ...tweak,
  };
  return tree.consensus.seal(h, key);
}

T.after(() => cleanup());

/** The store's pending numbers in memory (store/pendingNumbers.ts) hold exactly its pending records. */
function mapMirrorsDisk(store: LmdbStore) {
  const m = (store as unknown as { pendingNums: PendingNumbers }).pendingNums;
  const disk = store.pending();
  assert.is(m.size, disk.length);
  for (const id of disk) assert.ok(m.has(id), `pending ${toHex(id)} is in the map`);
}

T('a heavier branch reorganises the chain and abandoned transactions go back to pending', async () => {
  const { store, tree, pool, ids } = await setup();
  const g = store.hashAt(0)!;
  const a1 = await blockOn(tree, g, [ids[0], ids[1]], a);
  let out = await tree.add(a1, [ids[0], ids[1]]);
  assert.is(out[0].result, 'head');
  pool.apply(out[0].move!);
  assert.is(pool.size, 4);
  const a1h = blockHashOf(a1.header);

  // A rival at the same height with a higher hash (as much work): it stays a side branch.
  let b1 = await blockOn(tree, g, [ids[2]]);
  for (let t = 2; lower(blockHashOf(b1.header), a1h); t++) b1 = await blockOn(tree, g, [ids[2]], b, { timestamp: b1.header.timestamp + t });
  out = await tree.add(b1, [ids[2]]);
  assert.is(out[0].result, 'side', 'equal work and a higher hash: the head stays');
  assert.is(toHex(store.head()!.hash), toHex(a1h));

  const b1h = blockHashOf(b1.header);
  const b2 = await blockOn(tree, b1h, [ids[3], ids[1]]);
  out = await tree.add(b2, [ids[3], ids[1]]);
  assert.is(out[0].result, 'head');
  const move = out[0].move!;
  assert.is(move.disconnect.length, 1);
  assert.is(move.connect.length, 2);
  // ids[0] was only in the abandoned block: back to pending. ids[1] is in the new branch.
  assert.equal(move.repending.map(toHex), [toHex(ids[0])]);
  pool.apply(move);
  assert.is(store.head()!.height, 2);
  assert.is(store.location(ids[0]), undefined);
  assert.is(store.location(ids[2])!.height, 1);
  assert.is(store.location(ids[1])!.height, 2);
  assert.ok(store.pending().some((id) => toHex(id) === toHex(ids[0])), 'durably pending again');
  assert.ok(pool.has(ids[0]));
  assert.not.ok(pool.has(ids[1]));
  mapMirrorsDisk(store); // ids[0] is back in the map of pending numbers, ids[1..3] are not

  // The producer path re-includes it on the new head.
  const next = tree.nextHeader(pool.take(10), a.publicKey);
  const sealed = await tree.consensus.seal(next, a);
  out = await tree.add(sealed, pool.take(10));
  assert.is(out[0].result, 'head');
  assert.is(store.location(ids[0])!.height, 3);
  mapMirrorsDisk(store);
});

T('after a reorganisation the pool is in the order a restarted node reads from its store', async () => {
  const { store, tree, pool, ids } = await setup();
  const g = store.hashAt(0)!;
  const a1 = await blockOn(tree, g, [ids[0], ids[1]], a);
  pool.apply((await tree.add(a1, [ids[0], ids[1]]))[0].move!);
  // A heavier branch without ids[0]: it goes back to where it arrived, before ids[2..5]. (b1 may
  // already win the tie at height 1; then ids[0] and ids[1] go back, and b2 takes ids[1] again.)
  const applied = (outs: Awaited<ReturnType<BlockTree['add']>>) => outs.forEach((o) => o.move && pool.apply(o.move));
  const b1 = await blockOn(tree, g, [ids[2]]);
  applied(await tree.add(b1, [ids[2]]));
  const b2 = await blockOn(tree, blockHashOf(b1.header), [ids[1]]);
  applied(await tree.add(b2, [ids[1]]));
  assert.is(toHex(store.head()!.hash), toHex(blockHashOf(b2.header)));
  const inMemory = pool.take(1e9).map(toHex);
  assert.is(inMemory[0], toHex(ids[0]), 'a repended record keeps its place');
  const dir = store.path;
  await store.close();
  const reopened = await LmdbStore.open(dir);
  try {
    assert.equal(inMemory, reopened.pending().map(toHex), 'memory and a reopened store agree');
    assert.equal(new Pool(reopened.pending()).take(1e9).map(toHex), inMemory);
  } finally {
    await reopened.close();
  }
});

T('a large block is added in slices: an intake commit runs before the block commit', async () => {
  const { store, tree: t, pool, intake } = await setup({ consensus: 'poa', authorities: [a.publicKey], threshold: 1, difficulty: 0 });
  const tree = new BlockTree(store, t.consensus, t.params, 0); // gives the loop back after every slice, however fast the machine
  const n = 6244;
  for (let i = 0; i < n; i += 1000) await intake.acceptAll(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ payload: Buffer.from(`big ${i + j}`) })));
  const txIds = pool.take(1e9);
  assert.ok(txIds.length > n);
  const signed = await tree.consensus.seal(await tree.proposeHeader(txIds, a.publicKey), a);
  const calls: string[] = [];
  const [commitBlock, commitIngest] = [store.commitBlock.bind(store), store.commitIngest.bind(store)];
  store.commitBlock = (w) => (calls.push('block'), commitBlock(w));
  store.commitIngest = (w) => (calls.push('ingest'), commitIngest(w));
  const adding = tree.add(signed, txIds);
  const idle = tree.idle().then(() => calls.push('idle')); // what a stopping node awaits before it closes the store
  // A record arrives right after the block: without slices the add runs to its commit in one turn.
  const arrived = intake.submit({ payload: Buffer.from('during the block') });
  const out = await adding;
  await arrived;
  assert.is(out[0].result, 'head');
  await idle;
  assert.equal(calls, ['ingest', 'block', 'idle']);
  mapMirrorsDisk(store);
  assert.is(store.pending().length, 1);
  await intake.close();
});

/** Bytewise order of two block hashes, as fork choice compares them. */
const lower = (x: Uint8Array, y: Uint8Array) => Buffer.compare(Buffer.from(x), Buffer.from(y)) < 0;

T('afterMove runs before the add that made the move resolves, and before the next add starts', async () => {
  const { store, tree, pool, ids } = await setup();
  const log: string[] = [];
  tree.afterMove = async (m) => {
    const h = m.head.height;
    log.push(`start ${h}`);
    await pool.applyInTurns(m);
    await new Promise((r) => setTimeout(r, 20)); // a pool that takes a while to follow
    log.push(`end ${h}`);
  };
  const g = store.head()!.hash;
  const b1 = await blockOn(tree, g, [ids[0], ids[1]]);
  let started!: () => void;
  const firstStarted = new Promise<void>((r) => (started = r));
  const hook = tree.afterMove;
  tree.afterMove = (m) => (started(), hook(m));
  const first = tree.add(b1, [ids[0], ids[1]]).then((o) => (log.push('added 1'), o));
  // While the first block's afterMove runs (the block is stored by then), a second is added: it waits.
  await firstStarted;
  const b2 = await blockOn(tree, blockHashOf(b1.header), [ids[2]]);
  const second = tree.add(b2, [ids[2]]).then((o) => (log.push('added 2'), o));
  await Promise.all([first, second]);
  assert.equal(log, ['start 1', 'end 1', 'added 1', 'start 2', 'end 2', 'added 2']);
  assert.equal(pool.take(10).map(toHex), ids.slice(3).map(toHex), 'the pool followed both blocks');
  await store.close();
});

T('the block Merkle is remembered: the same ids again are compared chunk by chunk, not hashed; other ids of the same count are hashed', async () => {
  const { backend, useCryptoBackend } = await import('../../src/crypto/backend.js');
  const { store, tree } = await treeOf(paramsOf());
  const merkleOf = (ids: Uint8Array[], each?: (s: readonly Uint8Array[]) => void) => (tree as unknown as { merkleOf(i: Uint8Array[], e?: typeof each): Promise<{ root: Uint8Array }> }).merkleOf(ids, each);
  const prev = backend;
  let calls = 0;
  useCryptoBackend({ ...prev, sha256: (d) => (calls++, prev.sha256(d)), sha256Into: (d, o, a) => (calls++, prev.sha256Into!(d, o, a)) });
  try {
    const ids = Array.from({ length: 1000 }, () => new Uint8Array(randomBytes(32)));
    const first = await merkleOf(ids);
    assert.equal(first.root, rootOf(ids.map(leafHash)));
    calls = 0;
    const seen: number[] = [];
    const again = await merkleOf(ids.map((x) => x.slice()), (s) => seen.push(s.length));
    assert.equal([calls, again.root], [0, first.root], 'the same bytes: compared, not hashed');
    assert.equal(seen, [256, 256, 256, 232], 'every chunk still checked');
    // One id changed in the third chunk: the chunks before it are hashed then, the root is the ids' own.
    const other = ids.map((x) => x.slice());
    other[600][3] ^= 1;
    const changed = await merkleOf(other);
    assert.equal(changed.root, rootOf(other.map(leafHash)));
    assert.not.equal(changed.root, first.root);
    calls = 0;
    assert.equal((await merkleOf(other)).root, changed.root);
    assert.is(calls, 0, 'the changed ids are the ones remembered now');
  } finally {
    useCryptoBackend(prev);
    await store.close();
  }
});

T('equally heavy heads: the lowest block hash wins, whatever the arrival order', async () => {
  const p = paramsOf();
  const one = await treeOf(p);
  const two = await treeOf(p);
  const g = one.store.hashAt(0)!;
  // Two empty blocks on genesis by two producers: the same work, different hashes.
  const x = await blockOn(one.tree, g, [], a);
  const y = await blockOn(one.tree, g, [], b);
  const [xh, yh] = [blockHashOf(x.header), blockHashOf(y.header)];
  const low = toHex(lower(xh, yh) ? xh : yh);
  await one.tree.add(x, []);
  await one.tree.add(y, []);
  await two.tree.add(y, []);
  await two.tree.add(x, []);
  assert.is(toHex(one.store.head()!.hash), low, 'x first, then y');
  assert.is(toHex(two.store.head()!.hash), low, 'y first, then x');
  // The loser is kept as a side branch on both, and the canonical chain at height 1 agrees.
  for (const s of [one.store, two.store]) {
    assert.ok(s.getBlock(xh) && s.getBlock(yh));
    assert.is(toHex(s.hashAt(1)!), low);
  }
  await Promise.all([one.store.close(), two.store.close()]);
});

T('orphans wait for their parent and are connected when it arrives', async () => {
  const { store, tree, ids } = await setup();
  const g = store.hashAt(0)!;
  const x1 = await blockOn(tree, g, [ids[0]]);
  const x1h = blockHashOf(x1.header);
  // Build x1 <- x2 here, then hand them to a second node's tree in the wrong order.
  await tree.add(x1, [ids[0]]);
  const x2 = await blockOn(tree, x1h, [ids[1]]);
  const s2 = await LmdbStore.open(tmpDir());
  await s2.initChain(tree.params, genesisWrite(tree.params));
  const t2 = new BlockTree(s2, consensusFor(tree.params), tree.params);
  // The second store learns the transactions (as the network layer will deliver them).
  for (const id of [ids[0], ids[1]]) {
    const tx = store.getTx(id)!;
    const batch = store.getBatch(tx.batchRoot)!;
    await s2.commitIngest({ batchRoot: tx.batchRoot, batch, txs: [{ txId: id, coreBytes: tx.coreBytes, index: tx.index }], seq: 0 });
  }
  let out = await t2.add(x2, [ids[1]]);
  assert.is(out[0].result, 'orphan');
  assert.is(t2.orphanTotal, 1);
  out = await t2.add(x1, [ids[0]]);
  assert.equal(out.map((o) => o.result), ['head', 'head']);
  assert.is(s2.head()!.height, 2);
  assert.is(t2.orphanTotal, 0);
});

T('invalid blocks are refused with a reason', async () => {
  const { store, tree, ids } = await setup();
  const g = store.hashAt(0)!;
  const ok = await blockOn(tree, g, [ids[0]]);
  const bad = async (s: Promise<unknown> | (() => Promise<unknown>), re: RegExp) => {
    try {
      await (typeof s === 'function' ? s() : s);
      assert.unreachable('accepted');
    } catch (e) {
      assert.match((e as Error).message, re);
    }
  };
  await bad(tree.add({ ...ok, header: { ...ok.header, merkleRoot: new Uint8Array(32) } }, [ids[0]]), /merkle root|leading zero|signature/);
  await bad(tree.add(ok, [ids[1]]), /merkle root/);
  await bad(tree.add(ok, [ids[0], ids[0]]), /txCount|twice/);
  await bad(async () => tree.add(await blockOn(tree, g, [new Uint8Array(32).fill(9)]), [new Uint8Array(32).fill(9)]), /unknown transaction/);
  await bad(async () => tree.add(await blockOn(tree, g, [ids[0]], b, { historyRoot: new Uint8Array(32) }), [ids[0]]), /history root/);
  await bad(async () => tree.add(await blockOn(tree, g, [ids[0]], b, { height: 5 }), [ids[0]]), /height/);
  await bad(async () => tree.add(await blockOn(tree, g, [ids[0]], b, { chainId: new Uint8Array(32) }), [ids[0]]), /another chain/);
  // A valid PoW block with its producer signature swapped for another key's.
  const forged = { ...ok, signatures: [signHeader(blockHashOf(ok.header), a)] };
  await bad(tree.add(forged, [ids[0]]), /producer signature/);
  assert.is((await tree.add(ok, [ids[0]]))[0].result, 'head');
  // A transaction already on the chain cannot be included again.
  await bad(async () => tree.add(await blockOn(tree, blockHashOf(ok.header), [ids[0]]), [ids[0]]), /already in block/);
});

T('proof-of-authority needs k of n authority signatures', async () => {
  const c = generateKeyPair();
  const { store, tree, ids } = await setup({ consensus: 'poa', authorities: [a.publicKey, b.publicKey], threshold: 2, difficulty: 0 });
  const g = store.hashAt(0)!;
  const h = tree.nextHeader([ids[0]], a.publicKey);
  const one = await tree.consensus.seal(h, a);
  try {
    await tree.add(one, [ids[0]]);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /1 of 2/);
  }
  const hash = blockHashOf(h);
  const withOutsider = { ...one, signatures: [...one.signatures, signHeader(hash, c)] };
  try {
    await tree.add(withOutsider, [ids[0]]);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /1 of 2/);
  }
  const two = { ...one, signatures: [...one.signatures, signHeader(hash, b)] };
  assert.is((await tree.add(two, [ids[0]]))[0].result, 'head');
  assert.is(toHex(store.head()!.hash), toHex(hash));
  assert.is(toHex(store.getBlock(hash)!.signed.header.prevHash), toHex(g));
});

T.run();
