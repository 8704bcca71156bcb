/**
 * @module transparency/stateFile
 * The small files a log and a witness keep in DATA/tlog/ (the last checkpoint a log signed, the
 * last one a witness cosigned per origin, cosigned checkpoints for `prove`): written whole and
 * atomically (temp file, fsync, rename, fsync of the folder), so a crash leaves the old file or
 * the new one, never half of one. A witness that forgot what it cosigned could be made to cosign
 * a fork, so these writes are durable before anyone is answered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UrchainError } from '../errors.js';
import { writeFileDurable } from '../io/durableFile.js';

/** DATA/tlog: where the files live. */
export const tlogDir = (dataDir: string): string => path.join(dataDir, 'tlog');

/** Writes `text` to `file` atomically and durably (io/durableFile); creates the folder (mode 0700). */
export function writeFileAtomic(file: string, text: string): void {
  writeFileDurable(file, text, { mode: 0o600, dirMode: 0o700 });
}

/** The text of `file`, or undefined when it does not exist. */
export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw UrchainError.STORE(`cannot read ${file}: ${(e as Error).message}`, { path: file });
  }
}

/** A JSON state file, or undefined when it does not exist; a corrupt one is a STORE error (never "empty"). */
export function readJsonState<T>(file: string): T | undefined {
  const text = readIfExists(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw UrchainError.STORE(`${file} is not JSON: refusing to start over from nothing (restore it from a backup)`, { path: file });
  }
}

/** DIR/tlog/cosigned/<size>.note: this chain's checkpoint of that size with partners' cosignatures. */
export const cosignedFile = (dataDir: string, size: number): string => path.join(tlogDir(dataDir), 'cosigned', `${size}.note`);

/** The sizes with a cosigned checkpoint in DIR/tlog/cosigned/, ascending. */
export function cosignedSizes(dataDir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(tlogDir(dataDir), 'cosigned'));
  } catch {
    return [];
  }
  return names.flatMap((n) => (/^(0|[1-9][0-9]*)\.note$/.test(n) ? [Number(n.slice(0, -5))] : [])).sort((a, b) => a - b);
}
