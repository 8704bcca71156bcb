/**
 * C2SP signed notes: Go's x/mod vectors and the spec's example (test/vectors/c2sp-signed-note.json,
 * facts only), round trips, and hostile inputs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vector } from '../helpers.js';
import { errorCodeOf } from '../helpers.js';
import { publicKeyOf } from '../../src/crypto/ed25519.js';
import { fromBase64 } from '../../src/codec/bytes.js';
import { noteMessage } from '../../src/crypto/signed.js';
import * as note from '../../src/transparency/note.js';

const V = vector('c2sp-signed-note.json');
/** Go's private key string PRIVATE+KEY+name+id+base64(0x01 || seed) as a key pair. */
function goSigner(skey: string) {
  const seed = fromBase64(skey.split('+').slice(4).join('+')).subarray(1);
  return { secretKey: seed, publicKey: publicKeyOf(seed) };
}
const peter = note.parseVerifierKey(V.goSigner.vkey);
const enoch = note.parseVerifierKey(V.goEnoch.vkey);
const peterPair = goSigner(V.goSigner.skey);

const code = errorCodeOf;

test("verifier keys: Go's keys parse, re-format byte for byte, and the key ID is SHA-256(name || 0x0A || 0x01 || key)[:4]", () => {
  assert.is(peter.keyId, 0xc74f20a3);
  assert.is(note.formatVerifierKey(peter), V.goSigner.vkey);
  assert.is(note.formatVerifierKey(enoch), V.goEnoch.vkey);
  assert.equal(peter.publicKey, peterPair.publicKey);
  assert.is(note.noteKeyId('PeterNeumann', peterPair.publicKey), 0xc74f20a3);
  assert.is(note.formatVerifierKey(note.parseVerifierKey(V.c2spExample.vkey)), V.c2spExample.vkey);
});

test('verifier keys whose base64 holds "+" parse (only the first two "+" separate)', () => {
  let n = 0;
  for (let b = 0; b < 64 && n < 5; b++) {
    const seed = new Uint8Array(32).fill(b);
    const k = note.noteKey('example.com/k', publicKeyOf(seed));
    const s = note.formatVerifierKey(k);
    if (!s.split('+')[2] || s.split('+').length === 3) continue;
    n++;
    assert.equal(note.parseVerifierKey(s), k, s);
  }
  assert.ok(n > 0);
});

test('verifier keys: wrong length, unknown type, wrong ID, bad names and stray parts are refused', () => {
  for (const k of V.goBadVerifierKeys) assert.is(code(() => note.parseVerifierKey(k)), 'BAD_INPUT', k);
  const good = V.goSigner.vkey as string;
  const bad = [
    good.replace('c74f20a3', 'c74f20a4'),
    good.replace('c74f20a3', 'C74F20A3'),
    good.replace('PeterNeumann', 'Peter Neumann'),
    `x+${good}`,
    `${good}+`,
    good.slice(0, -1),
    good.replace('+A', '+a'),
    '',
  ];
  for (const k of bad) assert.is(code(() => note.parseVerifierKey(k)), 'BAD_INPUT', k);
});

test("sign: Go's TestSign output, byte for byte (Ed25519 is deterministic)", () => {
  assert.is(note.signNote(V.goSigner.text, 'PeterNeumann', peterPair), V.goSigner.note);
});

test("open: Go's note verifies with Peter's key; Enoch's unknown signature is ignored; both verify with both keys", () => {
  const both = V.goSigner.note + V.goEnoch.line;
  const n = note.openNote(both, [peter]);
  assert.is(n.text, V.goSigner.text);
  assert.equal(n.verifiedBy, [peter]);
  assert.is(n.signatures.length, 2);
  assert.equal(note.openNote(both, [peter, enoch]).verifiedBy, [peter, enoch]);
  assert.is(note.openNote(new TextEncoder().encode(both), [enoch]).text, V.goSigner.text);
  assert.is(note.openNote(V.c2spExample.note, [note.parseVerifierKey(V.c2spExample.vkey)]).text, 'This is an example message.\n');
});

test('open: no known key, a bad known signature, too many lines, repeats and malformed notes are refused', () => {
  const t = V.goSigner.text as string;
  const sig = (V.goSigner.note as string).slice(t.length + 1);
  assert.is(code(() => note.openNote(V.goSigner.note, [])), 'BAD_SIGNATURE');
  assert.is(code(() => note.openNote(V.goSigner.note, [enoch])), 'BAD_SIGNATURE');
  assert.is(code(() => note.openNote(`${t}\n${sig.slice(0, 60)}ABCD${sig.slice(60)}`, [peter])), 'BAD_SIGNATURE');
  assert.is(code(() => note.openNote(`${t.replace('answer', 'Answer')}\n${sig}`, [peter])), 'BAD_SIGNATURE');
  assert.is(code(() => note.openNote(`${t}\n${sig.repeat(101)}`, [peter])), 'BAD_ENCODING');
  assert.is(code(() => note.openNote(`${t}\n${sig}${sig}`, [peter])), 'BAD_ENCODING');
  const hostile = [
    t,
    `${t}\n`,
    `${t}\n${sig.slice(0, -1)}`,
    `\u0001${t}\n${sig}`,
    `${t}\r\n${sig}`,
    `${t}\n${sig.replace('PeterNeumann', 'Bad Name')}`,
    `${t}\n${sig.replace('PeterNeumann', 'Peter+Neumann')}`,
    `${t}\n${sig}Unexpected line.\n`,
    `${t}\n${sig.replace('— ', '-- ')}`,
    `${t}\n${sig.replace('— ', '—  ')}`,
    `${t}\n${sig.replace('=\n', '\n')}`,
    `${t}\n${sig.replace(/ \S+\n$/, ' AAAA\n')}`,
    `${t}\n${sig}\n`,
  ];
  for (const m of hostile) assert.is(code(() => note.openNote(m, [peter])), 'BAD_ENCODING', JSON.stringify(m));
  assert.is(code(() => note.openNote(Uint8Array.of(0xff, ...new TextEncoder().encode(`${t}\n${sig}`)), [peter])), 'BAD_ENCODING');
  assert.is(code(() => note.openNote(`${t.slice(0, -1)}\ud800\n\n${sig}`, [peter])), 'BAD_ENCODING');
  assert.is(code(() => note.openNote(new Uint8Array(note.MAX_NOTE_BYTES + 1).fill(0x61), [peter])), 'BAD_ENCODING');
});

test('round trip: the text may hold blank lines; the last blank line ends it; a wrong key name with the right key is ignored', () => {
  const text = 'one\n\ntwo\n';
  const signed = note.signNote(text, 'example.com/x', peterPair);
  const k = note.noteKey('example.com/x', peterPair.publicKey);
  assert.is(note.openNote(signed, [k]).text, text);
  assert.is(code(() => note.openNote(signed, [note.noteKey('example.com/y', peterPair.publicKey)])), 'BAD_SIGNATURE');
  for (const bad of ['', 'no newline', 'a\u0007\n']) assert.is(code(() => note.signNote(bad, 'n', peterPair)), 'BAD_ENCODING', bad);
  assert.is(code(() => note.signNote('x\n', 'a b', peterPair)), 'BAD_INPUT');
});

test('a note text urchain signs never starts with an urchain signature domain ("urchain/")', () => {
  assert.is(code(() => noteMessage(new TextEncoder().encode('urchain/block/v1xx\n'))), 'BAD_INPUT');
  assert.is(code(() => note.signNote('urchain/block/v1\n', 'n', peterPair)), 'BAD_INPUT');
});

test.run();
