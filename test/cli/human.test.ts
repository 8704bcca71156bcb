/**
 * Human output: times as ISO 8601 in local time with the offset (TZ respected), sizes in binary
 * units, on a terminal only (JSON keeps its fields); `ingest send` says when it reads a terminal;
 * an empty record is refused unless --allow-empty, on `ingest send` and `ingest watch`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, startNode, cli, cleanupAfter, vector, type RunningNode } from '../helpers.js';
import { onTerminal } from '../../support/terminal.js';
import { humanTime, humanSize, humanField } from '../../commands/human.js';
import { render } from '../../commands/base.js';

const H = suite('human output');
cleanupAfter(H);
const golden = vector('formats.json');
const BERLIN = { TZ: 'Europe/Berlin' };
let dir: string;
let node: RunningNode;
H.before(async () => {
  dir = tmpDir();
  node = await startNode(path.join(dir, 'n'), ['--block-time', '150ms']);
});

/** Runs `fn` with process.env.TZ set (Node applies a change of TZ at once), then puts it back. */
function inZone<T>(tz: string, fn: () => T): T {
  const was = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (was === undefined) delete process.env.TZ;
    else process.env.TZ = was;
  }
}

H('humanTime: local ISO 8601 with the offset of that instant, to the second', () => {
  inZone('Europe/Berlin', () => {
    assert.is(humanTime(1795669262000), '2026-11-26T06:01:02+01:00'); // 05:01:02Z, winter time
    assert.is(humanTime('2026-07-01T12:00:00.000Z'), '2026-07-01T14:00:00+02:00'); // summer time
    assert.is(humanTime(new Date(Date.UTC(2026, 0, 1))), '2026-01-01T01:00:00+01:00');
  });
  inZone('America/St_Johns', () => assert.is(humanTime(1795669262000), '2026-11-26T01:31:02-03:30'));
  inZone('UTC', () => assert.is(humanTime(0), '1970-01-01T00:00:00+00:00'));
  assert.is(humanTime('not a time'), 'not a time');
});

H('humanSize: bytes below 1 KiB, then one decimal below 10 of a unit', () => {
  const cases: [number, string][] = [
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [1229, '1.2 KiB'],
    [10 * 1024 - 1, '10 KiB'],
    [118_784, '116 KiB'],
    [1024 * 1024 - 1, '1 MiB'],
    [3.4 * 1024 * 1024, '3.4 MiB'],
    [120 * 1024 ** 3, '120 GiB'],
  ];
  for (const [n, s] of cases) assert.is(humanSize(n), s, String(n));
});

H('the terminal renderer shows times and sizes by field name, and leaves durations and counts alone', () => {
  inZone('Europe/Berlin', () => {
    assert.is(humanField('timestamp', 1795669262000), '2026-11-26T06:01:02+01:00');
    assert.is(humanField('headTime', '2026-11-26T05:01:02.123Z'), '2026-11-26T06:01:02+01:00');
    assert.is(humanField('blockTime', 1000), '1000'); // a duration in ms, not a time
    assert.is(humanField('payloadLength', 2048), '2 KiB');
    assert.is(humanField('size', 7), '7'); // a Merkle tree size is a count
    assert.is(humanField('kind', '2026-11-26T05:01:02Z'), '2026-11-26T05:01:02Z'); // not a time field
    assert.is(render({ checkpoint: { time: '2026-11-26T05:01:02.000Z', bytes: 1536 } }), 'checkpoint:\n  time: 2026-11-26T06:01:02+01:00\n  bytes: 1.5 KiB');
  });
});

H('verify of a fixed proof on a terminal: local times (TZ=Europe/Berlin) and the payload size; JSON keeps UTC', async () => {
  const proof = path.join(dir, 'golden.proof.json');
  fs.writeFileSync(proof, JSON.stringify(golden.proof));
  const tty = await onTerminal(['verify', proof, '--no-trust'], { env: BERLIN });
  assert.is(tty.code, 0, tty.out);
  assert.match(tty.out, /^payload   13 bytes$/m);
  assert.match(tty.out, /^taken in  2026-01-01T01:00:01\+01:00$/m);
  assert.match(tty.out, /^block     1 [0-9a-f]{64} at 2026-01-01T01:00:02\+01:00$/m);
  const piped = await cli(['verify', proof, '--no-trust']);
  assert.is(piped.json.record.takenIn, '2026-01-01T00:00:01.000Z');
  assert.is(piped.json.block.timestamp, 1767225602000);
});

H('ingest send on a terminal: says it reads stdin, then a receipt with local time and size; piped: no prompt, JSON as before', async () => {
  const tty = await onTerminal(['ingest', 'send', '--node', node.url, '--product', 'H-1'], {
    env: BERLIN,
    ready: /reading the record from stdin \(Ctrl-D to end\)/,
    then: (type) => type('torque;42\n\x04'),
  });
  assert.is(tty.code, 0, tty.out);
  assert.match(tty.out, /^urchain: reading the record from stdin \(Ctrl-D to end\)…$/m);
  assert.match(tty.out, /^timestamp: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+01:00$/m); // November in Berlin
  assert.match(tty.out, /^payloadLength: 10 bytes$/m);

  const piped = await cli(['ingest', 'send', '--node', node.url], 'torque;43\n');
  assert.is(piped.code, 0, piped.stderr);
  assert.is(piped.stderr, '');
  assert.is(typeof piped.json.timestamp, 'number');
  assert.is(piped.json.payloadLength, 10);

  const trace = await onTerminal(['trace', 'H-1', '--node', node.url], { env: BERLIN });
  assert.match(trace.out, /^(#\d+|pending)  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+01:00  record  [0-9a-f]{64}$/m);
});

H('status --data on a terminal: the data folder size in KiB/MiB; JSON keeps bytes', async () => {
  const data = path.join(dir, 'n');
  const tty = await onTerminal(['status', '--data', data]);
  assert.is(tty.code, 0, tty.out);
  assert.match(tty.out, /^bytes: \d+(\.\d)? (KiB|MiB)$/m);
  const piped = await cli(['status', '--data', data]);
  assert.ok(Number.isSafeInteger(piped.json.bytes), piped.stdout);
});

H('an empty record is refused (exit 2, nothing sent) unless --allow-empty', async () => {
  const refused = await cli(['ingest', 'send', '-', '--node', node.url, '--product', 'EMPTY-1'], '');
  assert.is(refused.code, 2, refused.stderr);
  assert.is(refused.stderr, 'urchain: the record on stdin is empty (0 bytes): an empty record is refused unless --allow-empty is given\n');
  const file = path.join(dir, 'empty.bin');
  fs.writeFileSync(file, '');
  const asJson = await cli(['ingest', 'send', file, '--node', node.url, '--product', 'EMPTY-1', '--json']);
  assert.is(asJson.code, 2);
  assert.is(asJson.json.error.code, 'BAD_INPUT');
  assert.match(asJson.json.error.message, /empty\.bin is empty \(0 bytes\)/);
  assert.is((await cli(['trace', 'EMPTY-1', '--node', node.url])).json.count, 0);

  const allowed = await cli(['ingest', 'send', file, '--node', node.url, '--product', 'EMPTY-1', '--allow-empty']);
  assert.is(allowed.code, 0, allowed.stderr);
  assert.is(allowed.json.payloadLength, 0);
  assert.is((await cli(['trace', 'EMPTY-1', '--node', node.url])).json.count, 1);
});

H('ingest watch: an empty file is left in place with one warning (exit 0); --allow-empty takes it in', async () => {
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  fs.writeFileSync(path.join(inbox, 'a.csv'), 'x;1\n');
  fs.writeFileSync(path.join(inbox, 'empty.csv'), '');
  const r = await cli(['ingest', 'watch', inbox, '--node', node.url, '--once']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').map((l) => path.basename(JSON.parse(l).file)), ['a.csv']);
  assert.is(r.stderr, `urchain: warning: ${path.join(inbox, 'empty.csv')}: the file is empty (0 bytes): an empty record is refused unless --allow-empty is given; left in place\n`);
  assert.ok(fs.existsSync(path.join(inbox, 'empty.csv')));

  const tty = await onTerminal(['ingest', 'watch', inbox, '--node', node.url, '--once', '--allow-empty']);
  assert.is(tty.code, 0, tty.out);
  assert.match(tty.out, new RegExp(`^${path.join(inbox, 'empty.csv')} -> ${path.join(inbox, '.done', 'empty.csv')}  [0-9a-f]{64}$`, 'm'));
  assert.not.ok(fs.existsSync(path.join(inbox, 'empty.csv')));
});

H.run();
