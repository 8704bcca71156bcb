/**
 * @module io/apiToken
 * The bearer token of a node's HTTP API, read the same way by the node (`--api-token-file`) and
 * by every client command (`$URCHAIN_API_TOKEN_FILE`): a secret file (mode 0600), one token of
 * visible ASCII.
 */
import { UrchainError, badInput } from '../errors.js';
import { readSecretFile } from './keyfile.js';

/** Environment variable naming the token file, for the node and for every client command. */
export const TOKEN_ENV = 'URCHAIN_API_TOKEN_FILE';
const MIN_TOKEN = 16;

/**
 * Reads a bearer token: the file's content without surrounding white space, at least 16
 * characters of visible ASCII. Like ssh with key files, a file readable by group or others is
 * refused, with the command that fixes it.
 */
export function readApiToken(file: string, what = '--api-token-file'): string {
  let text: string;
  try {
    // The rule every secret file follows (io/keyfile); a bad token file is bad input here.
    text = readSecretFile(file);
  } catch (e) {
    const why = e instanceof UrchainError ? e.message : (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw badInput(`${what} ${file}: ${why}`);
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN || !/^[\x21-\x7e]+$/.test(token))
    throw badInput(`${what} ${file}: expected one token of at least ${MIN_TOKEN} visible ASCII characters, e.g. from: openssl rand -hex 32`);
  return token;
}

/** The API token: from the given file, else from the file $URCHAIN_API_TOKEN_FILE names, else none (node and clients alike). */
export function apiTokenFrom(file?: string): string | undefined {
  if (file) return readApiToken(file);
  const env = process.env[TOKEN_ENV];
  return env ? readApiToken(env, TOKEN_ENV) : undefined;
}
