/**
 * The member list file is replaced durably: the new list is fsynced before it replaces the old
 * one, and its folder after, so a power cut leaves the old list or the new one (it was written and
 * renamed without any fsync).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, cleanup } from '../helpers.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { signMembers, writeMembersFile, readMembersFile } from '../../src/net/members.js';
import { watchFsyncs } from '../io/fsyncWatch.js';

test.after(() => cleanup());

test('writeMembersFile fsyncs the new file, then its folder, and leaves no temporary file', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'members.json');
  const network = generateKeyPair();
  writeMembersFile(file, signMembers(network, 1, [{ key: generateKeyPair().publicKey, role: 'full' }]));
  const w = watchFsyncs();
  try {
    writeMembersFile(file, signMembers(network, 2, [{ key: generateKeyPair().publicKey, role: 'thin' }]));
  } finally {
    w.stop();
  }
  assert.equal(w.synced.slice(-1), [path.resolve(dir)], 'the folder last');
  assert.ok(w.synced.some((p) => p.startsWith(path.resolve(file)) && p.endsWith('.tmp')), `the new file before its rename: ${w.synced.join(', ')}`);
  assert.is(readMembersFile(file).serial, 2);
  assert.equal(fs.readdirSync(dir), ['members.json']);
});

test.run();
