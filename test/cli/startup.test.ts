/**
 * The command table (the CLI loads only the command that runs; imports.test.ts checks what a run
 * loads) matches the commands, and help names option values.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMAND_TABLE, loadCommands, cli as makeCli } from '../../commands/cli.js';
import { cli, cleanupAfter } from '../helpers.js';

const S = suite('start-up');
cleanupAfter(S);

S('the command table names every command once, by the path the command declares', async () => {
  const classes = await loadCommands();
  assert.equal(
    classes.map((C) => (C.paths ?? [])[0]?.join(' ')),
    COMMAND_TABLE.map((e) => e.path),
  );
  assert.is(new Set(COMMAND_TABLE.map((e) => e.path)).size, COMMAND_TABLE.length);
});

S('help names option values (--data DIR), never clipanion placeholders (#0)', async () => {
  const defs = makeCli(await loadCommands()).definitions();
  for (const d of defs) {
    assert.not.match(d.usage, /#\d/, d.usage);
    for (const o of d.options) assert.not.match(o.definition, /#\d/, `${d.path}: ${o.definition}`);
  }
  const run = await cli(['node', 'run', '--help']);
  assert.match(run.stdout, /\n {2}--data DIR {2,}Data folder/);
  assert.match(run.stdout, /--block-time DURATION/);
  const send = await cli(['ingest', 'send', '--help']);
  assert.match(send.stdout, /--node URL {2,}/);
  assert.match(send.stdout, /--key KEY {2,}Idempotency key/); // the same flag is a FILE elsewhere
  const err = await cli(['backup', '--data']); // a required --data (audit's became optional beside --store)
  assert.is(err.code, 2);
  assert.match(err.stderr, /<--data DIR>/);
});

S('command lines in help are examples, which are never wrapped: no details paragraph is one', async () => {
  for (const d of makeCli(await loadCommands()).definitions()) {
    for (const para of (d.details ?? '').split(/\n\n+/)) {
      const line = para.replace(/\n/g, ' ').trim();
      assert.not.match(line, /^(\$ )?urchain [a-z]+ |^[*\d/,-]+ [*\d/,-]+ [*\d/,-]+ [*\d/,-]+ [*\d/,-]+ /, `${d.path}: a command line in the details (it gets wrapped): ${line.slice(0, 80)}`);
    }
    for (const [, example] of d.examples ?? []) assert.not.match(example, /\n/, `${d.path}: ${example}`);
  }
});

S.run();
