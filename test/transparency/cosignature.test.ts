/**
 * C2SP cosignature/v1: the spec's example (its signed message and the timestamp inside its
 * example line), the urchain-formats(5) vector rebuilt with node:crypto alone, round trips and
 * hostile inputs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import { vector, hex, errorCodeOf as code } from '../helpers.js';
import { publicKeyOf, generateKeyPair } from '../../src/crypto/ed25519.js';
import { fromBase64, toBase64 } from '../../src/codec/bytes.js';
import * as c from '../../src/transparency/cosignature.js';
import { noteKey, openNote, parseNote } from '../../src/transparency/note.js';

const V = vector('c2sp-cosignature.json');
const CP = vector('c2sp-checkpoint.json');
const seed = hex(V.secretKey);
const key = { secretKey: seed, publicKey: publicKeyOf(seed) };
const k = c.cosignerKey(V.name, key.publicKey);

test("the spec's example: our signed message is its message byte for byte, and its line carries the key ID and the time it shows", () => {
  assert.is(new TextDecoder().decode(c.cosignedMessage(V.spec.text, V.spec.time)), V.spec.message);
  const raw = fromBase64(V.spec.line.trim().split(' ').pop());
  assert.is(raw.length, 4 + 8 + 64);
  assert.is(Number(new DataView(raw.buffer, raw.byteOffset + 4, 8).getBigUint64(0)), V.spec.time);
  // An unknown key's line is skipped: the spec's example note (its own log line plus the witness line) parses.
  const note = `${V.spec.text}\n${V.spec.line}`;
  assert.equal(c.verifyCosignatures(note, [k]), []);
});

test('the urchain-formats(5) vector: key ID, vkey, message and line, rebuilt by node:crypto alone', () => {
  assert.is(k.keyId.toString(16).padStart(8, '0'), V.keyId);
  assert.is(c.formatCosignerKey(k), V.verifierKey);
  assert.equal(c.parseCosignerKey(V.verifierKey), k);
  assert.is(c.cosignNote(CP.note, V.name, key, V.time), V.note);
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${V.name}\n`), Buffer.from([4]), Buffer.from(key.publicKey)])).digest().subarray(0, 4);
  assert.is(id.toString('hex'), V.keyId);
  const msg = Buffer.from(`cosignature/v1\ntime ${V.time}\n${CP.text}`);
  assert.is(msg.toString(), V.message);
  const raw = Buffer.from(V.line.trim().split(' ').pop(), 'base64');
  assert.is(raw.subarray(0, 4).toString('hex'), V.keyId);
  assert.is(raw.readBigUInt64BE(4), BigInt(V.time));
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key.publicKey)]);
  assert.ok(crypto.verify(null, msg, crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' }), raw.subarray(12)));
  const got = c.verifyCosignatures(V.note, [k]);
  assert.is(got.length, 1);
  assert.is(got[0].time, V.time);
  // The log's own signature still opens, and the cosigner key is not a note (type 0x01) key.
  assert.is(openNote(V.note, [noteKey(CP.origin, hex(vector('formats.json').key.publicKey))]).verifiedBy.length, 1);
});

test('tampering: another time, text, key or a second line of one cosigner is refused', () => {
  const line = V.line.trim().split(' ');
  const raw = fromBase64(line.pop());
  const other = Uint8Array.from(raw);
  other[11] ^= 1; // the timestamp's last byte: the signature was over another time
  assert.is(code(() => c.verifyCosignatures(`${CP.note}${line.join(' ')} ${toBase64(other)}\n`, [k])), 'BAD_SIGNATURE');
  assert.is(code(() => c.verifyCosignatures(V.note.replace('\n2\n', '\n3\n'), [k])), 'BAD_SIGNATURE');
  assert.is(code(() => c.verifyCosignatures(`${V.note}${V.line}`, [k])), 'BAD_ENCODING');
  assert.is(code(() => c.verifyCosignatures(`${CP.note}${line.join(' ')} ${toBase64(raw.subarray(0, 70))}\n`, [k])), 'BAD_SIGNATURE');
  const big = Uint8Array.from(raw);
  big[4] = 0x7f;
  assert.is(code(() => c.verifyCosignatures(`${CP.note}${line.join(' ')} ${toBase64(big)}\n`, [k])), 'BAD_SIGNATURE');
  // Same name, another key: its key ID differs, the line is not this cosigner's.
  const stranger = c.cosignerKey(V.name, generateKeyPair().publicKey);
  assert.equal(c.verifyCosignatures(V.note, [stranger]), []);
  // A cosigner key is not a log key: same name and key, type 0x01 gives another key ID.
  assert.is.not(noteKey(V.name, key.publicKey).keyId, k.keyId);
  assert.is(code(() => c.parseCosignerKey(V.verifierKey.replace('+BC', '+AC'))), 'BAD_INPUT');
  assert.is(code(() => c.cosignatureLine(CP.text, 'a b', key, 1)), 'BAD_INPUT');
  assert.is(code(() => c.cosignatureLine(CP.text, 'w', key, -1)), 'BAD_INPUT');
});

test('round trip: several cosigners, each found with its time; linesOf picks one cosigner', () => {
  const ws = [1, 2, 3].map((i) => ({ name: `w${i}.example`, pair: generateKeyPair() }));
  let note: string = CP.note;
  ws.forEach((w, i) => (note = c.cosignNote(note, w.name, w.pair, 1_700_000_000 + i)));
  const keys = ws.map((w) => c.cosignerKey(w.name, w.pair.publicKey));
  const got = c.verifyCosignatures(note, keys);
  assert.equal(got.map((g) => g.time), [1_700_000_000, 1_700_000_001, 1_700_000_002]);
  assert.is(c.linesOf(note, keys[1]).length, 1);
  assert.is(parseNote(note).signatures.length, 4);
});

test.run();
