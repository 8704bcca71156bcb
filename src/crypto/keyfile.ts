/**
 * @module crypto/keyfile
 * Ed25519 key files: JSON `{"type":"urchain-ed25519","publicKey":hex,"secretKey":hex}` (the
 * 32-byte RFC 8032 seed), written with mode 0600 and never overwritten: writing to an existing
 * path fails unless the caller asks to replace it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPair, publicKeyOf, type KeyPair } from './ed25519.js';
import { toHex, fromHex, equal } from '../codec/bytes.js';
import { UrchainError, badInput } from '../errors.js';

export const KEY_TYPE = 'urchain-ed25519';

export function writeKeyFile(file: string, key: KeyPair, opts: { force?: boolean } = {}): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const body = JSON.stringify({ type: KEY_TYPE, publicKey: toHex(key.publicKey), secretKey: toHex(key.secretKey) }, null, 2) + '\n';
  try {
    // 'wx' fails if the file exists: no silent overwrite, and no race between check and write.
    fs.writeFileSync(file, body, { mode: 0o600, flag: opts.force ? 'w' : 'wx' });
    if (opts.force) fs.chmodSync(file, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UrchainError('EXISTS', `${file} already exists; refusing to overwrite a key (use --force to replace it)`);
    throw e;
  }
}

export function readKeyFile(file: string): KeyPair {
  let j: { type?: string; publicKey?: string; secretKey?: string };
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UrchainError('NOT_FOUND', `no key file at ${file}`);
    throw badInput(`${file}: not a key file (${(e as Error).message})`);
  }
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
