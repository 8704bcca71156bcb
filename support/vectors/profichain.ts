/**
 * Builds the urchain-profichain(7) vectors from fixed inputs with the library's own code:
 * plain frames, the tier-1 key schedule and a sealed frame, and a tier-2 payload. `npm run
 * vectors` writes them to test/vectors/profichain.json; test/ingest/profichainVectors.test.ts
 * rebuilds them and compares byte for byte, so a change to the wire format is seen.
 */
import { frame, FrameType } from '../../src/ingest/profichain/frames.js';
import { clientKeys, nodeKeys, SealedChannel } from '../../src/ingest/profichain/session.js';
import { encryptTier2 } from '../../src/ingest/profichain/tier2.js';
import { publicKeyOf } from '../../src/crypto/ed25519.js';
import { dh, x25519Public, x25519Secret, publicOfSecret, hkdf } from '../../src/crypto/seal.js';
import { sha256 } from '../../src/crypto/hash.js';
import { concat, toHex, utf8 } from '../../src/codec/bytes.js';
import type { CborValue } from '../../src/codec/cbor.js';

const fill = (start: number, n = 32) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

export function buildProfichainVectors() {
  const nodeSeed = fill(0);
  const nodeKey = publicKeyOf(nodeSeed);
  const chainId = sha256(utf8('vector-chain'));
  const clientEphSecret = fill(0x40);
  const nodeEphSecret = fill(0x60);
  const clientEph = publicOfSecret(clientEphSecret);
  const nodeEph = publicOfSecret(nodeEphSecret);

  const hello = frame(FrameType.HELLO, [[1], 'press-7', 1, clientEph]);
  const welcome = frame(FrameType.WELCOME, [1, nodeKey, chainId, 16842752, 1, nodeEph]);
  const submitBody: CborValue = [[1, 'record', [['product', 'SN-4711']], utf8('hello, urchain'), 'press-7/0001']];
  const submit = frame(FrameType.SUBMIT, submitBody);
  const receipt = frame(FrameType.RECEIPT, [1, fill(0xa0), fill(0xc0), 1767225601000, 1, 0]);
  const error = frame(FrameType.ERROR, [0, 'TOO_LARGE', 'frame of 50000000 bytes exceeds the limit of 16842752']);
  const ping = frame(FrameType.PING, [7]);
  const pong = frame(FrameType.PONG, [7]);
  // A record refused because its idempotency key came back with other content (record id 3).
  const errorConflict = frame(FrameType.ERROR, [3, 'CONFLICT', 'idempotency key press-7/0001 was used before for other content']);
  // HELLO with tier 1 and a small-order clientEph (u = 0), and the node's plain answer before WELCOME.
  const helloSmallOrder = frame(FrameType.HELLO, [[1], 'press-7', 1, new Uint8Array(32)]);
  const errorSmallOrder = frame(FrameType.ERROR, [0, 'BAD_INPUT', 'clientEph is a point of small order: no shared secret (RFC 7748 §6.1)']);

  const s1 = dh(clientEphSecret, x25519Public(nodeKey));
  const s2 = dh(clientEphSecret, nodeEph);
  const okm = hkdf(concat(s1, s2), concat(clientEph, nodeEph), concat(utf8('urchain/profichain/v1'), nodeKey), 64);
  const ck = clientKeys(clientEphSecret, clientEph, nodeEph, nodeKey);
  const nk = nodeKeys(nodeSeed, nodeKey, nodeEphSecret, nodeEph, clientEph);
  const sealedSubmit = frame(FrameType.SEALED, new SealedChannel(ck).seal(FrameType.SUBMIT, submit.subarray(5)), true);
  const sealedReceipt = frame(FrameType.SEALED, new SealedChannel(nk).seal(FrameType.RECEIPT, receipt.subarray(5)), true);

  const tier2Key = fill(0x80);
  const tier2Nonce = fill(0x90, 12);
  const tier2Plain = utf8('confidential');
  return {
    // Names the builder by its test/ path (a re-export now): this text is part of the vector bytes.
    source: 'urchain-profichain(7) vectors, built by test/profichainVectors.ts from fixed inputs',
    frames: {
      hello: toHex(hello),
      helloPlain: toHex(frame(FrameType.HELLO, [[1], 'press-7', 0, new Uint8Array(0)])),
      welcome: toHex(welcome),
      submit: toHex(submit),
      receipt: toHex(receipt),
      error: toHex(error),
      ping: toHex(ping),
      pong: toHex(pong),
      errorConflict: toHex(errorConflict),
      helloSmallOrder: toHex(helloSmallOrder),
      errorSmallOrder: toHex(errorSmallOrder),
    },
    tier1: {
      nodeSeed: toHex(nodeSeed),
      nodeKey: toHex(nodeKey),
      nodeX25519Secret: toHex(x25519Secret(nodeSeed)),
      nodeX25519Public: toHex(x25519Public(nodeKey)),
      clientEphSecret: toHex(clientEphSecret),
      clientEph: toHex(clientEph),
      nodeEphSecret: toHex(nodeEphSecret),
      nodeEph: toHex(nodeEph),
      s1: toHex(s1),
      s2: toHex(s2),
      okm: toHex(okm),
      clientToNode: toHex(ck.send),
      nodeToClient: toHex(ck.recv),
      sealedSubmit: toHex(sealedSubmit),
      sealedReceipt: toHex(sealedReceipt),
    },
    tier2: { key: toHex(tier2Key), nonce: toHex(tier2Nonce), plaintext: toHex(tier2Plain), payload: toHex(encryptTier2(tier2Plain, tier2Key, tier2Nonce)) },
  };
}
