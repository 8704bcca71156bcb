/**
 * `urchain anchor`, `anchor upgrade`, `prove --anchor` and `verify` of anchored proofs, end to
 * end as a customer would run them: a real node and CLI, two in-process calendars, a synthetic
 * Bitcoin chain; offline with a headers file and online with a fake bitcoind. Idempotence, a
 * failing calendar (partial success, top-up), tampering and a pending-only anchor.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { cli, startNode, stopChildren, tmpDir, cleanup, errorCodeOf } from '../helpers.js';
import { startCalendars } from '../../support/otsCalendar.js';
import { onTerminal, plain as noEscapes } from '../../support/terminal.js';
import { parseOts, serializeOts, addAttestation, addOp } from '../../src/transparency/ots.js';
import { upgradeAnchors, anchorFiles, anchorCheckpoint, MAX_ASKED } from '../../src/transparency/otsAnchor.js';
import { calendarAllowed } from '../../src/transparency/otsCalendar.js';
import { FolderLock } from '../../src/node/lock.js';
import { buildAnchoredProof } from '../../src/transparency/otsProof.js';
import { rootOf, leafHash } from '../../src/merkle/tree.js';
import type { ProofJson } from '../../src/proof/proof.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signTreeHead } from '../../src/transparency/checkpoint.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { fromBase64, toBase64, toHex, utf8 } from '../../src/codec/bytes.js';

test.after(async () => {
  await stopChildren();
  cleanup();
});

test('anchor, upgrade, prove --anchor, verify offline and with bitcoind', async () => {
  const cals = await startCalendars(2);
  const [a, b] = cals.calendars;
  const dir = tmpDir();
  const data = path.join(dir, 'plant');
  let node;
  try {
    node = await startNode(data, ['--block-time', '200ms']);
    const sent = await cli(['ingest', 'send', '-', '--node', node.url, '--product', 'SN-1'], 'torque 41 Nm');
    assert.is(sent.code, 0, sent.stderr);
    const txId = sent.json.txId;
    await node.included(txId);
    await node.drained();
    const cal = ['--calendar', a.url, '--calendar', b.url];

    // a calendar down: partial success, exit 1, the .ots written with the one that answered
    b.failing = true;
    const partial = await cli(['anchor', '--data', data, ...cal, '--json']);
    assert.is(partial.code, 1, partial.stderr);
    assert.match(partial.stderr, new RegExp(`calendar ${b.url}`));
    assert.is(partial.json.redundant, false);
    assert.equal(partial.json.calendars.map((c: any) => c.ok), [true, false]);
    const size = partial.json.size;
    assert.ok(fs.existsSync(path.join(data, 'anchors', `checkpoint-${size}.ots`)));
    // back up: a second run tops up at the calendar that missed it, and only there
    b.failing = false;
    const hitsA = a.hits.digest;
    const topUp = await cli(['anchor', '--data', data, ...cal, '--json']);
    assert.is(topUp.code, 0, topUp.stderr);
    assert.is(topUp.json.submitted, true);
    assert.is(a.hits.digest, hitsA);
    assert.equal(topUp.json.pending, [a.url, b.url].sort());
    // idempotent: the same checkpoint is not sent again
    const hits = a.hits.digest + b.hits.digest;
    const again = await cli(['anchor', '--data', data, ...cal, '--json']);
    assert.is(again.code, 0, again.stderr);
    assert.is(again.json.submitted, false);
    assert.is(a.hits.digest + b.hits.digest, hits);
    // through the node's GET /checkpoint: the same checkpoint text, so the same digest
    const viaNode = await cli(['anchor', '--node', node.url, '--anchors', path.join(dir, 'node-anchors'), ...cal, '--json']);
    assert.is(viaNode.code, 0, viaNode.stderr);
    assert.is(viaNode.json.digest, again.json.digest);
    assert.is(viaNode.json.submitted, true);

    // before confirmation: upgrade finds nothing, an anchored proof fails its anchor check
    const before = await cli(['anchor', 'upgrade', '--data', data, ...cal, '--json']);
    assert.is(before.code, 0, before.stderr);
    assert.is(before.json.upgraded, 0);
    const trust = path.join(dir, 'trust.json');
    fs.writeFileSync(trust, (await cli(['trust', 'export', '--data', data])).stdout);
    const pendingProof = path.join(dir, 'pending.json');
    assert.is((await cli(['prove', txId, '--data', data, '--anchor', '--out', pendingProof])).code, 0);
    const headers = path.join(dir, 'headers.bin');
    fs.writeFileSync(headers, cals.chain.headersFile());
    const notYet = await cli(['verify', pendingProof, '--trust', trust, '--headers', headers, '--bitcoin-network', 'regtest', '--json']);
    assert.is(notYet.code, 1);
    assert.is(notYet.json.failed, 'anchor');
    assert.match(notYet.json.reason, /no Bitcoin attestation yet/);

    // calendar a confirms; upgrade merges its path and drops its pending attestation; b stays pending
    const height = a.confirm()!;
    // without --calendar the loopback calendars the file names are not asked (exit 1, named)
    const unasked = await cli(['anchor', 'upgrade', '--data', data, '--json']);
    assert.is(unasked.code, 1);
    assert.is(unasked.json.upgraded, 0);
    assert.match(unasked.stderr, /not asked: not one of the calendars configured/);
    const up = await cli(['anchor', 'upgrade', '--data', data, ...cal, '--json']);
    assert.is(up.code, 0, up.stderr);
    assert.is(up.json.upgraded, 1);
    assert.equal(up.json.anchors[0].bitcoin, [height]);
    assert.equal(up.json.anchors[0].pending, [b.url]);

    // the customer: offline with the headers file
    const proofFile = path.join(dir, 'anchored.json');
    const proved = await cli(['prove', txId, '--data', data, '--anchor', '--out', proofFile]);
    assert.is(proved.code, 0, proved.stderr);
    fs.writeFileSync(headers, cals.chain.headersFile());
    const v = await cli(['verify', proofFile, '--trust', trust, '--headers', headers, '--bitcoin-network', 'regtest', '--json']);
    assert.is(v.code, 0, v.stderr + v.stdout);
    assert.is(v.json.valid, true);
    assert.is(v.json.trusted, true);
    assert.is(v.json.anchor.bitcoin.height, height);
    assert.is(v.json.anchor.size, size);
    assert.ok(v.json.anchor.signedBy.length === 1);
    assert.ok(v.json.checks.includes('anchor'));
    // on a terminal: the Bitcoin block that bounds the record, in words
    const tty = await onTerminal(['verify', proofFile, '--trust', trust, '--headers', headers, '--bitcoin-network', 'regtest']);
    assert.is(tty.code, 0, tty.out);
    assert.match(noEscapes(tty.out), new RegExp(`anchored  in Bitcoin block ${height} \\(${v.json.anchor.bitcoin.blockHash}\\) at .*the record existed before then`));
    // the same with a bitcoind
    const rpc = await cals.chain.rpc('u:p');
    try {
      const vr = await cli(['verify', proofFile, '--trust', trust, '--bitcoin-rpc', rpc.url, '--bitcoin-network', 'regtest', '--json']);
      assert.is(vr.code, 0, vr.stderr);
      assert.is(vr.json.anchor.bitcoin.blockHash, v.json.anchor.bitcoin.blockHash);
    } finally {
      await rpc.close();
    }
    // mainnet headers are not regtest's: the file is refused
    const main = await cli(['verify', proofFile, '--trust', trust, '--headers', headers, '--json']);
    assert.is(main.code, 1);
    assert.match(main.json.error.message, /genesis/); // the file is checked before any proof
    // no header source: bad usage
    assert.is((await cli(['verify', proofFile, '--trust', trust])).code, 2);
    // a plain proof that merely mentions the anchored format is checked as a plain proof
    const odd = await cli(['ingest', 'send', '-', '--node', node.url, '--meta', 'note=urchain-anchored-proof/1'], 'x');
    await node.included(odd.json.txId);
    const plain = path.join(dir, 'plain.json');
    assert.is((await cli(['prove', odd.json.txId, '--node', node.url, '--out', plain])).code, 0);
    const pv = await cli(['verify', plain, '--trust', trust, '--json']);
    assert.is(pv.code, 0, pv.stderr);
    assert.is(pv.json.anchor, undefined);
    assert.is((await cli(['verify', plain, '--trust', trust, '--headers', headers])).code, 2); // header options only with an anchored proof

    // tampering: an .ots of another digest, a checkpoint of another size, a header file cut short
    const doc = JSON.parse(fs.readFileSync(proofFile, 'utf8'));
    const ots = parseOts(fromBase64(doc.anchor.ots));
    ots.digest[0] ^= 1;
    const forged = path.join(dir, 'forged.json');
    fs.writeFileSync(forged, JSON.stringify({ ...doc, anchor: { ...doc.anchor, ots: toBase64(serializeOts(ots)) } }));
    const f1 = await cli(['verify', forged, '--trust', trust, '--headers', headers, '--bitcoin-network', 'regtest', '--json']);
    assert.is(f1.json.failed, 'anchor');
    assert.match(f1.json.reason, /does not stamp the checkpoint/);
    fs.writeFileSync(forged, JSON.stringify({ ...doc, anchor: { ...doc.anchor, index: doc.anchor.index + 1 } }));
    assert.is((await cli(['verify', forged, '--trust', trust, '--headers', headers, '--bitcoin-network', 'regtest', '--json'])).json.failed, 'anchor');
    const short = path.join(dir, 'short.bin');
    fs.writeFileSync(short, cals.chain.headersFile().subarray(0, 80 * height));
    const f3 = await cli(['verify', proofFile, '--trust', trust, '--headers', short, '--bitcoin-network', 'regtest', '--json']);
    assert.is(f3.json.failed, 'anchor');
    assert.match(f3.json.reason, new RegExp(`bitcoin block ${height} is not in`));
  } finally {
    await node?.stop();
    await cals.close();
  }
});

test('anchor with no calendar answering writes nothing and exits 1; bad usage exits 2', async () => {
  const cals = await startCalendars(2);
  const dir = tmpDir();
  const data = path.join(dir, 'plant');
  try {
    assert.is((await cli(['init', '--data', data])).code, 0);
    for (const c of cals.calendars) c.failing = true;
    const r = await cli(['anchor', '--data', data, '--calendar', cals.calendars[0].url, '--calendar', cals.calendars[1].url, '--json']);
    assert.is(r.code, 1);
    assert.is(r.json.error.code, 'UNAVAILABLE');
    assert.not.ok(fs.existsSync(path.join(data, 'anchors')));
    assert.is((await cli(['anchor', '--node', 'http://127.0.0.1:1', '--calendar', cals.calendars[0].url])).code, 2); // --anchors missing
    assert.is((await cli(['anchor', '--data', data, '--calendar', 'http://calendar.example'])).code, 2); // plain http off loopback
  } finally {
    await cals.close();
  }
});

/** An anchor folder holding one checkpoint of size 1 whose .ots has the given pending URIs below sha256. */
function pendingAnchor(dir: string, uris: string[], size = 1) {
  const key = generateKeyPair();
  const note = signTreeHead({ origin: 'urchain.example/x/0011223344556677', size, root: sha256(Uint8Array.of(size)) }, key);
  const files = anchorFiles(dir, size);
  const digest = sha256(utf8(note.slice(0, note.lastIndexOf('\n\n') + 1)));
  const t = { items: [] };
  const below = addOp(t, { op: 'sha256' });
  for (const uri of uris) addAttestation(below, { type: 'pending', uri });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(files.note, note);
  fs.writeFileSync(files.ots, serializeOts({ hashOp: 'sha256', digest, timestamp: t }));
  return { files, note, commitment: sha256(digest) };
}

/** A server that counts the requests it gets and answers 404 (a calendar with nothing yet). */
async function countingServer() {
  const s = http.createServer((_q, r) => {
    hits++;
    r.writeHead(404).end();
  });
  let hits = 0;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, hits: () => hits, close: () => new Promise((r) => (s.closeAllConnections(), s.close(r))) };
}

test('upgrade asks only configured or public calendars: URIs a file names are not followed (no SSRF), loopback only when configured', async () => {
  const srv = await countingServer();
  try {
    const dir = tmpDir();
    pendingAnchor(dir, ['http://calendar.example', 'https://internal.example:8443', srv.url]);
    const [r] = await upgradeAnchors(dir);
    assert.is(r.upgraded, false);
    assert.is(srv.hits(), 0);
    assert.equal(r.errors.map((e) => e.calendar).sort(), ['http://calendar.example', 'https://internal.example:8443', srv.url].sort());
    for (const e of r.errors) assert.match(e.error, /not asked: not one of the calendars configured \(--calendar\)/);
    // configured: asked (a 404 is "not yet", no error)
    const [r2] = await upgradeAnchors(dir, { calendars: [srv.url] });
    assert.is(srv.hits(), 1);
    assert.equal(r2.errors.map((e) => e.calendar).sort(), ['http://calendar.example', 'https://internal.example:8443']);
  } finally {
    await srv.close();
  }
  // the public calendars' backing calendars are allowed as the reference client's whitelist has them
  assert.ok(calendarAllowed('https://alice.btc.calendar.opentimestamps.org', []));
  assert.ok(calendarAllowed('https://a.pool.opentimestamps.org', []));
  assert.not.ok(calendarAllowed('https://evil.example/x.calendar.opentimestamps.org', []));
  assert.not.ok(calendarAllowed('https://calendar.opentimestamps.org.evil.example', []));
  assert.not.ok(calendarAllowed('https://x.calendar.opentimestamps.org:8443', []));
});

test('upgrade asks at most MAX_ASKED pending calendars of one file', async () => {
  const srv = await countingServer();
  try {
    const dir = tmpDir();
    // one allowed origin, many paths: each is a distinct pending URI of the same calendar host
    pendingAnchor(dir, Array.from({ length: MAX_ASKED + 5 }, (_, i) => `${srv.url}/c${i}`));
    const [r] = await upgradeAnchors(dir, { calendars: [srv.url] });
    assert.is(srv.hits(), MAX_ASKED);
    assert.is(r.errors.length, 5);
    assert.match(r.errors[0].error, new RegExp(`more than ${MAX_ASKED} pending calendars`));
  } finally {
    await srv.close();
  }
});

test('upgrade keeps a pending attestation unless a Bitcoin one arrived; one unreadable .ots does not stop the others', async () => {
  const cals = await startCalendars(1);
  try {
    const [c] = cals.calendars;
    const dir = tmpDir();
    const key = generateKeyPair();
    const note = (size: number) => signTreeHead({ origin: 'urchain.example/x/0011223344556677', size, root: sha256(Uint8Array.of(size)) }, key);
    await anchorCheckpoint(note(1), dir, [c.url]);
    await anchorCheckpoint(note(2), dir, [c.url]);
    // a calendar answering with a non-Bitcoin attestation (say, Litecoin) only: the pending one stays
    c.answerUnknown = true;
    c.confirm();
    const first = await upgradeAnchors(dir, { calendars: [c.url] });
    assert.equal(first.map((u) => [u.upgraded, u.pending]), [[false, [c.url]], [false, [c.url]]]);
    // anchor 1's .ots broken on disk: reported, anchor 2 still upgraded
    c.answerUnknown = false;
    fs.writeFileSync(anchorFiles(dir, 1).ots, 'not an ots');
    const up = await upgradeAnchors(dir, { calendars: [c.url] });
    assert.is(up.length, 2);
    assert.is(up[0].errors[0].calendar, '');
    assert.match(up[0].errors[0].error, /checkpoint-1\.ots: ots: not an OpenTimestamps proof/);
    assert.is(up[1].upgraded, true);
    assert.is(up[1].bitcoin.length, 1);
    assert.equal(up[1].pending, []);
  } finally {
    await cals.close();
  }
});

test('anchor: one calendar is not redundant (exit 1, a warning); a note of another checkpoint is a conflict even without its .ots; a second run meanwhile is refused', async () => {
  const cals = await startCalendars(1);
  const dir = tmpDir();
  const data = path.join(dir, 'plant');
  try {
    assert.is((await cli(['init', '--data', data])).code, 0);
    const one = await cli(['anchor', '--data', data, '--calendar', cals.calendars[0].url, '--json']);
    assert.is(one.code, 1, one.stderr);
    assert.is(one.json.redundant, false);
    assert.is(one.json.submitted, true);
    assert.match(one.stderr, /not redundant: give at least 2 --calendar/);
    // run again: nothing new to send (the one calendar holds it), still not redundant
    const hits = cals.calendars[0].hits.digest;
    const again = await cli(['anchor', '--data', data, '--calendar', cals.calendars[0].url, '--json']);
    assert.is(again.code, 1);
    assert.is(again.json.submitted, false);
    assert.is(cals.calendars[0].hits.digest, hits);
    // a note of another checkpoint of that size, its .ots gone: CONFLICT, nothing sent
    const anchors = path.join(data, 'anchors');
    const size = one.json.size;
    const other = signTreeHead({ origin: one.json.origin, size, root: sha256(utf8('another root')) }, generateKeyPair());
    fs.writeFileSync(path.join(anchors, `checkpoint-${size}.note`), other);
    fs.rmSync(path.join(anchors, `checkpoint-${size}.ots`));
    const conflict = await cli(['anchor', '--data', data, '--calendar', cals.calendars[0].url, '--json']);
    assert.is(conflict.code, 1);
    assert.is(conflict.json.error.code, 'CONFLICT');
    assert.is(cals.calendars[0].hits.digest, hits);
    // the folder locked by a live process: anchor and upgrade are refused
    const lock = FolderLock.take(anchors);
    try {
      for (const args of [['anchor', '--data', data, '--calendar', cals.calendars[0].url], ['anchor', 'upgrade', '--data', data]]) {
        const r = await cli([...args, '--json']);
        assert.is(r.code, 1);
        assert.is(r.json.error.code, 'CONFLICT');
        assert.match(r.json.error.message, /another urchain anchor run \(pid \d+\) is using/);
      }
    } finally {
      lock.release();
    }
  } finally {
    await cals.close();
  }
});

test('prove --anchor: an unreadable .ots of one anchor does not hide another that covers the block', () => {
  const dir = tmpDir();
  const key = generateKeyPair();
  const blocks = [sha256(utf8('block 0')), sha256(utf8('block 1'))];
  const root = (n: number) => rootOf(blocks.slice(0, n).map(leafHash));
  const write = (size: number, ots: Uint8Array | string) => {
    const note = signTreeHead({ origin: 'urchain.example/x/0011223344556677', size, root: root(size) }, key);
    const f = anchorFiles(dir, size);
    fs.writeFileSync(f.note, note);
    fs.writeFileSync(f.ots, ots);
    return note;
  };
  write(1, 'not an ots');
  const t = { items: [] };
  addAttestation(addOp(t, { op: 'sha256' }), { type: 'pending', uri: 'https://a.pool.opentimestamps.org' });
  const note2 = write(2, serializeOts({ hashOp: 'sha256', digest: sha256(Uint8Array.of(1)), timestamp: t }));
  const proof = { block: { header: { height: 0 }, hash: toHex(blocks[0]) } } as unknown as ProofJson;
  const doc = buildAnchoredProof(proof, dir, (i) => blocks[i]);
  assert.is(doc.anchor.size, 2);
  assert.is(doc.anchor.checkpoint, note2);
  // every covering .ots unreadable: a clear error, not a crash
  write(2, 'broken too');
  assert.is(errorCodeOf(() => buildAnchoredProof(proof, dir, (i) => blocks[i])), 'BAD_ENCODING');
});

test.run();
