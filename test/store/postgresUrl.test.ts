import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { parsePgUrl, redactUrl } from '../../src/store/postgresUrl.js';
import { tmpDir, cleanup, errorCodeOf } from '../helpers.js';

test.after(() => cleanup());

test('a store URL parses into its parts; the shown form hides the password', () => {
  const t = parsePgUrl('postgres://ur:p%40ss@db.example.com:6543/plant_a?sslmode=require', {});
  assert.equal({ ...t }, { host: 'db.example.com', port: 6543, database: 'plant_a', user: 'ur', password: 'p@ss', ssl: 'require', shown: 'postgres://ur:***@db.example.com:6543/plant_a?sslmode=require' });
  assert.is(redactUrl('postgresql://a:b@h/d'), 'postgresql://a:***@h/d');
  // A password typed without percent-encoding: no part of it may show, in the URL or the error.
  for (const v of ['postgres://u:Se@cr3t@h/d', 'postgres://u:Se/cr3t@h/d', 'postgres://u:Se@c/r3t@h:1/d']) {
    assert.not.ok(/cr3t|r3t/.test(redactUrl(v)), redactUrl(v));
    try {
      parsePgUrl(v, {});
    } catch (e) {
      assert.not.ok(/r3t/.test((e as Error).message), (e as Error).message);
    }
    if (!/\/c/.test(v)) assert.not.ok(/r3t/.test(parsePgUrl(v, {}).shown));
  }
  assert.is(errorCodeOf(() => parsePgUrl('postgres://u@h', {})), 'BAD_INPUT');
  assert.is(errorCodeOf(() => parsePgUrl('mysql://u:pw@h/d', {})), 'BAD_INPUT');
});

test('the password comes from PGPASSWORD, else the password file as libpq reads it (and not when others may read it)', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'pgpass');
  fs.writeFileSync(file, '# comment\nother:5432:*:ur:nope\ndb.example.com:5432:plant_a:ur:fr\\:om-file\n*:*:*:*:fallback\n', { mode: 0o600 });
  const env = { PGPASSFILE: file };
  assert.is(parsePgUrl('postgres://ur@db.example.com/plant_a', env).password, 'fr:om-file');
  assert.is(parsePgUrl('postgres://x@elsewhere:1/y', env).password, 'fallback');
  assert.is(parsePgUrl('postgres://ur@db.example.com/plant_a', { ...env, PGPASSWORD: 'env' }).password, 'env');
  fs.chmodSync(file, 0o644);
  assert.is(parsePgUrl('postgres://ur@db.example.com/plant_a', env).password, undefined);
});

test.run();
