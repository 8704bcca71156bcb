/**
 * @module ingest/profichain/tier2
 * Tier-2 payload encryption: the client encrypts a payload under its own AES-256 key before it
 * leaves, so nodes store and prove ciphertext nobody in the network can read:
 *
 *   tier-2 payload = "UT2" || 0x01 || nonce (12 random bytes) || AES-256-GCM(key, nonce,
 *                    aad = "UT2" || 0x01, plaintext) || tag (16 bytes)
 *
 * Key files: JSON {"type": "urchain-aes256gcm", "key": hex}, mode 0600 (`urchain keygen --aes`).
 */
import { readJsonFile } from '../../io/jsonFile.js';
import { randomBytes, aesGcmEncrypt, aesGcmDecrypt } from '../../crypto/seal.js';
import { concat, toHex, fromHex } from '../../codec/bytes.js';
import { badInput } from '../../errors.js';
import { readSecretFile, writeSecretFile } from '../../io/keyfile.js';

const MAGIC = Uint8Array.from([0x55, 0x54, 0x32, 0x01]);
export const AES_KEY_TYPE = 'urchain-aes256gcm';

export function isTier2(payload: Uint8Array): boolean {
  return payload.length >= 4 + 12 + 16 && MAGIC.every((b, i) => payload[i] === b);
}

/** `nonce` is for test vectors only: a nonce must never repeat under one key. */
export function encryptTier2(plaintext: Uint8Array, key: Uint8Array, nonce = randomBytes(12)): Uint8Array {
  return concat(MAGIC, nonce, aesGcmEncrypt(key, nonce, MAGIC, plaintext));
}

export function decryptTier2(payload: Uint8Array, key: Uint8Array): Uint8Array {
  if (!isTier2(payload)) throw badInput('not a tier-2 encrypted payload');
  return aesGcmDecrypt(key, payload.subarray(4, 16), MAGIC, payload.subarray(16), 'payload');
}

export function writeAesKeyFile(file: string, force = false): { path: string } {
  writeSecretFile(file, JSON.stringify({ type: AES_KEY_TYPE, key: toHex(randomBytes(32)) }) + '\n', force);
  return { path: file };
}

export function readAesKeyFile(file: string): Uint8Array {
  const j = (readJsonFile(file, 'key file', readSecretFile) ?? {}) as { type?: string; key?: string };
  if (j.type !== AES_KEY_TYPE || typeof j.key !== 'string') throw badInput(`${file} is not an ${AES_KEY_TYPE} key file (make one with \`urchain keygen --aes\`)`);
  return fromHex(j.key, 32, `${file} key`);
}
