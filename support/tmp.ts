/**
 * Temp folders that are removed by `cleanup()`, and the disk space a folder takes.
 */
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

const made: string[] = [];

export function tmpDir(prefix = 'urchain-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Removes every folder `tmpDir` made so far. */
export function cleanup(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Bytes a folder takes on disk (allocated blocks, so sparse files count for what they use). */
export function diskBytes(d: string): number {
  let n = 0;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    n += e.isDirectory() ? diskBytes(p) : fs.statSync(p).blocks * 512;
  }
  return n;
}
