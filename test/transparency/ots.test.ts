/**
 * OpenTimestamps: the .ots codec (round trips byte for byte, python's order, hostile files
 * refused cheaply), Bitcoin headers (the real genesis blocks, proof of work, the difficulty
 * rule), and the calendar protocol against the in-process calendar and synthetic chain.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat, fromHex, toHex } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/crypto/hash.js';
import {
  parseOts, serializeOts, attestations, addOp, addAttestation, mergeTimestamp, applyOp, OTS_MAGIC, MAX_DEPTH, MAX_OPS,
  type DetachedTimestamp, type Timestamp,
} from '../../src/transparency/ots.js';
import { encodeHeader, blockHashHex, checkHeaderChain, compactOf, targetOf, retargetBits, NETWORKS, HEADER_LEN, checkBitcoinAttestation } from '../../src/transparency/otsBitcoin.js';
import { submitDigest, fetchTimestamp, calendarUrl } from '../../src/transparency/otsCalendar.js';
import { headersFileSource } from '../../src/transparency/otsHeaders.js';
import { bitcoindSource } from '../../src/transparency/otsRpc.js';
import { SyntheticBitcoin } from '../../support/bitcoin.js';
import { startCalendars } from '../../support/otsCalendar.js';
import { errorCodeOf, tmpDir, cleanup, vector } from '../helpers.js';
import { otsVector } from '../../scripts/otsSection.js';
import fs from 'node:fs';
import path from 'node:path';

test.after(cleanup);

const D = sha256(new TextEncoder().encode('urchain'));

/** A hand-written file: digest D, append(aa), sha256, then a pending and a bitcoin attestation. */
function handMade(): Uint8Array {
  const uri = new TextEncoder().encode('https://a.example');
  const pending = concat(fromHex('83dfe30d2ef90c8e'), Uint8Array.of(uri.length + 1, uri.length), uri);
  const bitcoin = concat(fromHex('0588960d73d71901'), Uint8Array.of(3, 0xf4, 0xb3, 0x33)); // varuint 842228
  return concat(OTS_MAGIC, Uint8Array.of(0x01, 0x08), D, Uint8Array.of(0xf0, 0x01, 0xaa, 0x08), Uint8Array.of(0xff, 0x00), bitcoin, Uint8Array.of(0x00), pending);
}

test('a hand-written file parses into its parts and writes back byte for byte', () => {
  const bytes = handMade();
  const d = parseOts(bytes);
  assert.is(d.hashOp, 'sha256');
  assert.equal(d.digest, D);
  const found = attestations(d.timestamp, d.digest);
  assert.equal(found.map((a) => a.attestation), [{ type: 'bitcoin', height: 842228 }, { type: 'pending', uri: 'https://a.example' }]);
  assert.equal(found[0].commitment, sha256(concat(D, Uint8Array.of(0xaa))));
  assert.equal(serializeOts(d), bytes);
});

test("items added go where python-opentimestamps sorts them: attestations (by tag) before ops (by tag, then arg)", () => {
  const t: Timestamp = { items: [] };
  addOp(t, { op: 'sha256' });
  addOp(t, { op: 'append', arg: Uint8Array.of(2) });
  addOp(t, { op: 'append', arg: Uint8Array.of(1) });
  addAttestation(t, { type: 'pending', uri: 'https://b' });
  addAttestation(t, { type: 'pending', uri: 'https://a' });
  addAttestation(t, { type: 'bitcoin', height: 5 });
  const order = t.items.map((it) => ('attestation' in it ? JSON.stringify(it.attestation) : `${it.op.op}${'arg' in it.op ? toHex(it.op.arg) : ''}`));
  assert.equal(order, ['{"type":"bitcoin","height":5}', '{"type":"pending","uri":"https://a"}', '{"type":"pending","uri":"https://b"}', 'sha256', 'append01', 'append02']);
  // the same op twice is one node; merging is idempotent
  const before = serializeOts({ hashOp: 'sha256', digest: D, timestamp: fill(t) });
  mergeTimestamp(t, structuredClone(t));
  assert.equal(serializeOts({ hashOp: 'sha256', digest: D, timestamp: t }), before);
});

/** Gives every empty op node an attestation so the timestamp can be written. */
function fill(t: Timestamp): Timestamp {
  for (const it of t.items) if ('next' in it) (it.next.items.length ? fill(it.next) : addAttestation(it.next, { type: 'bitcoin', height: 1 }));
  return t;
}

test('hostile files are refused with BAD_ENCODING, cheaply', () => {
  const good = handMade();
  const head = concat(OTS_MAGIC, Uint8Array.of(0x01, 0x08), D);
  const cases: [string, Uint8Array][] = [
    ['bad magic', concat(Uint8Array.of(1), good.subarray(1))],
    ['version 2', concat(OTS_MAGIC, Uint8Array.of(0x02), good.subarray(OTS_MAGIC.length + 1))],
    ['not a hash as file op', concat(OTS_MAGIC, Uint8Array.of(0x01, 0xf0), good.subarray(OTS_MAGIC.length + 2))],
    ['truncated', good.subarray(0, good.length - 1)],
    ['trailing byte', concat(good, Uint8Array.of(0))],
    ['unknown op', concat(head, Uint8Array.of(0x42))],
    ['empty append', concat(head, Uint8Array.of(0xf0, 0x00))],
    ['long varuint', concat(head, Uint8Array.of(0xf0, 0x81, 0x00, 0xaa))],
    ['append past 4096 bytes', concat(head, Uint8Array.of(0xf0, 0x81, 0x20), new Uint8Array(4097))],
    ['bad URI', concat(head, Uint8Array.of(0x00), fromHex('83dfe30d2ef90c8e'), Uint8Array.of(3, 2, 0x3f, 0x3f))],
    ['payload trailing', concat(head, Uint8Array.of(0x00), fromHex('0588960d73d71901'), Uint8Array.of(2, 1, 1))],
    ['duplicate attestation', concat(head, Uint8Array.of(0xff, 0x00), fromHex('0588960d73d71901'), Uint8Array.of(1, 1, 0x00), fromHex('0588960d73d71901'), Uint8Array.of(1, 1))],
    ['too deep', concat(head, new Uint8Array(MAX_DEPTH + 1).fill(0x08), Uint8Array.of(0x00), fromHex('0588960d73d71901'), Uint8Array.of(1, 1))],
  ];
  for (const [why, b] of cases) assert.is(errorCodeOf(() => parseOts(b)), 'BAD_ENCODING', why);
  // many operations: refused past MAX_OPS without doing them all (distinct 0xff-prefixed appends,
  // so the op limit, not the duplicate rule, refuses it)
  const att = (h: number) => Uint8Array.of(0x00, ...fromHex('0588960d73d71901'), 1, h);
  const sib = (i: number) => concat(Uint8Array.of(0xff, 0xf0, 2, i & 0xff, i >> 8), att(1));
  const wide = concat(head, ...Array.from({ length: MAX_OPS + 1 }, (_, i) => sib(i)), Uint8Array.of(0xf0, 2, 0xff, 0xff), att(1));
  const t0 = performance.now();
  assert.throws(() => parseOts(wide), (e: Error) => new RegExp(`more than ${MAX_OPS} operations and attestations \\(the op limit\\)`).test(e.message));
  assert.ok(performance.now() - t0 < 1000);
  // many distinct attestations under one node (they count toward the op limit too): a megabyte of
  // them is refused at once, not compared pairwise
  const heights = Array.from({ length: 80_000 }, (_, i) => Uint8Array.of(0xff, 0x00, ...fromHex('0588960d73d71901'), 3, 0x80 | (i & 0x7f), 0x80 | ((i >> 7) & 0x7f), (i >> 14) + 1));
  const many = concat(head, ...heights, att(1));
  const t1 = performance.now();
  assert.is(errorCodeOf(() => parseOts(many)), 'BAD_ENCODING');
  assert.ok(performance.now() - t1 < 300, `${performance.now() - t1} ms`);
  // a varuint in 8 bytes whose value is past 2^53 is refused, not read as an unsafe number
  assert.is(errorCodeOf(() => parseOts(concat(head, Uint8Array.of(0x00), fromHex('0588960d73d71901'), Uint8Array.of(8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)))), 'BAD_ENCODING');
  assert.throws(() => parseOts(concat(head, Uint8Array.of(0x00), fromHex('0588960d73d71901'), Uint8Array.of(8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f))), /varuint over 2\^53/);
  // mutations of a real file: each parses or fails with BAD_ENCODING, nothing else
  const real = fromHex(vector('ots-anchor.json').upgradedOts);
  for (let i = 0; i < 2000; i++) {
    const m = real.slice();
    for (let k = 0; k <= i % 3; k++) m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
    const c = errorCodeOf(() => parseOts(m));
    assert.ok(c === 'BAD_ENCODING' || c === 'none', c);
  }
  // random bytes after a valid header never throw anything but BAD_ENCODING
  for (let i = 0; i < 300; i++) {
    const junk = concat(head, new Uint8Array(Array.from({ length: 1 + (i % 60) }, () => Math.floor(Math.random() * 256))));
    const c = errorCodeOf(() => parseOts(junk));
    assert.ok(c === 'BAD_ENCODING' || c === 'none', c);
  }
});

test('the real genesis blocks of mainnet and regtest hash to their published hashes', () => {
  assert.is(blockHashHex(encodeHeader(NETWORKS.main.genesis)), '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
  assert.is(blockHashHex(encodeHeader(NETWORKS.regtest.genesis)), '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
  assert.is(compactOf(targetOf(0x1d00ffff)!), 0x1d00ffff);
  assert.is(compactOf(targetOf(0x207fffff)!), 0x207fffff);
  assert.is(compactOf(targetOf(0x1b0404cb)!), 0x1b0404cb);
});

test("mainnet's difficulty rule gives Bitcoin Core's pow_tests results", () => {
  // src/test/pow_tests.cpp: get_next_work, _pow_limit, _lower_limit_actual, _upper_limit_actual
  assert.is(retargetBits('main', 0x1d00ffff, 1261130161, 1262152739), 0x1d00d86a);
  assert.is(retargetBits('main', 0x1d00ffff, 1231006505, 1233061996), 0x1d00ffff);
  assert.is(retargetBits('main', 0x1c05a3f4, 1279008237, 1279297671), 0x1c0168fd);
  assert.is(retargetBits('main', 0x1c387f6f, 1263163443, 1269211443), 0x1d00e1fd);
});

test('a headers file is checked from genesis: links, work, bits; a forged header is named', () => {
  const chain = new SyntheticBitcoin();
  for (let i = 0; i < 5; i++) chain.mine([sha256(Uint8Array.of(i))]);
  const file = chain.headersFile();
  assert.is(checkHeaderChain(file, 'regtest').headers.length, 6);
  assert.is(errorCodeOf(() => checkHeaderChain(file, 'main')), 'BAD_PROOF'); // not mainnet's genesis
  const forged = file.slice();
  forged[3 * HEADER_LEN + 40] ^= 1; // merkle root of block 3 changed: its work (half the time at regtest difficulty) or block 4's link breaks
  assert.match(String(catchMsg(() => checkHeaderChain(forged, 'regtest'))), /height (3|4)/);
  assert.is(errorCodeOf(() => checkHeaderChain(file.subarray(0, 100), 'regtest')), 'BAD_ENCODING');
  // a header with other bits than the rule gives (regtest: the same as its parent's), whatever its work
  const harder = encodeHeader({ version: 0x20000000, prevHash: sha256(sha256(chain.headers[4])), merkleRoot: new Uint8Array(32), time: 2_000_000_000, bits: 0x2000ffff, nonce: 0 });
  assert.match(String(catchMsg(() => checkHeaderChain(concat(file.subarray(0, 5 * HEADER_LEN), harder), 'regtest'))), /height 5: bits 2000ffff, the difficulty rule demands 207fffff/);
});

const catchMsg = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
};

test('calendar protocol: submit, pending (404), confirm, upgrade to a bitcoin attestation that matches a header', async () => {
  const cals = await startCalendars(2);
  try {
    const [a, b] = cals.calendars;
    const t = await submitDigest(a.url, D);
    const [pending] = attestations(t, D);
    assert.equal(pending.attestation, { type: 'pending', uri: a.url });
    assert.is(await fetchTimestamp(a.url, pending.commitment), null);
    await submitDigest(b.url, D);
    await submitDigest(a.url, sha256(D)); // a second digest, so the calendar's tree has a level
    const height = a.confirm()!;
    const up = (await fetchTimestamp(a.url, pending.commitment))!;
    const [att] = attestations(up, pending.commitment);
    assert.equal(att.attestation, { type: 'bitcoin', height });
    const ok = checkBitcoinAttestation(att.commitment, cals.chain.headers[height], height);
    assert.is(ok.blockHash, blockHashHex(cals.chain.headers[height]));
    assert.is(await fetchTimestamp(a.url, sha256(D)), null); // never made: 404
    // a file with both, merged
    const d: DetachedTimestamp = { hashOp: 'sha256', digest: D, timestamp: t };
    mergeTimestamp(pending.node, up);
    assert.equal(parseOts(serializeOts(d)), d);
    // headers from a file and from a bitcoind give the same header
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'h.bin'), cals.chain.headersFile());
    const fileSrc = headersFileSource(path.join(dir, 'h.bin'), 'regtest');
    const rpc = await cals.chain.rpc('user:secret');
    try {
      const rpcSrc = bitcoindSource(rpc.url, 'regtest');
      assert.equal(await rpcSrc.header(height), await fileSrc.header(height));
      assert.is(await rpcSrc.tip(), await fileSrc.tip());
      assert.is(await rpcSrc.header(height + 5), undefined);
      assert.is(await errorCodeOfAsync(() => bitcoindSource(rpc.url.replace('secret', 'wrong'), 'regtest').header(0)), 'BAD_REPLY');
    } finally {
      await rpc.close();
    }
    // a calendar that is down
    a.failing = true;
    assert.is(await errorCodeOfAsync(() => submitDigest(a.url, D)), 'UNAVAILABLE');
  } finally {
    await cals.close();
  }
});

test('calendar URLs: https, or http to loopback only', () => {
  assert.is(calendarUrl('https://a.pool.opentimestamps.org/'), 'https://a.pool.opentimestamps.org');
  assert.is(calendarUrl('http://127.0.0.1:9000'), 'http://127.0.0.1:9000');
  for (const bad of ['http://calendar.example', 'ftp://x', 'https://u:p@x', 'nope']) assert.is(errorCodeOf(() => calendarUrl(bad)), 'BAD_INPUT', bad);
});

test('applyOp: the format hash ops give the known digests', () => {
  const abc = new TextEncoder().encode('abc');
  assert.is(toHex(applyOp({ op: 'sha1' }, abc)), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.is(toHex(applyOp({ op: 'ripemd160' }, abc)), '8eb208f7e05d987a9b044a8e98c6b087f15a0bfc');
  assert.is(toHex(applyOp({ op: 'keccak256' }, abc)), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
  assert.is(new TextDecoder().decode(applyOp({ op: 'hexlify' }, Uint8Array.of(0xab, 0x01))), 'ab01');
  assert.equal(applyOp({ op: 'reverse' }, Uint8Array.of(1, 2)), Uint8Array.of(2, 1));
});

async function errorCodeOfAsync(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'none';
  } catch (e) {
    return (e as { code?: string }).code ?? 'not an UrchainError';
  }
}

test('the vector of urchain-formats(5) is what the code builds, and it verifies', () => {
  const v = vector('ots-anchor.json');
  assert.equal(otsVector(), v);
  const pending = parseOts(fromHex(v.pendingOts));
  assert.equal(pending.digest, sha256(new TextEncoder().encode(v.checkpointText)));
  assert.equal(attestations(pending.timestamp, pending.digest).map((a) => [a.attestation, toHex(a.commitment)]), [[{ type: 'pending', uri: v.calendar }, v.commitment]]);
  const up = parseOts(fromHex(v.upgradedOts));
  assert.is(toHex(serializeOts(up)), v.upgradedOts);
  const chain = checkHeaderChain(fromHex(v.headers), 'regtest');
  const [b] = attestations(up.timestamp, up.digest);
  assert.equal(checkBitcoinAttestation(b.commitment, chain.headers[v.height], v.height), { height: v.height, blockHash: v.blockHash, time: v.time });
});

test.run();
