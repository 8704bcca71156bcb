/** io/jsonFile: one reader, one meaning of each failure: missing NOT_FOUND, unreadable or not JSON BAD_INPUT. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { readJsonFile } from '../../src/io/jsonFile.js';
import { UrchainError } from '../../src/errors.js';
import { tmpDir, cleanup } from '../helpers.js';

const caught = (f: () => unknown): UrchainError => {
  try {
    f();
  } catch (e) {
    assert.instance(e, UrchainError);
    return e as UrchainError;
  }
  throw new Error('expected an error');
};

test('the parsed JSON of a file', () => {
  const f = path.join(tmpDir(), 'partners.json');
  fs.writeFileSync(f, '{"partners": [{"name": "b", "key": "00"}]}');
  assert.equal(readJsonFile(f, 'partners file'), { partners: [{ name: 'b', key: '00' }] });
});

test('a missing file is NOT_FOUND with its path', () => {
  const f = path.join(tmpDir(), 'nope.json');
  const e = caught(() => readJsonFile(f, 'member list'));
  assert.is(e.code, 'NOT_FOUND');
  assert.is(e.message, `no member list at ${f}`);
  assert.is(e.meta.path, f);
});

test('a file that cannot be read, or is not JSON, is BAD_INPUT with its path', () => {
  const dir = tmpDir();
  const e1 = caught(() => readJsonFile(dir, 'genesis'));
  assert.is(e1.code, 'BAD_INPUT');
  assert.match(e1.message, /cannot read genesis .*EISDIR/);
  assert.is(e1.meta.path, dir);
  const f = path.join(dir, 'bad.json');
  fs.writeFileSync(f, '{"partners": [');
  const e2 = caught(() => readJsonFile(f, 'partners file'));
  assert.is(e2.code, 'BAD_INPUT');
  assert.ok(e2.message.startsWith(`${f}: the partners file is not JSON`), e2.message);
  assert.is(e2.meta.path, f);
});

test("a reader's own refusal passes through (a secret file others may read)", () => {
  const refusal = UrchainError.FORBIDDEN('mode 0644');
  const e = caught(() =>
    readJsonFile('/any', 'key file', () => {
      throw refusal;
    }),
  );
  assert.is(e, refusal);
  assert.equal(readJsonFile('/any', 'key file', () => '{"type":"x"}'), { type: 'x' });
});

test.after(cleanup);
test.run();
