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
import { execFileSync, spawn } from 'node:child_process';
import { root } from '../support/paths.js';

interface Block {
  /** 1-based line of the opening fence; the block's lines follow it. */
  line: number;
  end: number;
  heading: string;
  section: string;
  skip?: string;
}

const RUNS = new Set(['sh', 'bash', 'shell']);
const SKIP = /^<!--\s*readme-check:\s*skip\b\s*(.*?)\s*-->\s*$/;

/** The shell blocks of a markdown text, with the heading and the `##` section each is under. */
function shellBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let heading = '';
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const h = /^(#{1,6})\s+(.*)$/.exec(lines[i]);
    if (h) {
      heading = h[2].trim();
      if (h[1].length <= 2) section = heading;
      continue;
    }
    const open = /^(`{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^${open[1]}\\s*$`).test(lines[j])) j++;
    if (RUNS.has(open[2])) {
      let k = i - 1;
      while (k >= 0 && lines[k].trim() === '') k--;
      const skip = k >= 0 ? SKIP.exec(lines[k])?.[1] : undefined;
      blocks.push({ line: i + 1, end: j + 1, heading, section, skip: skip === undefined ? undefined : skip || 'no reason given' });
    }
    i = j;
  }
  return blocks;
}

/** The ports on 127.0.0.1 (or localhost) that the blocks name. */
function namedPorts(text: string, blocks: Block[]): number[] {
  const lines = text.split('\n');
  const ports = new Set<number>();
  for (const b of blocks)
    for (const l of lines.slice(b.line, b.end - 1)) for (const m of l.matchAll(/(?:127\.0\.0\.1|localhost):(\d{2,5})\b/g)) ports.add(Number(m[1]));
  return [...ports].sort((a, b) => a - b);
}

/** The script bash runs: README line N is script line N; markers replace the fences. */
function script(text: string, run: Block[], prelude: string): string {
  const lines = text.split('\n').map(() => '');
  const src = text.split('\n');
  if (run.some((b) => b.line === 1)) throw new Error('a shell block cannot open on line 1 (the prelude goes there)');
  lines[0] = `source ${JSON.stringify(prelude)}`;
  run.forEach((b, k) => {
    lines[b.line - 1] = `__readme_block ${k}`;
    for (let n = b.line; n < b.end - 1; n++) lines[n] = src[n];
  });
  return `${lines.join('\n')}\n__readme_done\n`;
}

/**
 * Set once per shell: strict mode, stderr with stdout, markers, and the watcher that, if we vanish
 * (fd 3 closes), stops the group and removes our temp folder `dir`.
 */
const prelude = (dir: string) => `set -Eeuo pipefail
exec 2>&1
( trap '' TERM; read -r -u 3 _ || true; kill -TERM -- -$$ 2>/dev/null; sleep 2; rm -rf ${JSON.stringify(dir)}; kill -KILL -- -$$ 2>/dev/null ) &
printf '\\036watcher %s\\n' "$!"
disown
exec 3<&-
__readme_block() { printf '\\036block %s\\n' "$1"; }
__readme_done() { printf '\\036done\\n'; }
trap 'printf "\\036fail %s %s %s\\n" "$?" "$LINENO" "\${BASH_LINENO[*]}"' ERR
`;

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** Processes in process group `pgid`, as "pid args" (Linux /proc; empty elsewhere). */
function groupMembers(pgid: number): { pid: number; args: string }[] {
  const out: { pid: number; args: string }[] = [];
  if (!fs.existsSync('/proc/self/stat')) return out;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
      out.push({ pid: Number(d), args: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const alive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM to the group, SIGKILL after `graceMs`; resolves once it is empty. A poll: there is no event for a group emptying. */
async function stopGroup(pgid: number, graceMs = 5000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pgid, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const end = Date.now() + graceMs;
  while (alive(pgid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  if (alive(pgid)) signal('SIGKILL');
  while (alive(pgid)) await new Promise((r) => setTimeout(r, 50));
}

interface Result {
  passed: number;
  failed: number;
  skipped: number;
  notRun: number;
}

const say = (s: string) => process.stdout.write(`${s}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs the chosen blocks of `text` in `cwd`; prints a line per block and, for a failure, its line and output. */
async function runBlocks(text: string, blocks: Block[], o: { cwd: string; env: NodeJS.ProcessEnv; dir: string; timeoutMs: number; file: string; verbose: boolean }): Promise<Result> {
  const run = blocks.filter((b) => !b.skip);
  const src = text.split('\n');
  const preludeFile = path.join(o.dir, 'prelude.sh');
  const scriptFile = path.join(o.dir, 'readme-check.sh');
  fs.writeFileSync(preludeFile, prelude(o.dir));
  fs.writeFileSync(scriptFile, script(text, run, preludeFile));
  for (const b of blocks) if (b.skip) say(`skip  ${o.file}:${b.line}  ${b.heading} (${b.skip})`);

  const bash = spawn('bash', [scriptFile], { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  const pgid = bash.pid!;
  let watcher = 0;
  const stop = () => {
    try {
      if (watcher) process.kill(watcher, 'SIGKILL'); // it ignores SIGTERM, to outlive the group it stops
    } catch {
      // gone
    }
    return stopGroup(pgid);
  };
  const onSignal = (sig: NodeJS.Signals) => void stop().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  let current = -1;
  let started = Date.now();
  let output = '';
  let fail: { code: number; lines: number[] } | undefined;
  let done = false;
  let timedOut = false;
  let passed = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      void stop();
    }, o.timeoutMs);
  };
  const finish = () => {
    if (current < 0) return;
    passed++;
    say(`ok    ${o.file}:${run[current].line}  ${run[current].heading}  (${secs(Date.now() - started)})`);
    if (o.verbose) say(output.trimEnd().replace(/^/gm, '      | '));
  };
  let pending = '';
  bash.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    let at: number;
    while ((at = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, at + 1);
      pending = pending.slice(at + 1);
      const m = /\x1e(block|fail|done|watcher) ?(.*)\n$/.exec(line);
      if (!m) {
        output += line;
        continue;
      }
      output += line.slice(0, m.index);
      if (m[1] === 'watcher') watcher = Number(m[2]);
      else if (m[1] === 'block') {
        finish();
        current = Number(m[2]);
        started = Date.now();
        output = '';
        fail = undefined;
        arm();
      } else if (m[1] === 'done') {
        finish();
        current = -1;
        done = true;
      } else {
        const [code, ...lines] = m[2].trim().split(/\s+/).map(Number);
        fail = { code, lines }; // the failing line, then the lines that called its function
      }
    }
  });
  const closed = new Promise<void>((r) => bash.stdout!.once('close', () => r()));
  const code = await new Promise<number | null>((r) => bash.once('exit', (c) => r(c)));
  clearTimeout(timer);
  const ended = Date.now();
  const left = groupMembers(pgid).filter((p) => p.pid !== watcher);
  await stop();
  await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  output += pending;

  let failed = 0;
  if (!done || code !== 0) {
    failed = 1;
    const b = run[current];
    if (!b) say(`FAIL  the shell ended (exit ${code}) before the first block:\n${output}`);
    else {
      say(`FAIL  ${o.file}:${b.line}  ${b.heading}  (${secs(ended - started)})`);
      if (timedOut) say(`      timed out after ${secs(o.timeoutMs)}`);
      const at = fail && [...fail.lines].reverse().find((l) => l > b.line && l < b.end); // the block's own line, not one inside a function it called
      if (at) say(`      line ${at}: ${src[at - 1].trim()}  (exit ${fail!.code})`);
      if (fail && fail.lines[0] !== at && fail.lines[0] > 0) say(`      line ${fail.lines[0]}: ${src[fail.lines[0] - 1]?.trim()}  (exit ${fail.code}${at ? ', in a function it called' : ''})`);
      if (!fail) say(`      exit ${code ?? 'by signal'}`);
      say('      output:');
      say(output.trimEnd().replace(/^/gm, '      | '));
    }
  } else if (left.length) {
    say(`note  stopped ${left.length} process(es) the blocks left running:`);
    for (const p of left) say(`      ${p.pid} ${p.args}`);
  }
  return { passed, failed, skipped: blocks.length - run.length, notRun: run.length - passed - failed };
}

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

function option(args: string[], name: string): string[] {
  const vals: string[] = [];
  args.forEach((a, i) => a === name && args[i + 1] !== undefined && vals.push(args[i + 1]));
  return vals;
}

async function main(args: string[]): Promise<number> {
  for (const tool of ['bash', 'git', 'jq'])
    try {
      execFileSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      process.stderr.write(`readme-check: needs ${tool} on PATH (the README's blocks use it)\n`);
      return 2;
    }
  const t = /^(\d+)(ms|s|m)?$/.exec(option(args, '--timeout')[0] ?? '120s');
  if (!t) {
    process.stderr.write('readme-check: --timeout expects a duration such as 90s or 2m\n');
    return 2;
  }
  const timeoutMs = Number(t[1]) * { ms: 1, s: 1000, m: 60_000 }[(t[2] ?? 's') as 'ms' | 's' | 'm'];
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
    return r.failed || still.length ? 1 : 0;
  } finally {
    if (args.includes('--keep')) say(`readme-check: kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exit(await main(process.argv.slice(2)));
