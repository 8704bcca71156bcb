/**
 * The broker as a C2SP witness (c2sp.org/tlog-witness) over real sockets: POST /add-checkpoint
 * with every status code the spec names (200, 400, 403, 404, 409 with its text/x.tlog.size body,
 * 422), the cosignature it returns verifying as cosignature/v1, consistency checked from the last
 * cosigned size, the state kept across a restart, the monitoring GET, and `broker serve
 * --witness-*` as a child process.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { tmpDir, cleanup, cleanupAfter, bin, adopt, cli } from '../helpers.js';
import { Broker } from '../../src/global/broker.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { writeKeyFile } from '../../src/io/keyfile.js';
import { signChainCheckpoint, historyConsistency, chainTreeHead } from '../../src/node/tlog.js';
import { addCheckpointBody } from '../../src/transparency/witness.js';
import { cosignerKey, verifyCosignatures, formatCosignerKey, parseCosignerKey } from '../../src/transparency/cosignature.js';
import { parseVerifierKey, signNote } from '../../src/transparency/note.js';
import { checkpointText } from '../../src/transparency/checkpoint.js';
import { toBase64 } from '../../src/codec/bytes.js';
import { powTree, grow } from '../transparency/chains.js';

const T = suite('tlog witness');
const closing = cleanupAfter(T);
T.after(() => cleanup());

async function post(url: string, body: string) {
  const r = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
}

async function setup() {
  const dir = tmpDir();
  const { store, tree } = await powTree(path.join(dir, 'chain'), 'witnessed');
  closing(store);
  const logKey = generateKeyPair();
  const miner = generateKeyPair();
  await grow(tree, miner, 20);
  const s = signChainCheckpoint(store, logKey, 0);
  const vkey = s.verifierKey;
  const wkey = generateKeyPair();
  const witness = { name: 'witness.example/w1', key: wkey, logs: [{ origin: s.head.origin, keys: [parseVerifierKey(vkey)] }] };
  const start = () => Broker.start({ dataDir: path.join(dir, 'broker'), listen: '127.0.0.1:0', witness });
  return { dir, store, tree, miner, logKey, vkey, origin: s.head.origin, witness, start, cosigner: cosignerKey(witness.name, wkey.publicKey) };
}

T('add-checkpoint: 200 with a cosignature/v1 line, then only consistent extensions, every status code as the spec says', async () => {
  const x = await setup();
  let b = await x.start();
  try {
    const at = (size: number) => signChainCheckpoint(x.store, x.logKey, x.store.head()!.height + 1 - size).note;
    const n10 = at(10);
    // 422: a checkpoint of size 0 must have the empty tree's root; old 0 takes no proof.
    const zero = signNote(checkpointText({ origin: x.origin, size: 0, root: new Uint8Array(32) }), x.origin, x.logKey);
    assert.is((await post(b.url, addCheckpointBody(0, [], zero))).status, 422);
    assert.is((await post(b.url, addCheckpointBody(0, historyConsistency(x.store, 5, 10), n10))).status, 422);
    // First contact: old 0, no proof.
    let r = await post(b.url, addCheckpointBody(0, [], n10));
    assert.is(r.status, 200, r.body);
    assert.match(r.body, /^\u2014 witness\.example\/w1 [A-Za-z0-9+/=]+\n$/);
    const cosigned = `${n10}${r.body}`;
    const got = verifyCosignatures(cosigned, [x.cosigner]);
    assert.is(got.length, 1);
    assert.ok(Math.abs(got[0].time - Date.now() / 1000) < 60);
    // 409: the old size must be the last cosigned one; the body is that size.
    r = await post(b.url, addCheckpointBody(0, [], at(15)));
    assert.equal([r.status, r.type, r.body], [409, 'text/x.tlog.size', '10\n']);
    // 200: a consistent extension 10 -> 15.
    r = await post(b.url, addCheckpointBody(10, historyConsistency(x.store, 10, 15), at(15)));
    assert.is(r.status, 200, r.body);
    // 422: a proof that does not verify (from 15 to 18, with the proof of 14 -> 18).
    r = await post(b.url, addCheckpointBody(15, historyConsistency(x.store, 14, 18), at(18)));
    assert.is(r.status, 422, r.body);
    // 422: equal sizes, another root (a fork at the cosigned size), signed by the log key.
    const forked = signNote(checkpointText({ origin: x.origin, size: 15, root: new Uint8Array(32).fill(7) }), x.origin, x.logKey);
    r = await post(b.url, addCheckpointBody(15, [], forked));
    assert.is(r.status, 422, r.body);
    // 200: equal sizes, same root (a repeat) is cosigned again.
    r = await post(b.url, addCheckpointBody(15, [], at(15)));
    assert.is(r.status, 200, r.body);
    // 400: old size above the checkpoint size; malformed bodies.
    r = await post(b.url, addCheckpointBody(16, [], at(15)));
    assert.is(r.status, 400, r.body);
    for (const bad of ['', 'old 01\n\n' + at(15), 'old 15\nnot base64\n\n' + at(15), `old 15\n${'AAAA\n'}\n${at(15)}`, `old 15\n\n${at(15).replace('\n\n', '\n')}`]) assert.is((await post(b.url, bad)).status, 400, JSON.stringify(bad.slice(0, 30)));
    r = await post(b.url, `old 15\n${`${toBase64(new Uint8Array(32))}\n`.repeat(64)}\n${at(18)}`);
    assert.is(r.status, 400, '64 proof lines');
    // 404: an origin this witness does not know.
    const other = signNote(checkpointText({ origin: 'example.com/other', size: 1, root: new Uint8Array(32) }), 'example.com/other', x.logKey);
    assert.is((await post(b.url, addCheckpointBody(0, [], other))).status, 404);
    // 403: signed by another key under the log's name; a known key's signature that fails.
    const stranger = signChainCheckpoint(x.store, generateKeyPair(), 0).note;
    assert.is((await post(b.url, addCheckpointBody(15, historyConsistency(x.store, 15, 21), stranger))).status, 403);
    const tampered = at(18).replace(/ ([A-Za-z0-9+/]{10})/, (m, s: string) => ` ${s.slice(0, 6)}${s[6] === 'A' ? 'B' : 'A'}${s.slice(7)}`);
    assert.is((await post(b.url, addCheckpointBody(15, historyConsistency(x.store, 15, 18), tampered))).status, 403);
  } finally {
    await b.close();
  }
  // The state survives a restart: the witness still asks for old 15.
  b = await x.start();
  try {
    const n21 = signChainCheckpoint(x.store, x.logKey, 0).note;
    assert.equal((await post(b.url, addCheckpointBody(0, [], n21))).body, '15\n');
    assert.is((await post(b.url, addCheckpointBody(15, historyConsistency(x.store, 15, 21), n21))).status, 200);
    // The monitoring read: the last cosigned checkpoint with the log's and the witness's lines.
    const h = createHash('sha256').update(x.origin).digest('hex');
    const g = await fetch(`${b.url}/${h}/checkpoint`);
    assert.is(g.status, 200);
    const text = await g.text();
    assert.ok(text.startsWith(n21));
    assert.is(verifyCosignatures(text, [x.cosigner]).length, 1);
    assert.is((await fetch(`${b.url}/${'0'.repeat(64)}/checkpoint`)).status, 404);
    assert.is((await fetch(`${b.url}/add-checkpoint`)).status, 405);
  } finally {
    await b.close();
  }
});

T('broker serve --witness-key/--witness-name/--witness-logs: a child process answers add-checkpoint and prints its cosigner key', async () => {
  const x = await setup();
  const keyFile = path.join(x.dir, 'w.key');
  writeKeyFile(keyFile, x.witness.key);
  const logs = path.join(x.dir, 'logs.json');
  fs.writeFileSync(logs, JSON.stringify({ logs: [{ origin: x.origin, key: x.vkey }] }));
  const proc = adopt(spawn(process.execPath, [bin, 'broker', 'serve', '--data', path.join(x.dir, 'b2'), '--json', '--witness-key', keyFile, '--witness-name', 'w.example/1', '--witness-logs', logs], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: proc.stdout! }).once('line', resolve));
  const j = JSON.parse(line);
  assert.is(j.witness, formatCosignerKey(cosignerKey('w.example/1', x.witness.key.publicKey)));
  const r = await post(j.url, addCheckpointBody(0, [], signChainCheckpoint(x.store, x.logKey, 3).note));
  assert.is(r.status, 200, r.body);
  assert.is(verifyCosignatures(`${signChainCheckpoint(x.store, x.logKey, 3).note}${r.body}`, [parseCosignerKey(j.witness)]).length, 1);
  assert.ok(chainTreeHead(x.store, 3).size > 0);
  // Half a witness configuration is refused (exit 2).
  const half = await cli(['broker', 'serve', '--data', path.join(x.dir, 'b3'), '--witness-key', keyFile]);
  assert.is(half.code, 2);
});

T.run();
