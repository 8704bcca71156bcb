import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { FolderWatcher } from '../../src/ingest/watch.js';
import { globToRegExp } from '../../src/ingest/glob.js';
import { UrchainNode } from '../../src/node/node.js';
import { tmpDir, startNode, cleanupAfter } from '../helpers.js';

const W = suite('folder watch');
cleanupAfter(W);

W('globs', () => {
  assert.ok(globToRegExp('*.csv').test('a.csv'));
  assert.not.ok(globToRegExp('*.csv').test('a.csv.tmp'));
  assert.ok(globToRegExp('report-?.{json,xml}').test('report-7.xml'));
  assert.not.ok(globToRegExp('report-?.{json,xml}').test('report-77.xml'));
  assert.ok(globToRegExp('a.b').test('a.b'));
  assert.not.ok(globToRegExp('a.b').test('axb'));
  assert.throws(() => globToRegExp('{a,b'), /unclosed/);
});

W('files are moved to .done only after their receipt; non-matching files stay', async () => {
  const dir = tmpDir();
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  const node = await startNode(path.join(dir, 'data'), ['--watch', inbox, '--include', '*.json', '--block-time', '200ms']);
  try {
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(inbox, `m${i}.json`), JSON.stringify({ machine: 'press-7', i }));
    fs.writeFileSync(path.join(inbox, 'skip.txt'), 'not me');
    const got = new Set<string>();
    while (got.size < 5) got.add((await node.waitFor((e) => e.event === 'file' && !got.has(e.file))).file);
    const done = fs.readdirSync(path.join(inbox, '.done')).sort();
    assert.equal(done, ['m0.json', 'm1.json', 'm2.json', 'm3.json', 'm4.json']);
    assert.ok(fs.existsSync(path.join(inbox, 'skip.txt')));
    const ev = node.events.find((e) => e.event === 'file' && e.file.endsWith('m3.json'));
    const tx = await fetch(`${node.url}/v1/txs/${ev.txId}?payload=1`).then((r) => r.json());
    assert.is(tx.core.meta.filename, 'm3.json');
    assert.is(Buffer.from(tx.payload, 'base64').toString(), JSON.stringify({ machine: 'press-7', i: 3 }));
  } finally {
    await node.stop();
  }
});

W('a crash between receipt and move neither skips nor duplicates the file', async () => {
  const dir = tmpDir();
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  const n = await UrchainNode.start({ dataDir: path.join(dir, 'data'), api: false, blockTime: 60_000 });
  try {
    const f = path.join(inbox, 'r.csv');
    fs.writeFileSync(f, 'a,b,c\n1,2,3\n');
    // First run: the record becomes durable and its receipt comes back, then the process dies
    // before it can move the file (modelled by a submit that throws after the receipt).
    const first: string[] = [];
    const w1 = new FolderWatcher({
      dir: inbox,
      submit: async (r) => {
        first.push((await n.intake.submit(r)).txId);
        throw new Error('killed after the receipt');
      },
    });
    await w1.scan();
    await w1.scan();
    assert.is(first.length, 1);
    assert.ok(fs.existsSync(f), 'file still in the inbox: the move did not happen');
    // Second run (the restart): the file is taken in again and the node answers with the first receipt.
    const seen: { txId: string; duplicate: boolean }[] = [];
    const w2 = new FolderWatcher({ dir: inbox, submit: (r) => n.intake.submit(r), onFile: (e) => seen.push({ txId: e.receipt.txId, duplicate: !!e.receipt.duplicate }) });
    await w2.scan();
    await w2.scan();
    assert.equal(seen, [{ txId: first[0], duplicate: true }]);
    assert.not.ok(fs.existsSync(f));
    assert.ok(fs.existsSync(path.join(inbox, '.done', 'r.csv')));
    assert.is(n.pool.size, 1, 'one record, not two');
    // A file with the same name but new content is a new record.
    fs.writeFileSync(f, 'a,b,c\n4,5,6\n');
    await w2.scan();
    await w2.scan();
    assert.is(seen.length, 2);
    assert.is(seen[1].duplicate, false);
    assert.is(n.pool.size, 2);
    assert.ok(fs.existsSync(path.join(inbox, '.done', `r.csv.${seen[1].txId.slice(0, 12)}`)));
  } finally {
    await n.close();
  }
});

W('a file with a 200-character name is taken in once; a file refused for good is reported once', async () => {
  const dir = tmpDir();
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  const n = await UrchainNode.start({ dataDir: path.join(dir, 'data'), api: false, blockTime: 60_000, maxPayload: 64 });
  try {
    const name = `${'long-name-'.repeat(19)}0123456789.csv`.slice(-200);
    assert.is(name.length, 200);
    fs.writeFileSync(path.join(inbox, name), 'x,y\n1,2\n');
    fs.writeFileSync(path.join(inbox, 'huge.csv'), 'z'.repeat(100)); // over maxPayload: refused for good
    const files: string[] = [];
    const errors: string[] = [];
    const w = new FolderWatcher({ dir: inbox, submit: (r) => n.intake.submit(r), onFile: (e) => files.push(path.basename(e.file)), onError: (f, e) => errors.push(`${path.basename(f)}: ${e.message}`) });
    for (let i = 0; i < 6; i++) await w.scan();
    assert.equal(files, [name]);
    assert.ok(fs.existsSync(path.join(inbox, '.done', name)));
    assert.is(n.pool.size, 1);
    assert.is(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /^huge\.csv: .*exceeds the limit/);
    // Changed, it is looked at again.
    fs.writeFileSync(path.join(inbox, 'huge.csv'), 'z'.repeat(10));
    for (let i = 0; i < 3; i++) await w.scan();
    assert.is(files.length, 2);
    assert.is(errors.length, 1);
  } finally {
    await n.close();
  }
});

W('an empty file is skipped and left in place, reported once, and taken in once it has content', async () => {
  const dir = tmpDir();
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  const n = await UrchainNode.start({ dataDir: path.join(dir, 'data'), api: false, blockTime: 60_000 });
  try {
    const f = path.join(inbox, 'late.csv');
    fs.writeFileSync(f, ''); // created first, written later: the writer must not be cut short
    const files: string[] = [];
    const skipped: string[] = [];
    const errors: string[] = [];
    const w = new FolderWatcher({
      dir: inbox,
      submit: (r) => n.intake.submit(r),
      onFile: (e) => files.push(path.basename(e.file)),
      onSkip: (file, e) => skipped.push(`${path.basename(file)}: ${e.message}`),
      onError: (file, e) => errors.push(`${path.basename(file)}: ${e.message}`),
    });
    for (let i = 0; i < 4; i++) await w.scan();
    assert.equal(files, []);
    assert.equal(errors, []);
    assert.equal(skipped, ['late.csv: the file is empty (0 bytes): an empty record is refused unless --allow-empty is given']);
    assert.ok(fs.existsSync(f));
    assert.is(n.pool.size, 0);
    fs.writeFileSync(f, 'a,b\n1,2\n');
    for (let i = 0; i < 3; i++) await w.scan();
    assert.equal(files, ['late.csv']);
    assert.is(skipped.length, 1);
    assert.is(n.pool.size, 1);

    // Without onSkip the skip goes to onError (node run --watch reports it as an error event);
    // with allowEmpty the file is an empty record.
    fs.writeFileSync(path.join(inbox, 'e1.csv'), '');
    const seen: string[] = [];
    const w2 = new FolderWatcher({ dir: inbox, submit: (r) => n.intake.submit(r), onError: (file, e) => seen.push(`${path.basename(file)}: ${e.message}`) });
    for (let i = 0; i < 3; i++) await w2.scan();
    assert.equal(seen, ['e1.csv: the file is empty (0 bytes): an empty record is refused unless --allow-empty is given']);
    const taken: number[] = [];
    const w3 = new FolderWatcher({ dir: inbox, allowEmpty: true, submit: async (r) => (taken.push(r.payload.length), n.intake.submit(r)) });
    for (let i = 0; i < 3; i++) await w3.scan();
    assert.equal(taken, [0]);
    assert.ok(fs.existsSync(path.join(inbox, '.done', 'e1.csv')));
  } finally {
    await n.close();
  }
});

W('node run --watch: an empty file stays and is named in an error event of the watch', async () => {
  const dir = tmpDir();
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  fs.writeFileSync(path.join(inbox, 'zero.json'), '');
  const node = await startNode(path.join(dir, 'data'), ['--watch', inbox, '--block-time', '200ms']);
  try {
    const e = await node.waitFor((x) => x.event === 'error' && x.where === 'watch');
    assert.is(e.file, path.join(inbox, 'zero.json'));
    assert.match(e.message, /empty \(0 bytes\)/);
    assert.ok(fs.existsSync(path.join(inbox, 'zero.json')));
  } finally {
    await node.stop();
  }
});

W.run();
