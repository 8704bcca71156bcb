/**
 * One output path: streams (`node run` events, `ingest watch` files) are JSON lines when piped
 * or with --json and one readable line each on a terminal; option values go through one set of
 * validators (a bad value is one line on stderr and exit 2, before anything is opened); the
 * completion command prints the scripts that ship in completions/.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { tmpDir, startNode, cli, cleanupAfter, bin, root } from '../helpers.js';
import { onTerminal } from '../../support/terminal.js';

const O = suite('cli output');
let dir: string;
// Nodes a test starts are stopped when it ends, pass or fail; temp folders go after the suite.
cleanupAfter(O);
O.before(() => {
  dir = tmpDir();
});

O('ingest watch: one JSON line per file when piped, one readable line on a terminal', async () => {
  const node = await startNode(path.join(dir, 'n'), ['--block-time', '150ms']);
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  fs.writeFileSync(path.join(inbox, 'a.csv'), 'torque;42\n');
  const piped = await cli(['ingest', 'watch', inbox, '--node', node.url, '--once']);
  assert.is(piped.code, 0, piped.stderr);
  const lines = piped.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, 1, piped.stdout);
  assert.is(lines[0].file, path.join(inbox, 'a.csv'));
  assert.is(lines[0].movedTo, path.join(inbox, '.done', 'a.csv'));
  assert.match(lines[0].txId, /^[0-9a-f]{64}$/);

  fs.writeFileSync(path.join(inbox, 'b.csv'), 'torque;43\n');
  const tty = await onTerminal(['ingest', 'watch', inbox, '--node', node.url, '--once']);
  assert.is(tty.code, 0, tty.out);
  assert.match(tty.out, new RegExp(`^${path.join(inbox, 'b.csv')} -> ${path.join(inbox, '.done', 'b.csv')}  [0-9a-f]{64}$`, 'm'));
  assert.not.match(tty.out, /[{}]/);
});

O('node run: events as JSON lines when piped (also without --json), readable lines on a terminal', async () => {
  const data = path.join(dir, 'events');
  const p = spawn(process.execPath, [bin, 'node', 'run', '--data', data, '--api', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const events: any[] = [];
    const exited = new Promise<number | null>((r) => p.on('close', r));
    const lines = readline.createInterface({ input: p.stdout });
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (l) => {
        events.push(JSON.parse(l));
        if (events.length === 1) resolve();
      });
      void exited.then(() => reject(new Error('node run exited before its first event')));
    });
    assert.is(events[0].event, 'started');
    assert.match(events[0].at, /^\d{4}-\d\d-\d\dT.*Z$/);
    p.kill('SIGTERM');
    assert.is(await exited, 0);
    assert.is(events.at(-1).event, 'stopped');
  } finally {
    p.kill('SIGKILL');
  }

  const tty = await onTerminal(['node', 'run', '--data', data, '--api', '127.0.0.1:0'], { ready: / started \{.*\}\n/, then: (type) => type('\x03') });
  assert.is(tty.code, 0, tty.out);
  // Local time with its offset, as every human line (commands/human.ts).
  assert.match(tty.out, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d info  [0-9a-f]{8} started \{.*"chainId":"[0-9a-f]{64}"/m);
  assert.match(tty.out, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d info  [0-9a-f]{8} stopped \{\}$/m); // after the terminal's echo of ^C
  assert.not.match(tty.out, /"event"/);
});

O('bad numbers, durations and words: one line naming the option, exit 2, nothing opened', async () => {
  const data = path.join(dir, 'never');
  const cases: [string[], RegExp][] = [
    [['--links', '0'], /^urchain: --links: expected a whole number of at least 1, got "0"$/],
    [['--max-payload', '1k'], /^urchain: --max-payload: expected a whole number of at least 1, got "1k"$/],
    [['--block-time', 'soon'], /^urchain: --block-time "soon": expected a duration such as 500ms, 15s or 2m$/],
    [['--type', 'giant'], /^urchain: --type must be one of thin, producer, archive, full; got giant$/],
  ];
  for (const [extra, message] of cases) {
    const r = await cli(['node', 'run', '--data', data, '--api', '127.0.0.1:0', ...extra]);
    assert.is(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trimEnd(), message);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.not.ok(fs.existsSync(data), 'a refused start created the data folder');
  const j = await cli(['node', 'run', '--data', data, '--links', 'many', '--json']);
  assert.is(j.code, 2);
  assert.is(j.json.error.code, 'BAD_INPUT');
  const sh = await cli(['completion', 'tcsh']);
  assert.is(sh.code, 2);
  assert.match(sh.stderr, /^urchain: shell must be one of bash, zsh, fish; got tcsh$/m);
});

O('completion prints the scripts that ship in completions/', async () => {
  for (const [shell, file] of [['bash', 'urchain.bash'], ['zsh', '_urchain'], ['fish', 'urchain.fish']]) {
    const r = await cli(['completion', shell]);
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout === fs.readFileSync(path.join(root, 'completions', file), 'utf8'), `${shell} differs from completions/${file}`);
  }
});

O.run();
