/**
 * Each command imports only what it uses: the offline verifier loads no HTTP client and opens no
 * sockets, so `verify` (and the modules it loads) import neither undici nor node:net/tls/http.
 * A child process imports one command module under a module-resolution hook that records every
 * import; the ingest command, which does send over the network, shows the hook sees them. The
 * CLI itself loads only the module of the command that runs (start-up time, issue 13).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { tmpDir, cleanup, root } from '../helpers.js';

test.after(cleanup);

const NETWORK = new Set(['net', 'tls', 'http', 'https', 'http2', 'dgram'].flatMap((m) => [m, `node:${m}`]));
const DEPS = /\/node_modules\/(undici|ws|node-opcua[^/]*)\//;

interface Import {
  specifier: string;
  parent: string | null;
  url: string;
}

/** Every import made while loading dist/commands/`command`.js in a fresh process. */
function importsOf(command: string): Import[] {
  return importsOfRun(path.join(root, 'dist', 'commands', `${command}.js`), []);
}

/** Every import made while a fresh process runs `entry` with `args` (it must exit 0, or 1/2 for a refused run of the CLI). */
function importsOfRun(entry: string, args: string[]): Import[] {
  const dir = tmpDir();
  const log = path.join(dir, 'imports.ndjson');
  fs.writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ specifier, parent: context.parentURL ?? null, url: r.url }) + '\\n');
  return r;
}
`,
  );
  fs.writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, entry, ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  assert.ok(r.status === 0 || (args.length > 0 && r.status !== null && r.status <= 2), String(r.stderr));
  return fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Import);
}

/** Imports of the network stack: a network module from urchain's own code, or a network library. */
function networkImports(all: Import[]): string[] {
  const own = pathToFileURL(root).href + '/dist/';
  return all
    .filter((i) => (NETWORK.has(i.specifier) && i.parent?.startsWith(own)) || DEPS.test(i.url))
    .map((i) => `${i.specifier} (from ${i.parent?.replace(own, '') ?? '?'})`);
}

test('verify imports neither undici nor node:net (nor tls, http, ws)', () => {
  const all = importsOf('verify');
  assert.ok(all.some((i) => i.url.endsWith('/dist/src/proof/proof.js')), 'the hook saw the verifier load');
  assert.equal(networkImports(all), []);
});

test('the check sees the network stack where a command uses it (ingest send)', () => {
  const found = networkImports(importsOf('ingest/send'));
  assert.ok(found.some((x) => x.startsWith('node:http ')), found.join('\n'));
  assert.ok(found.some((x) => x.startsWith('node:net ')), found.join('\n'));
});

test('the CLI loads only the command that runs: verify and ingest send load neither LMDB, ws, OPC UA, undici, ora nor other commands', () => {
  const bin = path.join(root, 'bin', 'urchain');
  for (const args of [['verify', '/nonexistent/proof.json'], ['ingest', 'send', '--help'], ['--version']]) {
    const all = importsOfRun(bin, args);
    const urls = all.map((i) => i.url);
    const pkgs = new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter(Boolean));
    for (const heavy of ['lmdb', 'ws', 'node-opcua', 'undici', 'ora', 'cbor-x']) assert.not.ok(pkgs.has(heavy), `${args.join(' ')} loaded ${heavy}`);
    const commands = urls.filter((u) => /\/dist\/commands\/(?!cli|base|usage|valueNames|ingestOptions|human|config\/(?!set|get|unset|list))[^/]+(\/[^/]+)?\.js$/.test(u));
    assert.ok(new Set(commands).size <= 1, `${args.join(' ')} loaded ${[...new Set(commands)].join(', ')}`);
  }
});

test.run();
