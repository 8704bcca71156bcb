/**
 * @module ingest/profichain/session
 * Tier-1 session encryption. The client sends an ephemeral X25519 key in HELLO, the node answers
 * with its own in WELCOME; both derive
 *
 *   s1  = X25519(client eph, node static)     node static = the node's ed25519 key mapped to X25519
 *   s2  = X25519(client eph, node eph)
 *   okm = HKDF-SHA-256(s1 || s2, salt = clientEph || nodeEph, info = "urchain/profichain/v1" || nodeKey, 64)
 *   client->node key = okm[0..32), node->client key = okm[32..64)
 *
 * Only the holder of the node key derives s1, so a client that pinned the node key talks to that
 * node; s2 gives forward secrecy. An ephemeral key of small order makes a shared secret of all
 * zeros (RFC 7748 §6.1): both sides refuse it, the node before it sends WELCOME. Every later frame is SEALED: seq (8 bytes, big-endian, 1, 2, ...
 * per direction) || AES-256-GCM(key, nonce = 4 zero bytes || seq, aad = 0x10 || seq, inner frame
 * type || body). A receiver accepts only the next seq: replayed, reordered or dropped frames fail.
 */
import { KDF_INFO } from '../../crypto/signed.js';
import { dh, x25519Public, x25519Secret, hkdf, aesGcmEncrypt, aesGcmDecrypt } from '../../crypto/seal.js';
import { concat, utf8 } from '../../codec/bytes.js';
import { UrchainError } from '../../errors.js';
import { FrameType } from './frames.js';

const INFO = utf8(KDF_INFO.profichain);

export interface SessionKeys {
  send: Uint8Array;
  recv: Uint8Array;
}

/**
 * X25519 that refuses a small-order public key with a clear error: OpenSSL throws its own
 * message for an all-zero result, other implementations return the zeros (RFC 7748 §6.1 check).
 */
export function agree(secret: Uint8Array, pub: Uint8Array, what: string): Uint8Array {
  let s: Uint8Array | undefined;
  try {
    s = dh(secret, pub);
  } catch {
    s = undefined;
  }
  if (!s || s.every((b) => b === 0)) throw UrchainError.BAD_INPUT(`${what} is a point of small order: no shared secret (RFC 7748 §6.1)`);
  return s;
}

export function clientKeys(clientEphSecret: Uint8Array, clientEph: Uint8Array, nodeEph: Uint8Array, nodeKey: Uint8Array): SessionKeys {
  const s1 = agree(clientEphSecret, x25519Public(nodeKey), 'the node key');
  const s2 = agree(clientEphSecret, nodeEph, 'nodeEph');
  const okm = hkdf(concat(s1, s2), concat(clientEph, nodeEph), concat(INFO, nodeKey), 64);
  return { send: okm.slice(0, 32), recv: okm.slice(32) };
}

export function nodeKeys(nodeSeed: Uint8Array, nodeKey: Uint8Array, nodeEphSecret: Uint8Array, nodeEph: Uint8Array, clientEph: Uint8Array): SessionKeys {
  const s1 = agree(x25519Secret(nodeSeed), clientEph, 'clientEph');
  const s2 = agree(nodeEphSecret, clientEph, 'clientEph');
  const okm = hkdf(concat(s1, s2), concat(clientEph, nodeEph), concat(INFO, nodeKey), 64);
  return { send: okm.slice(32), recv: okm.slice(0, 32) };
}

export class SealedChannel {
  private sendSeq = 0n;
  private recvSeq = 0n;
  constructor(private readonly keys: SessionKeys) {}

  /** Wraps an inner frame (type, body) into a SEALED frame body. */
  seal(type: number, body: Uint8Array): Uint8Array {
    const seq = Buffer.alloc(8);
    seq.writeBigUInt64BE(++this.sendSeq);
    return concat(seq, aesGcmEncrypt(this.keys.send, nonceOf(seq), aadOf(seq), concat(Uint8Array.of(type), body)));
  }

  /** Opens a SEALED frame body; throws REPLAY for a wrong seq, BAD_SIGNATURE when it does not decrypt. */
  open(sealed: Uint8Array): { type: number; body: Uint8Array } {
    if (sealed.length < 8 + 1 + 16) throw UrchainError.BAD_INPUT('sealed frame too short');
    const seqBuf = Buffer.from(sealed.buffer, sealed.byteOffset, 8);
    const seq = seqBuf.readBigUInt64BE(0);
    if (seq !== this.recvSeq + 1n) throw UrchainError.REPLAY(`sealed frame ${seq} where ${this.recvSeq + 1n} was due: replayed or reordered`);
    const plain = aesGcmDecrypt(this.keys.recv, nonceOf(seqBuf), aadOf(seqBuf), sealed.subarray(8), 'sealed frame');
    if (plain.length === 0) throw UrchainError.BAD_INPUT('sealed frame holds no inner frame');
    this.recvSeq = seq;
    return { type: plain[0], body: plain.subarray(1) };
  }
}

const nonceOf = (seq: Uint8Array) => concat(new Uint8Array(4), seq);
const aadOf = (seq: Uint8Array) => concat(Uint8Array.of(FrameType.SEALED), seq);
