/**
 * `urchain backup` of a running node under write load, `urchain restore`, and `urchain audit` of
 * the copy: every receipt given before the backup started is in it. Then what restore refuses:
 * a folder that is not empty, a folder a node runs on, a backup whose bytes changed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { LmdbStore } from '../../src/store/lmdb.js';
import { fromHex } from '../../src/codec/bytes.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { encodeCore, txIdOf } from '../../src/chain/transaction.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { currentFormat } from '../../src/store/format.js';
import { tmpDir, cli, startNode, cleanupAfter, adopt, bin } from '../helpers.js';

const B = suite('backup and restore');
cleanupAfter(B);

B('a backup taken under write load restores, audits, and holds every receipt given before it started', async () => {
  const data = tmpDir();
  fs.mkdirSync(data, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(data, 'notes.txt'), 'an operator file beside the store\n', { mode: 0o600 });
  const node = await startNode(data, ['--block-time', '1s'], { keep: () => false });
  const noted: string[] = [];
  let phase: 'before' | 'during' | 'after' = 'before';
  let during = 0;
  let stop = false;
  let enough!: () => void;
  const loaded = new Promise<void>((r) => (enough = r));
  // Eight clients, each sending one record after another; a receipt counts as "before" only if
  // its answer came in before the backup command was started.
  const client = async (c: number) => {
    for (let i = 0; !stop; i++) {
      const res = await fetch(`${node.url}/v1/records?product=LOAD-${c}`, { method: 'POST', body: `client ${c} record ${i}` });
      const receipt = (await res.json()) as { txId?: string };
      assert.ok(res.ok && receipt.txId, JSON.stringify(receipt));
      if (phase === 'before') {
        noted.push(receipt.txId!);
        if (noted.length >= 400) enough();
      } else if (phase === 'during') during++;
    }
  };
  const clients = Array.from({ length: 8 }, (_, c) => client(c));
  const out = path.join(tmpDir(), 'plant.tar');
  let backup;
  try {
    await Promise.race([loaded, Promise.all(clients)]);
    phase = 'during';
    backup = await cli(['backup', '--data', data, '--out', out]);
    phase = 'after';
  } finally {
    stop = true;
    await Promise.allSettled(clients);
  }
  assert.is(backup.code, 0, backup.stderr);
  assert.ok(during > 0, 'records were taken in while the backup ran');
  assert.is(backup.json.out, out);
  assert.is(backup.json.kind, 'tar');
  assert.is(backup.json.format, currentFormat());
  assert.ok(backup.json.ms >= 0 && backup.json.bytes === fs.statSync(out).size);
  assert.equal(backup.json.files.map((f: any) => f.name).sort(), ['chain.lmdb', 'node.key', 'notes.txt'], 'no lock, nothing transient');
  await node.stop();

  const restored = path.join(tmpDir(), 'restored');
  const r = await cli(['restore', '--from', out, '--data', restored]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.json.files.sort(), ['chain.lmdb', 'node.key', 'notes.txt']);
  assert.is((fs.statSync(path.join(restored, 'node.key')).mode & 0o777).toString(8), '600');
  assert.is(fs.readFileSync(path.join(restored, 'node.key'), 'utf8'), fs.readFileSync(path.join(data, 'node.key'), 'utf8'));
  const audit = await cli(['audit', '--data', restored]);
  assert.is(audit.code, 0, audit.stderr + audit.stdout);
  assert.is(audit.json.ok, true);

  const s = await LmdbStore.open(restored, { readOnly: true });
  try {
    const pending = new Set(s.pending().map((id) => Buffer.from(id).toString('hex')));
    const missing = noted.filter((id) => !s.hasTx(fromHex(id)) || !(s.location(fromHex(id)) || pending.has(id)));
    assert.equal(missing, [], `${missing.length} of ${noted.length} receipts given before the backup are not in the copy`);
    assert.ok(audit.json.transactions >= noted.length);
  } finally {
    await s.close();
  }

  // The restored folder runs as the same node.
  const again = await startNode(restored);
  const st = (await (await fetch(`${again.url}/v1/status`)).json()) as { key?: string; publicKey?: string };
  const key = JSON.parse(fs.readFileSync(path.join(data, 'node.key'), 'utf8')).publicKey;
  assert.ok(JSON.stringify(st).includes(key), JSON.stringify(st));
  await again.stop();
});

B('restore refuses a folder that is not empty, one a node runs on, and a changed backup; backup refuses an existing --out', async () => {
  const data = tmpDir();
  assert.is((await cli(['init', '--data', data])).code, 0);
  const out = path.join(tmpDir(), 'plant.backup');
  const b = await cli(['backup', '--data', data, '--out', out, '--compact']);
  assert.is(b.code, 0, b.stderr);
  assert.is(b.json.kind, 'folder');
  assert.ok(fs.existsSync(path.join(out, 'backup.json')));
  assert.equal(fs.readdirSync(path.dirname(out)), ['plant.backup'], 'no partial folder left behind');

  // A trailing slash, as shells complete a folder name, names the same new folder.
  const slashed = path.join(tmpDir(), 'slashed');
  const sb = await cli(['backup', '--data', data, '--out', `${slashed}/`]);
  assert.is(sb.code, 0, sb.stderr);
  assert.ok(fs.existsSync(path.join(slashed, 'backup.json')));

  const again = await cli(['backup', '--data', data, '--out', out]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /exists; a backup goes to a new folder or file/);

  // Not empty: refused, and left as it was; --force replaces it.
  const full = tmpDir();
  fs.writeFileSync(path.join(full, 'chain.lmdb'), 'not a store');
  const refused = await cli(['restore', '--from', out, '--data', full]);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /is not empty \(chain\.lmdb\); restore into an empty folder, or add --force/);
  assert.is(fs.readFileSync(path.join(full, 'chain.lmdb'), 'utf8'), 'not a store');
  assert.equal(fs.readdirSync(full), ['chain.lmdb'], 'no lock or temporary file left behind');
  const forced = await cli(['restore', '--from', out, '--data', full, '--force']);
  assert.is(forced.code, 0, forced.stderr);
  assert.not.ok(fs.existsSync(path.join(full, 'restore.incomplete')), 'a finished restore leaves no marker');
  assert.equal(forced.json.replaced, ['chain.lmdb']);
  assert.is((await cli(['audit', '--data', full])).code, 0);

  // A node runs on the folder: refused even with --force.
  const node = await startNode(full);
  const busy = await cli(['restore', '--from', out, '--data', full, '--force']);
  assert.is(busy.code, 1);
  assert.match(busy.stderr, /another node \(pid \d+\) is running on/);
  await node.stop();

  // One byte of the store changed: refused before anything is put in place.
  const store = path.join(out, 'chain.lmdb');
  const bytes = fs.readFileSync(store);
  bytes[bytes.length - 1] ^= 1;
  fs.writeFileSync(store, bytes);
  const empty = path.join(tmpDir(), 'target');
  const damaged = await cli(['restore', '--from', out, '--data', empty]);
  assert.is(damaged.code, 2, damaged.stderr);
  assert.match(damaged.stderr, /chain\.lmdb does not match backup\.json .*the backup is damaged/);
  assert.equal(fs.readdirSync(empty), [], 'nothing restored, no temporary file left');

  // Not a backup at all.
  const none = await cli(['restore', '--from', data, '--data', path.join(tmpDir(), 'x')]);
  assert.is(none.code, 1);
  assert.match(none.stderr, /no backup manifest at .*backup\.json/);
});

/** A store of about `mb` MB of pending records, written in-process (quicker than through a node). */
async function bigStore(mb: number): Promise<string> {
  const dir = tmpDir();
  const key = generateKeyPair();
  const params: ChainParams = { version: 1, name: 'big', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
  const s = await LmdbStore.open(dir);
  try {
    await s.initChain(params, genesisWrite(params));
    const chainId = chainIdOf(params);
    const payload = new Uint8Array(64 * 1024).fill(7);
    const digest = sha256(payload);
    for (let b = 0; b < mb / 6.4; b++) {
      const txs = Array.from({ length: 100 }, (_, i) => {
        const coreBytes = encodeCore({ version: 1, chainId, origin: key.publicKey, timestamp: 1, seq: b * 100 + i, kind: 'record', meta: [], payloadDigest: digest, payloadLength: payload.length });
        return { txId: txIdOf(coreBytes), coreBytes, index: i, payload };
      });
      const batch = signBatch(txs.map((t) => t.txId), key);
      await s.commitIngest({ batchRoot: batch.root, batch: { origin: key.publicKey, signature: batch.signature, txIds: txs.map((t) => t.txId) }, txs, seq: (b + 1) * 100 });
    }
  } finally {
    await s.close();
  }
  return dir;
}

B('a node refuses a folder a restore left half done (the marker restore writes first and removes last)', async () => {
  const data = tmpDir();
  assert.is((await cli(['init', '--data', data])).code, 0);
  fs.writeFileSync(path.join(data, 'restore.incomplete'), 'restore from x under way\n');
  const r = await cli(['node', 'run', '--data', data, '--api', '127.0.0.1:0']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /a restore into this folder did not finish \(restore\.incomplete is there\); run `urchain restore --force` into it again/);
});

B('Ctrl-C stops a backup under way: exit 130, and nothing is left under --out or beside it', async () => {
  const data = await bigStore(200);
  const parent = tmpDir();
  const out = path.join(parent, 'big.tar');
  const p = adopt(spawn(process.execPath, [bin, 'backup', '--data', data, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => p.on('close', (c) => r(c)));
  // The signal goes once the backup has made its partial folder: it is under way.
  const watcher = fs.watch(parent);
  try {
    await new Promise<void>((resolve, reject) => {
      watcher.on('change', (_, name) => String(name).includes('.partial-') && resolve());
      void exited.then((c) => reject(new Error(`backup ended (${c}) before it started copying: ${err}`)));
    });
  } finally {
    watcher.close();
  }
  p.kill('SIGINT');
  assert.is(await exited, 130, err);
  assert.match(err, /backup stopped; nothing was written to/);
  assert.equal(fs.readdirSync(parent), []);
});

B('the files of subfolders (the signed checkpoint of the log, cosigned notes, anchors) are backed up and restored, as folder and tar', async () => {
  const data = tmpDir();
  assert.is((await cli(['init', '--data', data])).code, 0);
  const extra: Record<string, string> = {
    'tlog/signed.json': '{"size":7}\n',
    'tlog/cosigned/7.note': 'a cosigned checkpoint\n',
    'anchors/checkpoint-7.ots': 'an ots file',
  };
  for (const [name, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(data, name)), { recursive: true });
    fs.writeFileSync(path.join(data, name), text);
  }
  fs.writeFileSync(path.join(data, 'tlog', 'half.json.tmp'), 'transient');
  for (const out of [path.join(tmpDir(), 'b'), path.join(tmpDir(), 'b.tar')]) {
    const b = await cli(['backup', '--data', data, '--out', out]);
    assert.is(b.code, 0, b.stderr);
    const listed = (b.json.files as { name: string }[]).map((f) => f.name);
    for (const name of Object.keys(extra)) assert.ok(listed.includes(name), `${name} listed in ${listed.join(', ')}`);
    assert.not.ok(listed.includes('tlog/half.json.tmp'), 'a temporary file is left out');
    const to = tmpDir();
    const r = await cli(['restore', '--from', out, '--data', to, '--force']);
    assert.is(r.code, 0, r.stderr);
    for (const [name, text] of Object.entries(extra)) assert.is(fs.readFileSync(path.join(to, name), 'utf8'), text, name);
    assert.is((await cli(['audit', '--data', to])).code, 0);
  }
  // A manifest naming a path out of the folder is refused before anything is written.
  const evil = path.join(tmpDir(), 'evil');
  assert.is((await cli(['backup', '--data', data, '--out', evil])).code, 0);
  const m = JSON.parse(fs.readFileSync(path.join(evil, 'backup.json'), 'utf8'));
  m.files.find((f: { name: string }) => f.name === 'tlog/signed.json').name = 'tlog/../../escaped.json';
  fs.writeFileSync(path.join(evil, 'backup.json'), JSON.stringify(m));
  const to = tmpDir();
  const r = await cli(['restore', '--from', evil, '--data', to]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /is not an urchain backup manifest \(file entry/);
  assert.equal(fs.readdirSync(to), []);
});

B.run();
