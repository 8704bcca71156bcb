/**
 * The network tests' cluster leaves no folder in /tmp: one made when its test file loads is
 * registered before the other files run, and the first of them to clean up removes it; its nodes
 * then make it again, unregistered, so `close` removes its own folder by name too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { Cluster } from './cluster.js';
import { cleanup } from '../../support/tmp.js';

test('a cluster removes its own folder on close, also after another file cleaned up first and its nodes made it again', async () => {
  const c = new Cluster();
  try {
    cleanup(); // another test file's after-hook
    assert.not.ok(fs.existsSync(c.dir));
    await c.admit('thin', 'a'); // makes the folder again
    assert.ok(fs.existsSync(c.dir));
  } finally {
    await c.close();
  }
  assert.not.ok(fs.existsSync(c.dir), 'no folder left in /tmp');
});

test.run();
