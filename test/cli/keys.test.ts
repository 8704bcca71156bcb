/**
 * The two keys once both called "network key" have distinct names everywhere (README, usage, man
 * pages), and the old flag names still work.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, cleanup, cli, root } from '../helpers.js';

test.after(() => cleanup());

test('no page calls a key "network key"; the membership and chain keys are named', () => {
  const files = ['README.md', ...fs.readdirSync(path.join(root, 'man')).map((f) => path.join('man', f))];
  for (const f of files) {
    const text = fs.readFileSync(path.join(root, f), 'utf8').replace(/\\-/g, '-').replace(/\\f[BIRP]/g, '');
    assert.not.match(text, /network key|network\.key|keygen --network\b/, f);
  }
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.match(readme, /membership key/);
  assert.match(readme, /chain key/);
});

test('keygen --membership and member add --membership-key; the old --network and --network-key still work', async () => {
  const dir = tmpDir();
  const k1 = path.join(dir, 'm1.key');
  const k2 = path.join(dir, 'm2.key');
  assert.is((await cli(['keygen', '--membership', '--out', k1])).code, 0);
  assert.is((await cli(['keygen', '--network', '--out', k2])).code, 0);
  const node = (await cli(['keygen', '--out', path.join(dir, 'n.key')])).json.publicKey;
  const list = path.join(dir, 'members.json');
  const a = await cli(['member', 'add', node, '--membership-key', k1, '--members', list]);
  assert.is(a.code, 0, a.stderr);
  const b = await cli(['member', 'revoke', node, '--network-key', k1, '--members', list]);
  assert.is(b.code, 0, b.stderr);
  const c = await cli(['member', 'add', node, '--membership-key', k2, '--members', list]);
  assert.is(c.code, 1);
  assert.match(c.stderr, /another membership key/);
});

test.run();
