/**
 * One `urchain anchor` or `anchor upgrade` at a time per anchors folder: both read a .ots, talk to
 * calendars for seconds, and write it back, so two overlapping cron runs would each drop the
 * calendar answers the other merged. The lock is node/lock's (DIR/node.pid, taken over when its
 * process is gone), on the anchors folder.
 */
import fs from 'node:fs';
import { isUrchainError, UrchainError } from '../../src/errors.js';

export async function withAnchorLock<T>(dir: string, run: () => Promise<T>): Promise<T> {
  const [{ FolderLock }, { mkdirDurable }] = await Promise.all([import('../../src/node/lock.js'), import('../../src/io/durableFile.js')]);
  const created = !fs.existsSync(dir);
  mkdirDurable(dir);
  let lock;
  try {
    lock = FolderLock.take(dir);
  } catch (e) {
    if (!isUrchainError(e, 'CONFLICT')) throw e;
    const pid = (e as UrchainError).meta.pid;
    throw UrchainError.CONFLICT(`another urchain anchor run${pid ? ` (pid ${pid})` : ''} is using ${dir}: try again when it has finished`, pid ? { pid } : undefined);
  }
  let ok = false;
  try {
    const r = await run();
    ok = true;
    return r;
  } finally {
    lock.release();
    // A first run that wrote nothing leaves no empty folder behind.
    if (!ok && created) {
      try {
        fs.rmdirSync(dir);
      } catch {
        /* not empty: something was written, keep it */
      }
    }
  }
}
