/**
 * A small file system that can be filled: a tmpfs mount (root only). `onTmpfs` runs a test body
 * on a fresh one and unmounts it afterwards, or skips with the reason it cannot mount.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpDir } from './helpers.js';

/** Runs `body` on a new tmpfs of `size` (e.g. '16m'), unmounted afterwards, pass or fail. */
export async function onTmpfs(size: string, body: (mnt: string) => Promise<void>): Promise<void> {
  const mnt = tmpDir('urchain-fulldisk-');
  const skip = mountTmpfs(mnt, size);
  if (skip) {
    console.log(`  (skipped: the full-disk test needs a tmpfs mount: ${skip})`);
    return;
  }
  try {
    await body(mnt);
  } finally {
    unmount(mnt);
  }
}

export function mountTmpfs(dir: string, size: string): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `mount failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`;
  }
}

/** Writes a file until the file system is full; `leave` bytes are freed again at the end. */
export function fill(file: string, leave = 0) {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 7);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  // The last partial block, too.
  const fd2 = fs.openSync(file, 'a');
  try {
    for (;;) fs.writeSync(fd2, Buffer.alloc(512, 7));
  } catch {
    /* full */
  } finally {
    fs.closeSync(fd2);
  }
  if (leave) fs.truncateSync(file, Math.max(0, fs.statSync(file).size - leave));
}

export function unmount(dir: string): void {
  execFileSync('umount', ['-l', dir]);
}
