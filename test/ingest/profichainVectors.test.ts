/**
 * urchain-profichain(7) vectors: rebuilt byte for byte, and checked the way an independent
 * client would — HKDF from @noble/hashes, AES-GCM straight from node:crypto, both sides of the
 * key agreement — so the page describes what the code does.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { buildProfichainVectors } from '../profichainVectors.js';
import { vector, hex, toHex } from '../helpers.js';
import { dh } from '../../src/crypto/seal.js';
import { decryptTier2 } from '../../src/ingest/profichain/tier2.js';
import { FrameReader } from '../../src/ingest/profichain/frames.js';

const v = vector('profichain.json');

test('the frames, the key schedule and both tiers match the committed vectors byte for byte', () => {
  assert.equal(buildProfichainVectors(), v);
});

test('an independent client derives the same session keys and opens the sealed frames', () => {
  const t = v.tier1;
  const s1Node = dh(hex(t.nodeX25519Secret), hex(t.clientEph));
  const s2Node = dh(hex(t.nodeEphSecret), hex(t.clientEph));
  assert.is(toHex(s1Node), t.s1, 'both ends of the static agreement agree');
  assert.is(toHex(s2Node), t.s2, 'both ends of the ephemeral agreement agree');
  const info = Buffer.concat([Buffer.from('urchain/profichain/v1'), hex(t.nodeKey)]);
  const okm = hkdf(sha256, Buffer.concat([s1Node, s2Node]), Buffer.concat([hex(t.clientEph), hex(t.nodeEph)]), info, 64);
  assert.is(toHex(okm), t.okm);
  const open = (frameHex: string, key: string) => {
    const [f] = [...new FrameReader(1 << 20).push(Buffer.from(frameHex, 'hex'))];
    assert.is(f.type, 0x10);
    const body = Buffer.from(f.body);
    const seq = body.subarray(0, 8);
    const d = crypto.createDecipheriv('aes-256-gcm', hex(key), Buffer.concat([Buffer.alloc(4), seq]));
    d.setAAD(Buffer.concat([Buffer.from([0x10]), seq]));
    d.setAuthTag(body.subarray(body.length - 16));
    return { seq: seq.readBigUInt64BE(), inner: Buffer.concat([d.update(body.subarray(8, body.length - 16)), d.final()]) };
  };
  const sub = open(t.sealedSubmit, t.clientToNode);
  assert.is(sub.seq, 1n);
  assert.is(sub.inner.toString('hex'), v.frames.submit.slice(8), 'inner frame = the plain SUBMIT without its length');
  const rc = open(t.sealedReceipt, t.nodeToClient);
  assert.is(rc.inner.toString('hex'), v.frames.receipt.slice(8));
});

test('the tier-2 vector decrypts with its key and with no other', () => {
  assert.is(Buffer.from(decryptTier2(hex(v.tier2.payload), hex(v.tier2.key))).toString(), 'confidential');
  assert.throws(() => decryptTier2(hex(v.tier2.payload), new Uint8Array(32)), /does not decrypt/);
  assert.is(Buffer.from(hex(v.tier2.payload)).subarray(0, 4).toString('hex'), '55543201');
});

test.run();
