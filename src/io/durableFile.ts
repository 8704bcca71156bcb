/**
 * @module io/durableFile
 * The one way urchain replaces a small file so that a crash leaves the old file or the new one,
 * never half of one, and the new one survives a power cut once the call returns:
 *
 *   write a temp file beside the target, fsync it, rename it over the target, fsync the folder
 *   (the rename is an entry of the folder: without that fsync the new name may be lost)
 *
 * Folders it creates are fsynced into their parents too. A failure unlinks the temp file, so no
 * `*.tmp` is left behind. Callers that write many files into a few folders (a tile export) pass
 * `syncDir: false` and call fsyncDir once per folder before the file that publishes them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UrchainError } from '../errors.js';

/** fsync of a folder, so the entries created or renamed in it are durable. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Creates `dir` and its missing parents, each fsynced into its parent; returns the folders whose
 * entries changed (the parents of those created), nothing when `dir` was there.
 */
export function mkdirDurable(dir: string, mode = 0o755): string[] {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  if (!missing.length) return [];
  fs.mkdirSync(dir, { recursive: true, mode });
  // Each created folder is an entry of its parent: from the top one's parent down.
  const changed = missing.map((d) => path.dirname(d)).reverse();
  for (const d of changed) fsyncDir(d);
  return changed;
}

export interface DurableWrite {
  /** Mode of the file (default 0644). */
  mode?: number;
  /** Mode of folders created (default 0755). */
  dirMode?: number;
  /** fsync the folder after the rename (default true); false when the caller does it once for many files. */
  syncDir?: boolean;
}

/** Replaces `file` with `data` atomically and durably (see the module comment); creates its folder. */
export function writeFileDurable(file: string, data: Uint8Array | string, o: DurableWrite = {}): void {
  const dir = path.dirname(file);
  mkdirDurable(dir, o.dirMode);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w', o.mode ?? 0o644);
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw code === 'ENOSPC' || code === 'EDQUOT' || code === 'EACCES' || code === 'EROFS' || code === 'EIO' ? UrchainError.STORE(`cannot write ${file}: ${code}`, { path: file }) : e;
  }
  if (o.syncDir !== false) fsyncDir(dir);
}
