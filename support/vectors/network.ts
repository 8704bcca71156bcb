/**
 * Builds the urchain-network(7) vectors from fixed inputs with the library's own code: a member
 * list (its hashed bytes, signed message and signature), HELLO and AUTH messages with the AUTH
 * hash, and a few other messages. `npm run vectors` writes them to test/vectors/network.json;
 * test/net/networkVectors.test.ts rebuilds them and checks them independently.
 */
import { publicKeyOf, sign, type KeyPair } from '../../src/crypto/ed25519.js';
import { signedMessage, blockMessage } from '../../src/crypto/signed.js';
import { sha256 } from '../../src/crypto/hash.js';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { signMembers, listBytes, encodeMembers, membersToJson } from '../../src/net/members.js';
import { authHash } from '../../src/net/link.js';
import { Msg, encodeMsg, helloToCbor, WIRE_VERSION } from '../../src/net/wire.js';

const fill = (start: number, n = 32) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
const pair = (seed: Uint8Array): KeyPair => ({ publicKey: publicKeyOf(seed), secretKey: seed });

export function buildNetworkVectors() {
  const network = pair(fill(0x00));
  const a = pair(fill(0x20));
  const b = pair(fill(0x40));
  const chainId = sha256(utf8('vector-chain'));
  const list = signMembers(network, 2, [
    { key: a.publicKey, role: 'full' },
    { key: b.publicKey, role: 'thin' },
  ]);
  const bytes = listBytes(list.networkKey, list.serial, list.members);
  const listHash = sha256(bytes);

  const nonceA = fill(0x80);
  const nonceB = fill(0xa0);
  const head = sha256(utf8('vector-head'));
  const helloA = encodeMsg(helloToCbor({ version: WIRE_VERSION, chainId, nodeKey: a.publicKey, nonce: nonceA, role: 'full', listen: '10.0.0.5:7700', membersSerial: 2, height: 42, headHash: head }) as never);
  const helloB = encodeMsg(helloToCbor({ version: WIRE_VERSION, chainId, nodeKey: b.publicKey, nonce: nonceB, role: 'thin', listen: '', membersSerial: 1, height: 40, headHash: head }) as never);
  // B signs A's nonce; A's list is newer than B's, so A's AUTH carries it.
  const authHashB = authHash(nonceA, b.publicKey, a.publicKey, chainId);
  const sigB = sign(signedMessage('link', authHashB), b.secretKey);
  const authHashA = authHash(nonceB, a.publicKey, b.publicKey, chainId);
  const sigA = sign(signedMessage('link', authHashA), a.secretKey);
  const blockHash = sha256(utf8('vector-block'));
  return {
    // Names the builder by its test/ path (a re-export now): this text is part of the vector bytes.
    source: 'urchain-network(7) vectors, built by test/networkVectors.ts from fixed inputs',
    members: {
      networkSeed: toHex(network.secretKey),
      networkKey: toHex(network.publicKey),
      memberSeeds: [toHex(a.secretKey), toHex(b.secretKey)],
      listBytes: toHex(bytes),
      listHash: toHex(listHash),
      signedMessage: toHex(signedMessage('members', listHash)),
      signature: toHex(list.signature),
      wire: toHex(encodeMembers(list)),
      json: membersToJson(list),
    },
    handshake: {
      chainId: toHex(chainId),
      keyA: toHex(a.publicKey),
      keyB: toHex(b.publicKey),
      helloA: toHex(helloA),
      helloB: toHex(helloB),
      authHashB: toHex(authHashB),
      authB: toHex(encodeMsg([Msg.AUTH, sigB, new Uint8Array(0)])),
      authHashA: toHex(authHashA),
      authA: toHex(encodeMsg([Msg.AUTH, sigA, encodeMembers(list)])),
    },
    messages: {
      getPeers: toHex(encodeMsg([Msg.GET_PEERS])),
      peers: toHex(encodeMsg([Msg.PEERS, [[a.publicKey, '10.0.0.5:7700', 'full']]])),
      getPayload: toHex(encodeMsg([Msg.GET_PAYLOAD, fill(0xc0)])),
      sig: toHex(encodeMsg([Msg.SIG, blockHash, sign(blockMessage(blockHash), a.secretKey), ''])),
      sigRefused: toHex(encodeMsg([Msg.SIG, blockHash, new Uint8Array(0), 'not an authority'])),
      error: toHex(encodeMsg([Msg.ERROR, 'FORBIDDEN', 'key 0123456789abcdef… is not a member of this network'])),
    },
  };
}
