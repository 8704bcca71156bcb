/**
 * @module io/keyfile
 * Ed25519 key files: JSON `{"type":"urchain-ed25519","publicKey":hex,"secretKey":hex}` (the
 * 32-byte RFC 8032 seed), written with mode 0600 and never overwritten: writing to an existing
 * path fails unless the caller asks to replace it. Every secret key file (these and the tier-2
 * AES keys) is read through `readSecretFile`, which refuses one open to group or others.
 */
import fs from 'node:fs';
import { readJsonFile } from './jsonFile.js';
import path from 'node:path';
import { generateKeyPair, publicKeyOf, type KeyPair } from '../crypto/ed25519.js';
import { toHex, fromHex, equal } from '../codec/bytes.js';
import { UrchainError, badInput } from '../errors.js';

export const KEY_TYPE = 'urchain-ed25519';

export function writeKeyFile(file: string, key: KeyPair, opts: { force?: boolean } = {}): void {
  const body = JSON.stringify({ type: KEY_TYPE, publicKey: toHex(key.publicKey), secretKey: toHex(key.secretKey) }, null, 2) + '\n';
  writeSecretFile(file, body, opts.force);
}

/**
 * Writes a file that holds a secret, mode 0600 from its first byte. Without `force` an existing
 * file is never overwritten ('wx': no race between check and write); with it the new content
 * goes to a fresh 0600 file that then replaces the old one, so a looser mode is never inherited.
 */
export function writeSecretFile(file: string, body: string, force = false): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const target = force ? `${file}.${process.pid}.tmp` : file;
  try {
    fs.writeFileSync(target, body, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw UrchainError.EXISTS(`${file} already exists; refusing to overwrite a key (use --force to replace it)`);
    throw e;
  }
  if (force) fs.renameSync(target, file);
}

/**
 * Reads a file that holds a secret. Like ssh, refuses one that group or others may read or
 * write (a key anyone else could have copied is not a secret), and says how to fix it.
 */
export function readSecretFile(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    // fstat on the open file: the mode checked is the mode of the bytes read.
    const mode = fs.fstatSync(fd).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0)
      throw UrchainError.FORBIDDEN(
        `${file} holds a secret key but group or others may access it (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod 600 ${shellQuote(file)}\``,
      );
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** A path as one shell word, so the printed `chmod` can be pasted as it is. */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function readKeyFile(file: string): KeyPair {
  const j = readJsonFile(file, 'key file', readSecretFile) as { type?: string; publicKey?: string; secretKey?: string } | null;
  if (!j || typeof j !== 'object') throw badInput(`${file}: not an ${KEY_TYPE} key file`);
  if (j.type !== KEY_TYPE || typeof j.secretKey !== 'string') throw badInput(`${file}: not an ${KEY_TYPE} key file`);
  const secretKey = fromHex(j.secretKey, 32, `${file} secretKey`);
  const publicKey = publicKeyOf(secretKey);
  if (j.publicKey && !equal(fromHex(j.publicKey, 32, `${file} publicKey`), publicKey))
    throw badInput(`${file}: publicKey does not belong to secretKey`);
  return { secretKey, publicKey };
}

/** Reads the key at `file`, or creates it when missing. */
export function loadOrCreateKey(file: string): { key: KeyPair; created: boolean } {
  if (fs.existsSync(file)) return { key: readKeyFile(file), created: false };
  const key = generateKeyPair();
  writeKeyFile(file, key);
  return { key, created: true };
}
