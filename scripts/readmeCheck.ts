/**
 * `npm run readme-check`: runs every shell block of README.md, in order, on a fresh clone, and
 * fails on the first block that fails (its heading, its line, its output; exit 1).
 *
 * How: the repository is cloned (`git clone` of HEAD) into a temp folder. Every ```sh (or bash,
 * shell) block runs there in ONE bash shell with `set -Eeuo pipefail`, as a reader pastes them
 * into one terminal from the clone's folder; the set-up block does `npm ci` and puts bin/ on PATH.
 * The shell runs a script that has the README's line numbers: each line of a block stays on its
 * line, every other line is blank, so bash's own messages and the line we report are README
 * lines. A block whose fence follows `<!-- readme-check: skip REASON -->` is shown, not run.
 * The shell gets a process group of its own: whatever a block started in the background is
 * stopped at the end (SIGTERM, then SIGKILL), also on failure, on Ctrl-C, and — through a
 * watcher on a pipe — if this process itself is killed. HOME and TMPDIR are in the temp folder
 * (a config file the README writes is not yours; its scratch folders go with ours), and
 * URCHAIN_* variables are dropped. The ports the blocks name (127.0.0.1:PORT) must be free
 * before and are checked free after.
 *
 *   node dist/scripts/readmeCheck.js [--here] [--section TEXT …] [--timeout 120s] [--readme FILE] [--keep] [--verbose]
 *
 * --here      a copy of this working copy (tracked and untracked files, not ignored ones) with
 *             its node_modules linked in; `npm ci` and `npm install` then only build (a shim)
 * --section   run the set-up section (the first with a shell block) and the sections whose
 *             heading contains TEXT: a section must run on its own after the set-up
 * --timeout   longest a block may run (default 120s)
 * --readme    check this markdown file instead of the clone's README.md (still run in the clone)
 * --keep      keep the temp folder, and say where it is
 * --verbose   print every block's output, not only a failed one's
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { root } from '../support/paths.js';
import { namedPorts, shellBlocks } from './readmeCheck/blocks.js';
import { runBlocks, say, secs } from './readmeCheck/shell.js';

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** The folder to run in: a git clone of HEAD, or (`here`) a copy of the working copy with its node_modules linked. */
function prepare(dir: string, here: boolean): { repo: string; shims?: string } {
  const repo = path.join(dir, 'urchain');
  if (!here) {
    execFileSync('git', ['clone', '--quiet', root, repo], { stdio: ['ignore', 'ignore', 'inherit'] });
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim();
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    say(`readme-check: a fresh clone of ${root} at ${head}${dirty ? ' (uncommitted changes are not in it; --here checks the working copy)' : ''}`);
    return { repo };
  }
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(root, f);
    if (!fs.existsSync(from) || fs.lstatSync(from).isDirectory()) continue; // deleted, or a submodule
    fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
    fs.cpSync(from, path.join(repo, f), { verbatimSymlinks: true });
  }
  fs.symlinkSync(fs.realpathSync(path.join(root, 'node_modules')), path.join(repo, 'node_modules'));
  const npm = execFileSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  const shims = path.join(dir, 'shims');
  fs.mkdirSync(shims);
  fs.writeFileSync(
    path.join(shims, 'npm'),
    `#!/bin/sh
# readme-check --here: node_modules is linked from the working copy, and npm ci would replace it;
# so ci and install only build, as their prepare step does on a fresh clone.
case "$1" in ci|install) echo "readme-check --here: npm $1 only builds (node_modules is linked)"; exec ${JSON.stringify(npm)} run build ;; esac
exec ${JSON.stringify(npm)} "$@"
`,
    { mode: 0o755 },
  );
  say(`readme-check: a copy of the working copy ${root} (--here: node_modules linked)`);
  return { repo, shims };
}

/** The environment of the shell: ours without URCHAIN_* and npm's per-script variables, HOME and TMPDIR in the temp folder. */
function environment(dir: string, shims?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(URCHAIN_|XDG_|npm_package_|npm_lifecycle_|INIT_CWD$)/.test(k)) env[k] = v;
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  env.npm_config_cache ??= path.join(os.homedir(), '.npm'); // npm ci reuses the download cache
  const npmrc = path.join(os.homedir(), '.npmrc');
  if (fs.existsSync(npmrc)) env.npm_config_userconfig ??= npmrc; // a registry or proxy set there still applies
  env.HOME = home;
  env.TMPDIR = path.join(dir, 'tmp'); // what the blocks put in a temp folder (mktemp -d) goes with ours
  fs.mkdirSync(env.TMPDIR);
  if (shims) env.PATH = `${shims}${path.delimiter}${env.PATH ?? ''}`;
  return env;
}

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function option(args: string[], name: string): string[] {
  const vals: string[] = [];
  args.forEach((a, i) => a === name && args[i + 1] !== undefined && vals.push(args[i + 1]));
  return vals;
}

async function main(args: string[]): Promise<number> {
  const t = /^(\d+)(ms|s|m)?$/.exec(option(args, '--timeout')[0] ?? '120s');
  if (!t) {
    process.stderr.write('readme-check: --timeout expects a duration such as 90s or 2m\n');
    return 2;
  }
  const timeoutMs = Number(t[1]) * { ms: 1, s: 1000, m: 60_000 }[(t[2] ?? 's') as 'ms' | 's' | 'm'];
  if (!onPath('git')) {
    say('readme-check: needs git on PATH (to clone the repository, or with --here to list its files)');
    return 2;
  }
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-readme-'));
  try {
    const { repo, shims } = prepare(dir, args.includes('--here'));
    const given = option(args, '--readme')[0];
    const file = given ? path.resolve(given) : path.join(repo, 'README.md');
    const text = fs.readFileSync(file, 'utf8');
    let blocks = shellBlocks(text);
    const sections = option(args, '--section').map((s) => s.toLowerCase());
    if (sections.length) {
      const setup = blocks.find((b) => !b.skip)?.section;
      blocks = blocks.filter((b) => b.section === setup || sections.some((s) => b.section.toLowerCase().includes(s)));
    }
    const code = blocks.filter((b) => !b.skip).map((b) => text.split('\n').slice(b.line, b.end - 1).join('\n'));
    const missing = ['bash', 'jq'].filter((tool) => (tool === 'bash' || code.some((c) => new RegExp(`\\b${tool}\\b`).test(c))) && !onPath(tool));
    if (missing.length) {
      say(`readme-check: needs ${missing.join(' and ')} on PATH (the blocks use ${missing.length > 1 ? 'them' : 'it'})`);
      return 2;
    }
    const busy = [];
    for (const p of namedPorts(text, blocks)) if (!(await portFree(p))) busy.push(p);
    if (busy.length) {
      say(`readme-check: the README's ports ${busy.join(', ')} on 127.0.0.1 are in use; stop what holds them first`);
      return 1;
    }
    const r = await runBlocks(text, blocks, { cwd: repo, env: environment(dir, shims), dir, timeoutMs, file: given ? path.basename(file) : 'README.md', verbose: args.includes('--verbose') });
    const still = [];
    for (const p of namedPorts(text, blocks)) if (!(await portFree(p))) still.push(p);
    if (still.length) say(`FAIL  ports ${still.join(', ')} are still in use after the check`);
    say(`${r.passed} blocks passed, ${r.failed + (still.length ? 1 : 0)} failed${r.skipped ? `, ${r.skipped} skipped` : ''}${r.notRun ? `, ${r.notRun} not run` : ''} (${secs(Date.now() - t0)})`);
    if (r.interrupted) return r.interrupted === 'SIGINT' ? 130 : 143;
    return r.failed || still.length ? 1 : 0;
  } catch (e) {
    say(`readme-check: ${(e as Error).message}`); // a clone, copy or file that failed: one line, not a stack
    return 1;
  } finally {
    if (args.includes('--keep')) say(`readme-check: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exit(await main(process.argv.slice(2)));
