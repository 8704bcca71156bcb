/** What `urchain` says when it cannot tell what to run: an overview, the nearest command, the missing option. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cleanupAfter } from '../helpers.js';
import { distance } from '../../commands/usage.js';

const U = suite('usage errors');
cleanupAfter(U);

U('urchain with no arguments lists the commands and exits 2', async () => {
  const r = await cli([]);
  assert.is(r.code, 2);
  assert.match(r.stdout, /^usage: urchain <command>/);
  for (const c of ['urchain verify', 'urchain node run', 'urchain entangle push']) assert.ok(r.stdout.includes(c), c);
});

U('a mistyped command names the nearest one, on one line, exit 2', async () => {
  for (const [typed, want] of [
    [['verfiy', 'p.json'], 'did you mean `urchain verify`?'],
    [['staus'], 'did you mean `urchain status`?'],
    [['entangle', 'pul'], 'did you mean `urchain entangle pull`?'],
  ] as const) {
    const r = await cli([...typed]);
    assert.is(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(want), r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const far = await cli(['frobnicate']);
  assert.is(far.code, 2);
  assert.match(far.stderr, /^urchain: no command "frobnicate"; `urchain` lists them\n$/);
});

U('the first word of a group names the commands of the group', async () => {
  const r = await cli(['config']);
  assert.is(r.code, 2);
  assert.is(r.stderr, 'urchain config: which one? `urchain config set`, `urchain config get`, `urchain config unset`, `urchain config list`\n');
  const m = await cli(['member', '--json']);
  assert.is(m.code, 2);
  assert.match(m.stderr, /^urchain member: which one\? `urchain member add`, `urchain member revoke`, `urchain member list`\n$/);
});

U('a known command without a required option names the option instead of "Command not found"', async () => {
  const r = await cli(['node', 'run', '--api', '127.0.0.1:0']);
  assert.is(r.code, 2);
  assert.is(r.stderr, 'urchain node run: missing --data (see `urchain node run --help`)\n');
  const two = await cli(['entangle', 'pull', '--node', 'http://127.0.0.1:1']);
  assert.is(two.code, 2);
  assert.match(two.stderr, /^urchain entangle pull: missing --broker, --key, --partners /);
});

U('edit distance counts a swap of neighbours as one edit', () => {
  assert.is(distance('verify', 'verify'), 0);
  assert.is(distance('verfiy', 'verify'), 1);
  assert.is(distance('staus', 'status'), 1);
  assert.is(distance('', 'ab'), 2);
});

U.run();
