/**
 * Consistency and inclusion proofs of a chain's history log between checkpoint sizes (RFC 9162,
 * as Go's sumdb/tlog computes them: the Go cross-check runs the same proofs), and the log's last
 * signed checkpoint kept in DATA/tlog/signed.json so the never-two-inconsistent guard survives a
 * restart.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, cleanup, cleanupAfter, toHex, cli } from '../helpers.js';
import { writeKeyFile } from '../../src/io/keyfile.js';
import { latestCheckpoint } from '../../commands/checkpointSource.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { frontierRoot, leafHash, verifyConsistency, verifyInclusion, rootOf } from '../../src/merkle/tree.js';
import { historyConsistency, historyInclusion, chainTreeHead, CheckpointSigner, signedStateFile } from '../../src/node/tlog.js';
import { isUrchainError } from '../../src/errors.js';
import { powTree, emptyBlock, grow, canonicalLeaves } from './chains.js';

const T = suite('history proofs');
const closing = cleanupAfter(T);
T.after(() => cleanup());

const rootAt = (store: { hashAt(h: number): Uint8Array | undefined; getBlock(h: Uint8Array): { frontier: Uint8Array[] } | undefined }, size: number) => frontierRoot(store.getBlock(store.hashAt(size - 1)!)!.frontier);

T('every consistency proof between two sizes of a 40-block history verifies, and fails for a wrong root or size', async () => {
  const { store, tree } = await powTree();
  closing(store);
  await grow(tree, generateKeyPair(), 39);
  const leaves = canonicalLeaves(store);
  for (let s2 = 1; s2 <= 40; s2++) {
    const r2 = rootAt(store, s2);
    assert.equal(r2, rootOf(leaves.slice(0, s2)));
    for (let s1 = 0; s1 <= s2; s1++) {
      const p = historyConsistency(store, s1, s2);
      const r1 = s1 ? rootAt(store, s1) : rootOf([]);
      assert.ok(verifyConsistency(s1, s2, r1, r2, p), `${s1} -> ${s2}`);
      if (s1 > 0 && s1 < s2) {
        assert.not.ok(verifyConsistency(s1, s2, rootAt(store, s2), r2, p), `wrong old root ${s1} -> ${s2}`);
        if (s1 + 1 < s2) assert.not.ok(verifyConsistency(s1 + 1, s2, rootAt(store, s1 + 1), r2, p), `wrong old size ${s1} -> ${s2}`);
      }
    }
    for (let h = 0; h < s2; h += 3) assert.ok(verifyInclusion(h, s2, leafHash(store.hashAt(h)!), historyInclusion(store, h, s2), r2), `block ${h} in ${s2}`);
  }
  assert.ok(isUrchainError(catching(() => historyConsistency(store, 5, 41)), 'NOT_FOUND'));
  assert.ok(isUrchainError(catching(() => historyConsistency(store, 6, 5)), 'BAD_INPUT'));
});

function catching(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

T('the last signed checkpoint is kept in DATA/tlog/signed.json: after a restart a reorg deeper than the depth is still refused', async () => {
  const dir = tmpDir();
  const { store, tree } = await powTree(dir);
  closing(store);
  const miner = generateKeyPair();
  const key = generateKeyPair();
  await grow(tree, miner, 6);
  new CheckpointSigner(true).sign(store, key, 2);
  const kept = JSON.parse(fs.readFileSync(signedStateFile(dir), 'utf8'));
  assert.is(kept.size, 5);
  assert.is(kept.origin, chainTreeHead(store, 2).origin);
  // A private branch from height 1 outgrows the chain: heights 2.. replaced, deeper than the depth.
  let rival = store.hashAt(1)!;
  for (let i = 0; i < 8; i++) rival = await emptyBlock(tree, rival, miner, 5000);
  assert.is(toHex(store.head()!.hash), toHex(rival));
  // A signer that remembers nothing would sign (what a restart did before the state file):
  assert.ok(new CheckpointSigner().sign(store, key, 2));
  // The restarted node's signer reads the file and refuses.
  const e = catching(() => new CheckpointSigner(true).sign(store, key, 2));
  assert.ok(isUrchainError(e, 'UNAVAILABLE'), String(e));
  assert.is(JSON.parse(fs.readFileSync(signedStateFile(dir), 'utf8')).size, 5, 'the state is unchanged');
  // `urchain checkpoint --data` and `urchain anchor --data` sign through the same guard (anchor
  // signed without it before: it would have stamped the inconsistent checkpoint).
  await store.close();
  const keyFile = path.join(tmpDir(), 'chain.key');
  writeKeyFile(keyFile, key);
  const refused = await latestCheckpoint({ data: dir, key: keyFile, depth: 2 }).then(() => undefined, (x) => x);
  assert.ok(isUrchainError(refused, 'UNAVAILABLE'), String(refused));
  const anchor = await cli(['anchor', '--data', dir, '--key', keyFile, '--depth', '2', '--calendar', 'http://127.0.0.1:9/a', '--calendar', 'http://127.0.0.1:9/b']);
  assert.is.not(anchor.code, 0);
  assert.match(anchor.stderr, /refusing to sign an inconsistent one/);
  assert.not.ok(fs.existsSync(path.join(dir, 'anchors')) && fs.readdirSync(path.join(dir, 'anchors')).some((f) => f.endsWith('.note')), 'nothing anchored');
});

T.run();
