/**
 * urchain-network(7) vectors: rebuilt byte for byte, and checked the way an independent
 * implementation would — the hashed bytes assembled by hand from the page's description,
 * SHA-256 from @noble/hashes, Ed25519 verification straight from node:crypto (OpenSSL).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { decode as cborDecode } from 'cbor-x';
import { buildNetworkVectors } from '../networkVectors.js';
import { vector, hex, toHex } from '../helpers.js';

const v = vector('network.json');

const opensslVerify = (msg: Uint8Array, sig: Uint8Array, key: Uint8Array) =>
  crypto.verify(null, msg, crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key]), format: 'der', type: 'spki' }), sig);
const bstr32 = (b: Uint8Array) => Buffer.concat([Buffer.from([0x58, 0x20]), b]);

test('the member list, handshake and messages match the committed vectors byte for byte', () => {
  assert.equal(buildNetworkVectors(), v);
});

test('an independent verifier checks the member list signature from the page alone', () => {
  const m = v.members;
  const j = m.json;
  // [1, networkKey, serial, [[key, role], ...]] with keys in ascending order
  const text = (s: string) => Buffer.concat([Buffer.from([0x60 + s.length]), Buffer.from(s)]);
  const members = Buffer.concat([Buffer.from([0x80 + j.members.length]), ...j.members.map((x: any) => Buffer.concat([Buffer.from([0x82]), bstr32(hex(x.key)), text(x.role)]))]);
  const bytes = Buffer.concat([Buffer.from([0x84, 0x01]), bstr32(hex(j.networkKey)), Buffer.from([j.serial]), members]);
  assert.is(toHex(bytes), m.listBytes);
  const h = sha256(bytes);
  assert.is(toHex(h), m.listHash);
  const msg = Buffer.concat([Buffer.from('urchain/members/v1'), h]);
  assert.is(toHex(msg), m.signedMessage);
  assert.ok(opensslVerify(msg, hex(j.signature), hex(j.networkKey)));
  const forged = Buffer.from(msg);
  forged[forged.length - 1] ^= 1;
  assert.not.ok(opensslVerify(forged, hex(j.signature), hex(j.networkKey)), 'a changed list does not verify');
});

test("an independent peer checks AUTH: the signature over its own nonce, both keys and the chain", () => {
  const hs = v.handshake;
  const hello = cborDecode(hex(hs.helloA)); // a general-purpose CBOR decoder: [1, version, chainId, key, nonce, ...]
  assert.is(hello[0], 1);
  assert.is(toHex(hello[3]), hs.keyA);
  const nonceA = hello[4] as Uint8Array;
  const hashed = Buffer.concat([Buffer.from([0x84]), bstr32(nonceA), bstr32(hex(hs.keyB)), bstr32(hex(hs.keyA)), bstr32(hex(hs.chainId))]);
  assert.is(toHex(sha256(hashed)), hs.authHashB);
  const auth = hex(hs.authB); // [2, sig (64), h'']
  assert.is(toHex(auth.subarray(0, 4)), '83025840');
  const sig = auth.subarray(4, 68);
  assert.is(toHex(auth.subarray(68)), '40');
  const msg = Buffer.concat([Buffer.from('urchain/link/v1'), sha256(hashed)]);
  assert.ok(opensslVerify(msg, sig, hex(hs.keyB)));
  // The same signature is worthless on a link with another nonce.
  const other = Buffer.concat([Buffer.from('urchain/link/v1'), hex(hs.authHashA)]);
  assert.not.ok(opensslVerify(other, sig, hex(hs.keyB)));
});

test.run();
