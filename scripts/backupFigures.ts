/**
 * Backup figures: builds a data folder of about `--gb` GB (default 1) through a real node's batch
 * API, then, with the node still running and taking records in, times `urchain backup` into a
 * folder, into a .tar and with --compact, and `urchain restore` of the .tar (and, with --audit,
 * `urchain audit` of the restored copy). Prints one JSON line per measurement; the temporary
 * folders are removed unless --keep.
 *
 *   node dist/scripts/backupFigures.js [--gb 1] [--record-kib 4] [--audit] [--keep]
 */
import '../src/io/fastCrypto.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode as cborEncode } from 'cbor-x';
import { startNode, cli, killChildren } from '../support/children.js';
import { diskBytes } from '../support/tmp.js';

const args = process.argv.slice(2);
const opt = (k: string, d: number) => {
  const i = args.indexOf(k);
  const v = i >= 0 ? Number(args[i + 1]) : d;
  if (!(v > 0)) {
    process.stderr.write(`backupFigures: ${k} expects a positive number\n`);
    process.exit(2);
  }
  return v;
};
const target = opt('--gb', 1) * 1e9;
const recordBytes = opt('--record-kib', 4) * 1024;
const emit = (x: object) => process.stdout.write(JSON.stringify(x) + '\n');
const say = (s: string) => process.stderr.write(`backupFigures: ${s}\n`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-backup-figures-'));
const data = path.join(dir, 'data');
let code = 1;
try {
  const node = await startNode(data, ['--block-time', '1s'], { keep: () => false });
  // 1. Fill: batches of 1 MiB of incompressible records, four requests in flight.
  const perBatch = Math.max(1, Math.floor((1 << 20) / recordBytes));
  let sent = 0;
  const t0 = Date.now();
  const filler = async () => {
    while (diskBytes(data) < target) {
      const body = new Uint8Array(cborEncode(Array.from({ length: perBatch }, () => ({ payload: crypto.randomBytes(recordBytes) }))));
      const res = await fetch(`${node.url}/v1/records/batch`, { method: 'POST', body, headers: { 'content-type': 'application/cbor' } });
      if (!res.ok) throw new Error(`batch: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      sent += perBatch;
      if (sent % (perBatch * 100) === 0) say(`${sent} records, ${(diskBytes(data) / 1e9).toFixed(2)} GB`);
    }
  };
  await Promise.all([filler(), filler(), filler(), filler()]);
  await node.drained(600_000);
  emit({ figure: 'fill', records: sent, recordBytes, dataBytes: diskBytes(data), storeBytes: fs.statSync(path.join(data, 'chain.lmdb')).size, seconds: (Date.now() - t0) / 1000 });

  // 2. Backups while the node runs and takes one record after another.
  let stop = false;
  let during = 0;
  const trickle = (async () => {
    while (!stop) {
      const res = await fetch(`${node.url}/v1/records`, { method: 'POST', body: new Uint8Array(crypto.randomBytes(1024)) });
      await res.arrayBuffer();
      during++;
    }
  })();
  const runs: [string, string[]][] = [
    ['folder', ['--out', path.join(dir, 'b-folder')]],
    ['tar', ['--out', path.join(dir, 'b.tar')]],
    ['folder --compact', ['--out', path.join(dir, 'b-compact'), '--compact']],
  ];
  try {
    for (const [kind, extra] of runs) {
      const before = during;
      const t = Date.now();
      const r = await cli(['backup', '--data', data, ...extra]);
      if (r.code !== 0) throw new Error(`backup ${kind}: ${r.stderr}`);
      const wall = Date.now() - t;
      const storeCopy = r.json.files.find((f: { name: string }) => f.name === 'chain.lmdb').bytes;
      emit({ figure: 'backup', kind, ms: r.json.ms, wallMs: wall, bytes: r.json.bytes, storeCopyBytes: storeCopy, mbPerSec: Math.round(r.json.bytes / 1e3 / r.json.ms), recordsTakenInMeanwhile: during - before });
    }
  } finally {
    stop = true;
    await trickle;
  }
  await node.stop();

  // 3. Restore the .tar (and audit the copy).
  const restored = path.join(dir, 'restored');
  const t = Date.now();
  const r = await cli(['restore', '--from', path.join(dir, 'b.tar'), '--data', restored]);
  if (r.code !== 0) throw new Error(`restore: ${r.stderr}`);
  emit({ figure: 'restore', kind: 'tar', ms: r.json.ms, wallMs: Date.now() - t, bytes: r.json.bytes });
  if (args.includes('--audit')) {
    const ta = Date.now();
    const a = await cli(['audit', '--data', restored]);
    emit({ figure: 'audit', ok: a.json?.ok, transactions: a.json?.transactions, ms: Date.now() - ta });
  }
  code = 0;
} catch (e) {
  say(String((e as Error).stack ?? e));
} finally {
  killChildren();
  if (args.includes('--keep')) say(`kept ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
