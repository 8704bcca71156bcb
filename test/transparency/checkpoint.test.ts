/**
 * C2SP tlog-checkpoint text: the spec's example parses, round trips, strict parsing of hostile
 * texts, and a signed checkpoint opened with its verifier key.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { publicKeyOf } from '../../src/crypto/ed25519.js';
import { fromBase64 } from '../../src/codec/bytes.js';
import { checkpointText, parseCheckpointText, signTreeHead, openTreeHead } from '../../src/transparency/checkpoint.js';
import { noteKey, formatVerifierKey } from '../../src/transparency/note.js';
import { checkpointOrigin } from '../../src/transparency/origin.js';
import { decodeParams } from '../../src/chain/params.js';
import { leafHash, rootOf } from '../../src/merkle/tree.js';
import { vector, hex, toHex } from '../helpers.js';
import { errorCodeOf } from '../helpers.js';
import crypto from 'node:crypto';

const code = errorCodeOf;

// c2sp.org/tlog-checkpoint@v1's example text.
const EXAMPLE = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

test("the spec's example parses and re-formats byte for byte", () => {
  const h = parseCheckpointText(EXAMPLE);
  assert.is(h.origin, 'example.com/behind-the-sofa');
  assert.is(h.size, 20852163);
  assert.equal(h.root, fromBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='));
  assert.equal(h.extensions, []);
  assert.is(checkpointText(h), EXAMPLE);
  const ext = `${EXAMPLE}ext one\nx\n`;
  assert.equal(parseCheckpointText(ext).extensions, ['ext one', 'x']);
  assert.is(checkpointText(parseCheckpointText(ext)), ext);
  assert.is(parseCheckpointText('o\n0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n').size, 0);
});

test('hostile checkpoint texts are refused', () => {
  const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
  const bad = [
    '',
    'o\n1\n',
    `o\n1\n${root}`,
    `\n1\n${root}\n`,
    `o\n01\n${root}\n`,
    `o\n-1\n${root}\n`,
    `o\n+1\n${root}\n`,
    `o\n1.0\n${root}\n`,
    `o\n 1\n${root}\n`,
    `o\n99999999999999999\n${root}\n`,
    `o\n1\n${root.slice(0, -4)}\n`,
    `o\n1\n${root.replace('I=', 'J=')}\n`,
    `o\n1\n${root.replace('=', '')}\n`,
    `o\n1\n${root}AAAA\n`,
    `o\n1\n${root}\n\n`,
    `o\n1\n${root}\next\n\n`,
  ];
  for (const t of bad) assert.is(code(() => parseCheckpointText(t)), 'BAD_ENCODING', JSON.stringify(t));
});

test('a signed checkpoint opens with its key and origin, and with nothing else', () => {
  const seed = new Uint8Array(32).fill(9);
  const key = { secretKey: seed, publicKey: publicKeyOf(seed) };
  const h = { origin: 'urchain.example/plant/0011223344556677', size: 5, root: new Uint8Array(32).fill(3) };
  const signed = signTreeHead(h, key);
  assert.ok(signed.startsWith(`${checkpointText(h)}\n\u2014 ${h.origin} `));
  const k = noteKey(h.origin, key.publicKey);
  const opened = openTreeHead(signed, [k], h.origin);
  assert.is(opened.size, 5);
  assert.equal(opened.root, h.root);
  assert.is(code(() => openTreeHead(signed, [k], 'urchain.example/other/0011223344556677')), 'BAD_CHAIN');
  assert.is(code(() => openTreeHead(signed.replace('\n5\n', '\n6\n'), [k])), 'BAD_SIGNATURE');
  assert.is(code(() => checkpointText({ ...h, size: -1 })), 'BAD_INPUT');
  assert.is(code(() => checkpointText({ ...h, origin: '' })), 'BAD_INPUT');
});

test('the urchain-formats(5) vector: rebuilt from formats.json, and checked with node:crypto alone', () => {
  const f = vector('formats.json');
  const c = vector('c2sp-checkpoint.json');
  const seed = hex(f.key.secretKey);
  const key = { secretKey: seed, publicKey: publicKeyOf(seed) };
  const origin = checkpointOrigin(decodeParams(hex(f.params.cbor)));
  assert.is(origin, c.origin);
  assert.is(origin, `urchain.example/vector-chain/${f.params.chainId.slice(0, 16)}`);
  assert.equal(c.leaves, [f.genesis.hash, f.block.hash]);
  const root = rootOf(c.leaves.map((l: string) => leafHash(hex(l))));
  assert.is(toHex(root), c.root);
  const h = { origin, size: 2, root };
  assert.is(checkpointText(h), c.text);
  assert.is(signTreeHead(h, key), c.note);
  assert.is(formatVerifierKey(noteKey(origin, key.publicKey)), c.verifierKey);
  // Independently of src/: the key ID and the Ed25519 signature over the text, by node:crypto.
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${origin}\n`), Buffer.from([1]), Buffer.from(key.publicKey)])).digest().subarray(0, 4);
  assert.is(id.toString('hex'), c.keyId);
  const sig = Buffer.from(c.note.split(' ').pop().trim(), 'base64');
  assert.is(sig.subarray(0, 4).toString('hex'), c.keyId);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key.publicKey)]);
  assert.ok(crypto.verify(null, Buffer.from(c.text), crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig.subarray(4)));
  // The root is the historyRoot a block at height 2 would carry: RFC 9162 over both block hashes.
  assert.is(toHex(root), toHex(rootOf([leafHash(hex(f.genesis.hash)), leafHash(hex(f.block.hash))])));
});

test.run();
