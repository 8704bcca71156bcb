/**
 * The data-folder lock (node/lock) in one process: taken once, released only by its holder and
 * only while it still names it, kept after a failed start, stale when unreadable.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, cleanup } from '../helpers.js';
import { FolderLock, LOCK_FILE, identity } from '../../src/node/lock.js';

const K = suite('folder lock');
K.after(cleanup);

K('one holder per folder; release frees it; the file names pid, start time and boot id', () => {
  const dir = tmpDir();
  const a = FolderLock.take(dir);
  const file = path.join(fs.realpathSync(dir), LOCK_FILE);
  assert.is(fs.readFileSync(file, 'utf8'), identity(process.pid) + '\n');
  if (fs.existsSync('/proc/self/stat')) assert.is(identity(process.pid).split(' ').length, 3);
  assert.is((fs.statSync(file).mode & 0o777).toString(8), '600');
  assert.throws(() => FolderLock.take(dir), /another node \(pid \d+, this process\)/);
  const link = path.join(tmpDir(), 'link');
  fs.symlinkSync(dir, link);
  assert.throws(() => FolderLock.take(link), /this process/, 'the same folder through a symlink');
  a.release();
  assert.not.ok(fs.existsSync(file));
  FolderLock.take(dir).release();
  assert.equal(fs.readdirSync(dir), [], 'no temporary file left behind');
});

K('after a failed start the file stays, and a later start of this process takes it over', () => {
  const dir = tmpDir();
  const a = FolderLock.take(dir);
  a.keepUntilExit();
  assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)));
  const b = FolderLock.take(dir);
  b.release();
  assert.not.ok(fs.existsSync(path.join(dir, LOCK_FILE)));
});

K('a holder never removes a lock that names someone else', () => {
  const dir = tmpDir();
  const a = FolderLock.take(dir);
  const other = '4194303 1 someone-else\n';
  fs.writeFileSync(path.join(dir, LOCK_FILE), other);
  a.release();
  assert.is(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'), other);
});

K('an empty or garbled lock (a crash while it was written) is stale', () => {
  for (const junk of ['', 'garbage\n', '-4\n']) {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, LOCK_FILE), junk);
    FolderLock.take(dir).release();
  }
});

K.run();
