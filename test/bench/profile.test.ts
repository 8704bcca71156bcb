/**
 * `--only profile --profile-load single` (bench/profile.ts): a node under one record per HTTP
 * request, profiled; one `profile` line for the node and one `profile.client` line for the bench
 * process, both naming that load, with records moved and µs per record by area.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { profileBench } from '../../bench/profile.js';

test('profile: the single load profiles a node under one record per request', async () => {
  const lines: Record<string, any>[] = [];
  await profileBench((o) => void lines.push(o), { seconds: 0.5, args: ['--profile-load', 'single'] });
  assert.equal(lines.map((l) => l.bench), ['profile', 'profile.client']);
  for (const l of lines) assert.is(l.load, 'HTTP, one 1 KiB record per request, 64 in flight');
  assert.ok(lines[0].records > 0 && lines[0].recordsPerSec > 0, JSON.stringify(lines[0]));
  assert.ok(lines[0].top.length > 0 && lines[0].usPerRecord['http/json'] > 0, JSON.stringify(lines[0].usPerRecord));
});

test.run();
