/**
 * Start-up: a command loads only its own module (so `urchain verify` never loads LMDB, the network
 * or OPC UA), the command table matches the commands, and help names option values.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { COMMAND_TABLE, loadCommands, cli as makeCli } from '../../commands/cli.js';
import { cli, bin, cleanupAfter } from '../helpers.js';

const S = suite('start-up');
cleanupAfter(S);

/** The files and packages a CLI run loads (a resolve hook reports each one on stderr). */
function loaded(args: string[]): Promise<string[]> {
  const hook = `data:text/javascript,${encodeURIComponent(
    `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent("export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('LOADED ' + r.url + '\\\\n'); return r; }"));`,
  )}`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', hook, bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', () => resolve([...err.matchAll(/^LOADED (.*)$/gm)].map((m) => m[1])));
  });
}

const pkgs = (urls: string[]) => new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter(Boolean));

S('the command table names every command once, by the path the command declares', async () => {
  const classes = await loadCommands();
  assert.equal(
    classes.map((C) => (C.paths ?? [])[0]?.join(' ')),
    COMMAND_TABLE.map((e) => e.path),
  );
  assert.is(new Set(COMMAND_TABLE.map((e) => e.path)).size, COMMAND_TABLE.length);
});

S('urchain verify and ingest send load neither LMDB, the network, OPC UA nor the other commands', async () => {
  for (const args of [['verify', '/nonexistent/proof.json'], ['ingest', 'send', '--help'], ['--version']]) {
    const urls = await loaded(args);
    assert.ok(urls.some((u) => u.endsWith('/bin/urchain')), `the hook saw the run: ${urls.length} files`);
    const p = pkgs(urls);
    for (const heavy of ['lmdb', 'ws', 'node-opcua', 'undici', 'ora']) assert.not.ok(p.has(heavy), `${args.join(' ')} loaded ${heavy}`);
    const commands = urls.filter((u) => /\/commands\/(?!cli|base|usage|valueNames|ingestOptions)[^/]+(\/[^/]+)?\.js$/.test(u));
    assert.ok(commands.length <= 1, `${args.join(' ')} loaded ${commands.join(', ')}`);
  }
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
  const err = await cli(['audit', '--data']);
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
