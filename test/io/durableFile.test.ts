/**
 * io/durableFile: the one durable replace of a file. The fsyncs are observed by wrapping node:fs
 * (the modules call fs.openSync / fs.fsyncSync on the same object), so a missing fsync of a file
 * or of a folder fails here; a failed write leaves no temp file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, cleanupAfter } from '../helpers.js';
import { writeFileDurable, mkdirDurable } from '../../src/io/durableFile.js';
import { watchFsyncs } from './fsyncWatch.js';

cleanupAfter(test);

test('a write fsyncs the temp file, renames it, then fsyncs the folder; created folders are fsynced into their parents', () => {
  const root = tmpDir();
  const file = path.join(root, 'a', 'b', 'x.txt');
  const w = watchFsyncs();
  try {
    writeFileDurable(file, 'hello');
  } finally {
    w.stop();
  }
  assert.is(fs.readFileSync(file, 'utf8'), 'hello');
  assert.equal(w.synced, [root, path.join(root, 'a'), `${file}.${process.pid}.tmp`, path.join(root, 'a', 'b')]);
  assert.equal(fs.readdirSync(path.dirname(file)), ['x.txt']);
  // A folder already there changes nothing.
  assert.equal(mkdirDurable(path.join(root, 'a')), []);
});

test('a failed write leaves no temp file and the old file as it was', () => {
  const root = tmpDir();
  const target = path.join(root, 'taken');
  fs.mkdirSync(target); // rename over a folder fails
  fs.writeFileSync(path.join(target, 'keep'), 'k');
  assert.throws(() => writeFileDurable(target, 'new'));
  assert.equal(fs.readdirSync(root), ['taken']);
  assert.equal(fs.readdirSync(target), ['keep']);
});

test.run();
