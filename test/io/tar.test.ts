/**
 * The ustar subset backups are written in: what writeTar writes, readTar and the system's tar
 * read back; a damaged header, a cut archive and a name with a folder in it are refused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeTar, readTar } from '../../src/io/tar.js';
import { tmpDir, cleanup } from '../helpers.js';

test.after(() => cleanup());

function archive() {
  const dir = tmpDir();
  const a = path.join(dir, 'a.bin');
  const b = path.join(dir, 'b.txt');
  fs.writeFileSync(a, Buffer.alloc(1000, 7), { mode: 0o600 });
  fs.writeFileSync(b, 'hello\n', { mode: 0o600 });
  return { dir, files: [{ name: 'a.bin', path: a }, { name: 'b.txt', path: b }, { name: 'empty', path: (fs.writeFileSync(path.join(dir, 'e'), '', { mode: 0o600 }), path.join(dir, 'e')) }] };
}

test('round trip: entries, offsets, sizes and modes; the system tar lists and extracts it', async () => {
  const { dir, files } = archive();
  const out = path.join(dir, 'x.tar');
  const bytes = await writeTar(out, files);
  assert.is(bytes, fs.statSync(out).size);
  assert.is(bytes % 512, 0);
  const entries = readTar(out);
  assert.equal(entries.map((e) => [e.name, e.size, e.mode.toString(8)]), [['a.bin', 1000, '600'], ['b.txt', 6, '600'], ['empty', 0, '600']]);
  const raw = fs.readFileSync(out);
  assert.is(raw.subarray(entries[1].offset, entries[1].offset + 6).toString(), 'hello\n');
  let listed = '';
  try {
    listed = execFileSync('tar', ['-tf', out], { encoding: 'utf8' });
  } catch {
    return; // no tar on this machine: the format is checked above
  }
  assert.equal(listed.trim().split('\n'), ['a.bin', 'b.txt', 'empty']);
  const x = path.join(dir, 'x');
  fs.mkdirSync(x);
  execFileSync('tar', ['-xf', out, '-C', x]);
  assert.equal(fs.readFileSync(path.join(x, 'a.bin')), Buffer.alloc(1000, 7));
});

test('refuses a changed header, an archive cut short, and names that are not plain file names', async () => {
  const { dir, files } = archive();
  const out = path.join(dir, 'x.tar');
  await writeTar(out, files);
  const raw = fs.readFileSync(out);
  const changed = Buffer.from(raw);
  changed[5] ^= 1; // in the first name
  fs.writeFileSync(path.join(dir, 'changed.tar'), changed);
  assert.throws(() => readTar(path.join(dir, 'changed.tar')), /header checksum does not match/);
  fs.writeFileSync(path.join(dir, 'cut.tar'), raw.subarray(0, 1024));
  assert.throws(() => readTar(path.join(dir, 'cut.tar')), /cut short|closing zero blocks/);
  try {
    await writeTar(path.join(dir, 'bad.tar'), [{ name: '../escape', path: files[0].path }]);
    assert.unreachable('a name climbing out of the folder was written');
  } catch (e) {
    assert.match((e as Error).message, /relative path of plain file names/);
  }
  // A hand-made archive whose entry climbs out of the target folder.
  const evil = Buffer.from(raw.subarray(0, 512));
  evil.fill(0, 0, 100);
  evil.write('../../etc/x', 0);
  evil.fill(0x20, 148, 156);
  const sum = evil.reduce((a, b) => a + b, 0);
  evil.write(sum.toString(8).padStart(7, '0') + '\0', 148, 'latin1');
  fs.writeFileSync(path.join(dir, 'evil.tar'), Buffer.concat([evil, raw.subarray(512)]));
  assert.throws(() => readTar(path.join(dir, 'evil.tar')), /is not a relative path of plain file names/);
});

test.run();
