/**
 * @module chain/checkpoint
 * A checkpoint is a network's signed statement "my chain is at height h with block hash x":
 *
 *   checkpoint = [version, chainId, height, blockHash, timestamp, signer]
 *   signature  = Ed25519(signer, "urchain/checkpoint/v1" || SHA-256(CBOR checkpoint))
 *   signed     = CBOR [CBOR checkpoint, signature]      (the payload of an `entangle` record)
 */
import { encode, decode, asArray, asUint, asBytes } from '../codec/cbor.js';
import { sign, verify, type KeyPair } from '../crypto/ed25519.js';
import { checkpointMessage } from '../crypto/signed.js';
import { toHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';

export interface Checkpoint {
  chainId: Uint8Array;
  height: number;
  blockHash: Uint8Array;
  timestamp: number;
  signer: Uint8Array;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  return encode([1, c.chainId, c.height, c.blockHash, c.timestamp, c.signer]);
}

export function signCheckpoint(c: Omit<Checkpoint, 'signer'>, key: KeyPair): Uint8Array {
  const body = encodeCheckpoint({ ...c, signer: key.publicKey });
  return encode([body, sign(checkpointMessage(body), key.secretKey)]);
}

/** Decodes a signed checkpoint and checks its signature; throws BAD_SIGNATURE otherwise. */
export function openCheckpoint(signed: Uint8Array): Checkpoint {
  const [bodyV, sigV] = asArray(decode(signed), 2, 'signed checkpoint');
  const body = asBytes(bodyV, 'checkpoint');
  const sig = asBytes(sigV, 'checkpoint signature', 64);
  const a = asArray(decode(body), 6, 'checkpoint');
  if (asUint(a[0], 'version') !== 1) throw UrchainError.BAD_INPUT('checkpoint: unknown version');
  const c: Checkpoint = {
    chainId: asBytes(a[1], 'chainId', 32),
    height: asUint(a[2], 'height'),
    blockHash: asBytes(a[3], 'blockHash', 32),
    timestamp: asUint(a[4], 'timestamp'),
    signer: asBytes(a[5], 'signer', 32),
  };
  if (!verify(checkpointMessage(body), sig, c.signer)) throw UrchainError.BAD_SIGNATURE(`checkpoint signature of ${toHex(c.signer).slice(0, 16)}… does not verify`);
  return c;
}

export const checkpointToJson = (c: Checkpoint) => ({
  chainId: toHex(c.chainId),
  height: c.height,
  blockHash: toHex(c.blockHash),
  timestamp: c.timestamp,
  time: new Date(c.timestamp).toISOString(),
  signer: toHex(c.signer),
});
