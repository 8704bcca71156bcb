/**
 * The chain's C2SP checkpoint (node/tlog): what it commits to (the history root over block hashes),
 * that `urchain checkpoint --data` and a running node's GET /checkpoint print the same note, and
 * that under proof-of-work no reorganisation makes the node sign two inconsistent checkpoints.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { tmpDir, cleanup, startNode, cli, cleanupAfter, toHex } from '../helpers.js';
import { LmdbStore } from '../../src/store/lmdb.js';
import { BlockTree } from '../../src/ledger/blocktree.js';
import { consensusFor } from '../../src/consensus/index.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { type ChainParams } from '../../src/chain/params.js';
import { blockHashOf, type Header } from '../../src/chain/header.js';
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.js';
import { leafHash, rootOf, frontierRoot, consistencyProof, verifyConsistency, EMPTY_ROOT } from '../../src/merkle/tree.js';
import { chainTreeHead, signChainCheckpoint, CheckpointSigner } from '../../src/node/tlog.js';
import { openTreeHead } from '../../src/transparency/checkpoint.js';
import { parseVerifierKey } from '../../src/transparency/note.js';
import { checkpointOrigin, DEFAULT_DEPTH } from '../../src/transparency/origin.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { isUrchainError } from '../../src/errors.js';
import { routeOf } from '../../src/node/api.js';
import { powTree as powTree0, emptyBlock, canonicalLeaves } from '../transparency/chains.js';

const T = suite('node tlog');
const closing = cleanupAfter(T);
T.after(() => cleanup());

async function powTree() {
  const t = await powTree0();
  closing(t.store);
  return t;
}

T('the tree head is the RFC 9162 root over leafHash(block hash) of heights 0..final, = the next header historyRoot', async () => {
  const { p, store, tree } = await powTree();
  const key = generateKeyPair();
  let tip = store.hashAt(0)!;
  for (let i = 0; i < 10; i++) tip = await emptyBlock(tree, tip, key);
  const h = chainTreeHead(store);
  assert.is(h.depth, DEFAULT_DEPTH);
  assert.is(h.height, 10 - DEFAULT_DEPTH);
  assert.is(h.size, h.height + 1);
  assert.equal(h.root, rootOf(canonicalLeaves(store).slice(0, h.size)));
  assert.equal(h.root, store.getBlock(store.hashAt(h.height + 1)!)!.signed.header.historyRoot);
  assert.is(h.origin, checkpointOrigin(p));
  assert.match(h.origin, /^urchain\.example\/pow%20test\/[0-9a-f]{16}$/);
  // Depth beyond the head: genesis alone (size 1), never the empty tree.
  const g = chainTreeHead(store, 50);
  assert.is(g.size, 1);
  assert.not.equal(g.root, EMPTY_ROOT);
  assert.equal(chainTreeHead(store, 0).root, frontierRoot(store.getBlock(tip)!.frontier));
});

T('proof-of-work: across reorganisations shallower than the depth, every signed checkpoint is consistent with every earlier one', async () => {
  const { store, tree } = await powTree();
  const miner = generateKeyPair();
  const signerKey = generateKeyPair();
  const depth = 3;
  const signed: { size: number; root: Uint8Array; note: string }[] = [];
  const unsafe: { size: number; root: Uint8Array }[] = [];
  const sign = () => {
    const s = signChainCheckpoint(store, signerKey, depth);
    signed.push({ size: s.head.size, root: s.head.root, note: s.note });
    unsafe.push(chainTreeHead(store, 0));
  };
  let tip = store.hashAt(0)!;
  for (let i = 0; i < 6; i++) {
    tip = await emptyBlock(tree, tip, miner);
    sign();
  }
  // Rounds of: a rival branch forks off 1..depth-1 blocks below the head, outgrows it, takes over.
  let reorgs = 0;
  for (let round = 0; round < 8; round++) {
    const head = store.head()!;
    const back = 1 + (round % (depth - 1));
    let rival = store.hashAt(head.height - back)!;
    for (let i = 0; i <= back; i++) {
      rival = await emptyBlock(tree, rival, miner, 1000 + round);
      sign();
    }
    if (toHex(store.head()!.hash) === toHex(rival)) reorgs++;
    tip = await emptyBlock(tree, store.head()!.hash, miner);
    sign();
  }
  assert.ok(reorgs >= 6, `${reorgs} reorganisations`);
  const leaves = canonicalLeaves(store);
  const key = parseVerifierKey(signChainCheckpoint(store, signerKey, depth).verifierKey);
  for (const c of signed) {
    // Each checkpoint is a prefix of today's chain, so each pair has an RFC 9162 consistency proof.
    assert.equal(c.root, rootOf(leaves.slice(0, c.size)), `checkpoint of size ${c.size} no longer on the chain`);
    assert.is(openTreeHead(c.note, [key]).size, c.size);
  }
  for (let i = 1; i < signed.length; i++) {
    const [a, b] = [signed[i - 1], signed[i]];
    assert.ok(b.size >= a.size, 'sizes never shrink');
    assert.ok(verifyConsistency(a.size, b.size, a.root, b.root, consistencyProof(leaves.slice(0, b.size), a.size)));
  }
  // Without the depth the same run would have signed heads that the reorganisations replaced.
  assert.ok(unsafe.some((c) => toHex(c.root) !== toHex(rootOf(leaves.slice(0, c.size)))), 'depth 0 would have signed an abandoned branch');
});

T('a reorganisation deeper than the depth: the node\'s signer refuses to sign a checkpoint inconsistent with its last', async () => {
  const { store, tree } = await powTree();
  const miner = generateKeyPair();
  const key = generateKeyPair();
  const signer = new CheckpointSigner();
  let tip = store.hashAt(0)!;
  for (let i = 0; i < 6; i++) tip = await emptyBlock(tree, tip, miner);
  const first = openTreeHead(signer.sign(store, key, 2), [parseVerifierKey(signChainCheckpoint(store, key, 2).verifierKey)]);
  assert.is(first.size, 5);
  // A smaller checkpoint (a prefix of the signed tree) and a repeat are consistent: signed.
  assert.ok(signer.sign(store, key, 4));
  assert.ok(signer.sign(store, key, 2));
  // A private branch from height 1 outgrows the chain: heights 2.. are replaced, deeper than 2.
  let rival = store.hashAt(1)!;
  for (let i = 0; i < 8; i++) rival = await emptyBlock(tree, rival, miner, 5000);
  assert.is(toHex(store.head()!.hash), toHex(rival));
  const unguarded = chainTreeHead(store, 2);
  assert.not.equal(rootOf(canonicalLeaves(store).slice(0, first.size)), first.root, 'the signed tree is gone from the chain');
  assert.ok(unguarded.size > first.size);
  try {
    signer.sign(store, key, 2);
    assert.unreachable('signed an inconsistent checkpoint');
  } catch (e) {
    assert.ok(isUrchainError(e, 'UNAVAILABLE'), String(e));
  }
});

T('proof-of-authority: only an authority key signs; a one-authority chain covers its head', async () => {
  const dir = tmpDir();
  assert.is((await cli(['init', '--data', path.join(dir, 'n')])).code, 0);
  const store = await LmdbStore.open(path.join(dir, 'n'), { readOnly: true });
  try {
    const code = (() => {
      try {
        signChainCheckpoint(store, generateKeyPair());
        return 'none';
      } catch (e) {
        return isUrchainError(e) ? e.code : 'other';
      }
    })();
    assert.is(code, 'BAD_INPUT');
    const s = signChainCheckpoint(store, readKeyFile(path.join(dir, 'n', 'node.key')));
    assert.is(s.head.depth, 0);
    assert.is(s.head.size, store.head()!.height + 1);
  } finally {
    await store.close();
  }
});

T('a real node: GET /checkpoint (text/plain) equals `urchain checkpoint --data` and `--node`; --json; the note verifies', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'n');
  const node = await startNode(data, ['--block-time', '100ms']);
  const r = await cli(['ingest', 'send', '-', '--node', node.url], 'a record');
  assert.is(r.code, 0, r.stderr);
  await node.included(r.json.txId);
  const res = await fetch(`${node.url}/checkpoint`);
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  const served = await res.text();
  const fromData = await cli(['checkpoint', '--data', data]);
  assert.is(fromData.code, 0, fromData.stderr);
  assert.is(fromData.stdout, served);
  const fromNode = await cli(['checkpoint', '--node', node.url]);
  assert.is(fromNode.stdout, served);
  const j = await cli(['checkpoint', '--data', data, '--json']);
  const key = readKeyFile(path.join(data, 'node.key'));
  const store = await LmdbStore.open(data, { readOnly: true });
  try {
    const vkeyText = signChainCheckpoint(store, key).verifierKey;
    const vkey = parseVerifierKey(vkeyText);
    const h = openTreeHead(served, [vkey], checkpointOrigin(store.getParams()!));
    assert.ok(h.size >= 2);
    assert.equal(j.json, { origin: h.origin, size: h.size, root: toHex(h.root), note: served, verifierKey: vkeyText });
    assert.equal(h.root, rootOf(canonicalLeaves(store).slice(0, h.size)));
  } finally {
    await store.close();
  }
  const deep = await fetch(`${node.url}/checkpoint?depth=1000`).then((x) => x.text());
  assert.match(deep, /\n1\n/);
  assert.is((await cli(['checkpoint', '--node', node.url, '--depth', '1000'])).stdout, deep);
  assert.is((await fetch(`${node.url}/checkpoint?depth=x`)).status, 400);
  assert.is(routeOf('/checkpoint?depth=3'), '/checkpoint', 'one metrics label, whatever the depth');
  assert.is((await fetch(`${node.url}/checkpoint/x`)).status, 404);
  assert.is((await fetch(`${node.url}/checkpoint`, { method: 'POST' })).status, 405);
  assert.is((await cli(['checkpoint', '--node', node.url, '--data', data])).code, 2);
  assert.is((await cli(['checkpoint', '--node', node.url, '--key', path.join(data, 'node.key')])).code, 2);
});

T.run();
