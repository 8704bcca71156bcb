/**
 * The Go cross-check (issue 15): a Go program built offline against Debian's golang.org/x/mod
 * (sumdb/note, sumdb/tlog) and crypto/ed25519 (test/transparency/c2spcheck.go) verifies what a
 * real urchain chain produces: 120 signed checkpoints with two cosignature/v1 cosignatures each,
 * block inclusion proofs, consistency proofs between checkpoint sizes and tlog-proof texts; and
 * rejects every tampered copy. Under CI (CI set) a missing Go toolchain fails the test; elsewhere
 * it is skipped with the reason printed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { root, tmpDir, cleanup } from '../helpers.js';
import { haveGo, buildGo } from '../../support/golang.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { toBase64 } from '../../src/codec/bytes.js';
import { frontierRoot } from '../../src/merkle/tree.js';
import { signChainCheckpoint, historyConsistency, historyInclusion } from '../../src/node/tlog.js';
import { cosignNote } from '../../src/transparency/cosignature.js';
import { formatTlogProof } from '../../src/transparency/tlogProof.js';
import { powTree, grow } from './chains.js';

test.after(() => cleanup());

const N = 120;
const flipB64 = (s: string, at = 3) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);

test(`Go's sumdb/note and sumdb/tlog verify ${N} urchain checkpoints with cosignatures, their inclusion and consistency proofs and tlog-proofs, and reject tampered ones`, async () => {
  if (!haveGo()) {
    if (process.env.CI) assert.unreachable('go and golang.org/x/mod are missing (.ci/run installs golang-go and golang-golang-x-mod-dev)');
    console.log('  skipped: go or golang.org/x/mod not installed (apt-get install golang-go golang-golang-x-mod-dev)');
    return;
  }
  const checker = buildGo(fs.readFileSync(path.join(root, 'test', 'transparency', 'c2spcheck.go'), 'utf8'));
  const { store, tree } = await powTree(tmpDir(), 'go cross-check');
  try {
    await grow(tree, generateKeyPair(), N - 1);
    const logKey = generateKeyPair();
    const ws = [1, 2].map((i) => ({ name: `witness${i}.example/w`, key: generateKeyPair() }));
    const cosigners = ws.map((w) => ({ name: w.name, key: toBase64(w.key.publicKey) }));
    const rootAt = (size: number) => frontierRoot(store.getBlock(store.hashAt(size - 1)!)!.frontier);
    const good: any = { checkpoints: [], inclusion: [], consistency: [], proofs: [] };
    const bad: any = { checkpoints: [], inclusion: [], consistency: [], proofs: [] };
    let vkey = '';
    const notes: string[] = [];
    for (let size = 1; size <= N; size++) {
      const s = signChainCheckpoint(store, logKey, N - size);
      assert.is(s.head.size, size);
      vkey = s.verifierKey;
      let note = s.note;
      ws.forEach((w, i) => (note = cosignNote(note, w.name, w.key, 1_700_000_000 + size * 10 + i)));
      notes.push(note);
      good.checkpoints.push({ note, vkey, cosigners, cosigs: 2 });
      if (size % 10 === 0) {
        // Tampered: the root, a cosignature's time, and a claim of a cosigner that did not sign.
        const [text, sigs] = [note.slice(0, note.indexOf('\n\n') + 2), note.slice(note.indexOf('\n\n') + 2)];
        bad.checkpoints.push({ note: note.replace(/\n([A-Za-z0-9+/]{43}=)\n/, (_m, r: string) => `\n${flipB64(r)}\n`), vkey, cosigners, cosigs: 2 });
        const lines = sigs.split('\n');
        lines[2] = lines[2].replace(/ ([A-Za-z0-9+/]{12})/, (_m, x: string) => ` ${flipB64(x, 9)}`);
        bad.checkpoints.push({ note: text + lines.join('\n'), vkey, cosigners, cosigs: 2 });
        bad.checkpoints.push({ note: s.note, vkey, cosigners, cosigs: 2 });
      }
    }
    for (let size = 1; size <= N; size += 7) {
      for (let h = 0; h < size; h += Math.max(1, Math.floor(size / 5))) {
        const item = { size, root: toBase64(rootAt(size)), index: h, leaf: toBase64(store.hashAt(h)!), proof: historyInclusion(store, h, size).map(toBase64) };
        good.inclusion.push(item);
        if (item.proof.length) bad.inclusion.push({ ...item, proof: [flipB64(item.proof[0]), ...item.proof.slice(1)] });
        bad.inclusion.push({ ...item, index: (h + 1) % size === h ? h : (h + 1) % size, leaf: size > 1 ? item.leaf : toBase64(new Uint8Array(32)) });
      }
      for (let old = 1; old <= size; old += 5) {
        const item = { old, oldRoot: toBase64(rootAt(old)), size, root: toBase64(rootAt(size)), proof: historyConsistency(store, old, size).map(toBase64) };
        good.consistency.push(item);
        if (old < size) bad.consistency.push({ ...item, oldRoot: toBase64(rootAt(old === 1 ? 2 : old - 1)) });
      }
    }
    for (let h = 0; h < N; h += 3) {
      const size = Math.min(N, h + 1 + (h % 17));
      const text = formatTlogProof({ extra: new TextEncoder().encode(`{"height":${h}}`), index: h, path: historyInclusion(store, h, size), note: notes[size - 1] });
      const item = { text, vkey, entry: toBase64(store.hashAt(h)!), cosigners, cosigs: 2 };
      good.proofs.push(item);
      bad.proofs.push({ ...item, entry: toBase64(store.hashAt((h + 1) % N)!) });
    }
    const run = (input: unknown) => JSON.parse(execFileSync(checker, { input: JSON.stringify(input), maxBuffer: 64 << 20 }).toString());
    const g = run(good);
    const total = Object.values(good).reduce((n: number, l: any) => n + l.length, 0);
    assert.ok(good.checkpoints.length >= 100 && total >= 400, `${total} items`);
    for (const k of Object.keys(good)) g[k].forEach((e: string, i: number) => assert.is(e, '', `${k}[${i}]: Go says ${e}`));
    const b = run(bad);
    for (const k of Object.keys(bad)) {
      assert.ok(bad[k].length > 0, k);
      b[k].forEach((e: string, i: number) => assert.is.not(e, '', `${k}[${i}]: Go accepted a tampered item`));
    }
  } finally {
    await store.close();
  }
});

test.run();
