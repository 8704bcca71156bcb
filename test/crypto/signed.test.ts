/**
 * Golden bytes for every signed message (src/crypto/signed.ts). The expected hex was computed
 * from the code as it stood before the constructors existed (each call site building its own
 * bytes), so these tests prove that moving the construction into one file moved no byte. Each
 * message is also checked through the module that signs or verifies it, so a call site that
 * stopped using its constructor would fail here too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hex, toHex } from '../helpers.js';
import { sign, verify, publicKeyOf, portableSign, portableVerify } from '../../src/crypto/ed25519.js';
import * as signed from '../../src/crypto/signed.js';
import { encode, decode } from '../../src/codec/cbor.js';
import { verifyBatch } from '../../src/chain/batch.js';
import { validSigners, signHeader } from '../../src/chain/header.js';
import { signCheckpoint, openCheckpoint, encodeCheckpoint } from '../../src/chain/checkpoint.js';
import { parseEnvelope } from '../../src/global/envelope.js';
import { verifyRequest, requestBytes } from '../../src/global/auth.js';
import { signMembers, checkMembers, listBytes } from '../../src/net/members.js';

const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
const seed = fill(32, 7);
const key = { secretKey: seed, publicKey: publicKeyOf(seed) };
const KEY = 'ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c';

/** Message and signature (by the seed 0x07…07) per constructor, from the code before the move. */
const GOLDEN = {
  batch: {
    message: '7572636861696e2f62617463682f7631dff68a351034a19668b91dbc8e5bcd765da939fe0f0d10696225dc06ca146b54',
    signature: '770fc4465edb021228355c167ed8586c56e44e2f441f27894a32e5bd324b8d099f5ec051045a8f1b2db82657f02e87cebb545fc78974ac2c87fc87e27572640d',
  },
  block: {
    message: '7572636861696e2f626c6f636b2f76312222222222222222222222222222222222222222222222222222222222222222',
    signature: 'ff4fe4af11fc36e841f3206b2a2e598855852821bae7d40e9931858450258454915c153990083bb89d1c44fad4d291b5e9b416d2575500c395d4a67940332b08',
  },
  checkpoint: {
    message: '7572636861696e2f636865636b706f696e742f763179815581059ac6caba3616b853ea138582d8193e874a5140bc26ec9dd7d3e8f6',
    signature: 'e23a02d76bc528159a4244fed3b2c92a5ecbb5ef449664c531570441eaeb121cf41873a7b9f4b4f0d4dc352f53fa00aa9974671180aab90229c00e6950f2ec06',
  },
  envelope: {
    message: '7572636861696e2f656e76656c6f70652f76311f0390f5cfaf341ce4287f8d52d1895c5034144fcee6a6e2ebf404574029ba4f',
    signature: '59db8260e5fe2d2971592a601bea693bb6683c9abd85e34d31f5733966dd364e30b5fad6b8b58bc8dc924b5e9b0f5fd806283b2c4fd20ca46a32d63e9a30b904',
  },
  request: {
    message: '7572636861696e2f62726f6b65722d726571756573742f7631f6827b1b169bc64631c930a925349bd732734d0e5195903c90cab59ddab3ad18',
    signature: 'ba257c3494d48755453ae6251f76a24c0afab68fe9db2f40a867c2e4f283897218ed96eb2192439d55f00740b0420fc50f2d4e755d2bc3800e21c14a5538d90b',
  },
  members: {
    message: '7572636861696e2f6d656d626572732f7631805e712977a1f482678ac84c9cd2157c3f852b237efd56b081e95572f067515d',
    signature: '6e510456cef6071756b2f8e6e28e56926d92e649d5cb44163da7abf7d761682323de608533a87da2a6cefb408caa6057ef704e81bed6b7bc27b96980f0f1f80b',
  },
  link: {
    message: '7572636861696e2f6c696e6b2f76310bce039fc8d5432f1a27ce54c27174e780a638224ea4b7cba6d2c7056e55a65d',
    signature: 'cd82c46ad23a7572c20ff0a7e460736eb796ac90cfa7a194cf98a6ed98cc23444abc54a7316a30a1d8abb587ae9c1d5f1de6ed3768a9d5719967d54736709c0f',
  },
};

/** The bytes, and the signature through the registered backend and through @noble alike. */
function golden(name: keyof typeof GOLDEN, msg: signed.Signable) {
  assert.is(toHex(msg), GOLDEN[name].message, `${name}: message bytes`);
  assert.is(toHex(sign(msg, seed)), GOLDEN[name].signature, `${name}: signature`);
  assert.is(toHex(portableSign(msg, seed)), GOLDEN[name].signature, `${name}: portable signature`);
  assert.ok(verify(msg, hex(GOLDEN[name].signature), key.publicKey));
  assert.ok(portableVerify(msg, hex(GOLDEN[name].signature), key.publicKey));
}

test('the fixed key', () => assert.is(toHex(key.publicKey), KEY));

test('batch: tag || SHA-256(CBOR [3, root]); chain/batch verifies with it', () => {
  golden('batch', signed.batchMessage(3, fill(32, 0x21)));
  assert.ok(verifyBatch(3, fill(32, 0x21), hex(GOLDEN.batch.signature), key.publicKey));
  assert.not.ok(verifyBatch(4, fill(32, 0x21), hex(GOLDEN.batch.signature), key.publicKey), 'the size is signed');
});

test('block: tag || block hash; chain/header signs and counts with it', () => {
  golden('block', signed.blockMessage(fill(32, 0x22)));
  assert.is(toHex(signHeader(fill(32, 0x22), key).sig), GOLDEN.block.signature);
  assert.equal([...validSigners(fill(32, 0x22), [{ key: key.publicKey, sig: hex(GOLDEN.block.signature) }])], [KEY]);
});

test('checkpoint: tag || SHA-256(CBOR checkpoint); chain/checkpoint signs and opens with it', () => {
  const cp = { chainId: fill(32, 0x23), height: 1000, blockHash: fill(32, 0x24), timestamp: 1767225600000 };
  const body = encodeCheckpoint({ ...cp, signer: key.publicKey });
  golden('checkpoint', signed.checkpointMessage(body));
  const s = signCheckpoint(cp, key);
  assert.is(toHex((decode(s) as Uint8Array[])[1]), GOLDEN.checkpoint.signature);
  assert.is(openCheckpoint(s).height, 1000);
});

test('envelope: tag || SHA-256(CBOR [1, from, to, sentAt, eph, nonce, ct]); global/envelope checks it', () => {
  const e = { from: key.publicKey, to: fill(32, 0x25), sentAt: 1767225600001, eph: fill(32, 0x26), nonce: fill(12, 0x27), ct: fill(40, 0x28) };
  golden('envelope', signed.envelopeMessage(e));
  const bytes = encode([1, e.from, e.to, e.sentAt, e.eph, e.nonce, e.ct, hex(GOLDEN.envelope.signature)]);
  assert.is(parseEnvelope(bytes).sentAt, e.sentAt);
});

test('request: tag || SHA-256(CBOR [method, path, query, time, nonce, SHA-256(body)]); global/auth checks it', () => {
  const r = { method: 'POST', path: '/v1/messages', query: 'max=10&x=%20', time: 1767225600002, nonce: fill(16, 0x29), body: new TextEncoder().encode('{"a":1}') };
  golden('request', signed.requestMessage(r));
  assert.is(toHex(requestBytes(r.method, '/v1/messages?max=10&x=%20', r.time, r.nonce, r.body)), toHex(signed.requestBody(r)));
  const headers = { 'x-urchain-key': KEY, 'x-urchain-time': String(r.time), 'x-urchain-nonce': toHex(r.nonce), 'x-urchain-signature': GOLDEN.request.signature };
  assert.is(verifyRequest(headers, 'POST', '/v1/messages?max=10&x=%20', r.body, r.time).nonce, toHex(r.nonce));
});

test('members: tag || SHA-256(CBOR member list); net/members signs and checks with it', () => {
  const members = [
    { key: fill(32, 0x31), role: 'producer' as const },
    { key: fill(32, 0x30), role: 'thin' as const },
  ];
  const l = signMembers(key, 7, members);
  golden('members', signed.membersMessage(listBytes(key.publicKey, 7, l.members)));
  assert.is(toHex(l.signature), GOLDEN.members.signature);
  assert.is(checkMembers(l).serial, 7);
});

test('link: tag || SHA-256(CBOR [peer nonce, signer, peer, chain id])', () => {
  golden('link', signed.linkMessage(fill(32, 0x32), key.publicKey, fill(32, 0x33), fill(32, 0x34)));
  assert.is(toHex(signed.signedMessage('link', signed.linkHash(fill(32, 0x32), key.publicKey, fill(32, 0x33), fill(32, 0x34)))), GOLDEN.link.message);
});

test('the tag table: every tag distinct, urchain/<what>/v1, the KDF labels included', () => {
  const tags = [...Object.values(signed.DOMAIN), ...Object.values(signed.KDF_INFO)];
  assert.is(new Set(tags).size, tags.length);
  for (const t of tags) assert.match(t, /^urchain\/[a-z-]+\/v1$/);
  assert.is(signed.KDF_INFO.seal, 'urchain/seal/v1');
  assert.is(signed.KDF_INFO.profichain, 'urchain/profichain/v1');
});

test('a signed hash must be 32 bytes', () => {
  assert.throws(() => signed.signedMessage('block', fill(31, 0)), /expected 32 bytes/);
});

test.run();
