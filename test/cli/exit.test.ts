/**
 * Every non-zero exit says why on stderr, also for commands whose answer is data on stdout
 * (a failed verify), so a cron mail or a terminal never shows a bare exit code.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, cleanup, cli, vector } from '../helpers.js';

test.after(() => cleanup());

test('a proof that fails verification: exit 1, JSON on stdout, the failed check on stderr', async () => {
  const proof = vector('formats.json').proof;
  proof.core.payloadLength += 1;
  const f = path.join(tmpDir(), 'bad.proof.json');
  fs.writeFileSync(f, JSON.stringify(proof));
  const r = await cli(['verify', f, '--no-trust', '--json']);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.json.valid, false);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^urchain: .*(check failed|invalid|INVALID|fail)/i);
});

test.run();
