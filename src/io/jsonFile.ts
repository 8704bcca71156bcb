/**
 * @module io/jsonFile
 * Reading a JSON file the user names (a member list, a partners file, a genesis, a key file): one
 * reader, one meaning of each failure, whatever the file holds. A missing file is NOT_FOUND; a
 * file that cannot be read or is not JSON is BAD_INPUT; both carry the path (`meta.path`). What
 * the JSON must look like is the caller's to check.
 */
import fs from 'node:fs';
import { UrchainError, isUrchainError } from '../errors.js';

/** Reads a file's text; a reader may refuse a file itself with an UrchainError (a secret file anyone may read). */
export type ReadText = (file: string) => string;

const readUtf8: ReadText = (file) => fs.readFileSync(file, 'utf8');

/**
 * The parsed JSON of `file`; `what` names it in errors ("member list", "partners file"), `read`
 * replaces the plain read (io/keyfile reads secrets with a mode check).
 */
export function readJsonFile(file: string, what: string, read: ReadText = readUtf8): unknown {
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    if (isUrchainError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw UrchainError.NOT_FOUND(`no ${what} at ${file}`, { path: file });
    throw UrchainError.BAD_INPUT(`cannot read ${what} ${file}: ${code ?? (e as Error).message}`, { path: file });
  }
  return parseJsonText(text, file, what);
}

/** Parses text read from `file` as JSON: BAD_INPUT naming the file when it is not. */
export function parseJsonText(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw UrchainError.BAD_INPUT(`${file}: the ${what} is not JSON (${(e as Error).message})`, { path: file });
  }
}
