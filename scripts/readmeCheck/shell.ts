/**
 * Runs chosen blocks of a markdown file in one bash shell with a process group of its own, reports
 * each block (ok, or FAIL with its line and output) and stops whatever the blocks left running.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { script, type Block } from './blocks.js';

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
trap '__rc=$?; [ "$BASHPID" != "$$" ] || printf "\\036fail %s %s %s\\n" "$__rc" "$LINENO" "\${BASH_LINENO[*]}"' ERR
`;

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

export interface Result {
  passed: number;
  failed: number;
  skipped: number;
  notRun: number;
  /** The signal (Ctrl-C, SIGTERM) that ended the run early. */
  interrupted?: NodeJS.Signals;
}

export const say = (s: string) => process.stdout.write(`${s}\n`);
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs the chosen blocks of `text` in `cwd`; prints a line per block and, for a failure, its line and output. */
export async function runBlocks(text: string, blocks: Block[], o: { cwd: string; env: NodeJS.ProcessEnv; dir: string; timeoutMs: number; file: string; verbose: boolean }): Promise<Result> {
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
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig; // the shell ends with its group; the run then ends as a failure, and the caller cleans up
    void stop();
  };
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
  bash.stdout!.setEncoding('utf8'); // a character split between two reads stays whole
  bash.stdout!.on('data', (d: string) => {
    pending += d;
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
    if (!b) say(`FAIL  the shell ended (exit ${code}) ${done ? 'after the last' : 'before the first'} block:\n${output}`);
    else {
      say(`FAIL  ${o.file}:${b.line}  ${b.heading}  (${secs(ended - started)})`);
      if (timedOut) say(`      timed out after ${secs(o.timeoutMs)}`);
      if (interrupted) say(`      interrupted (${interrupted})`);
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
  return { passed, failed, skipped: blocks.length - run.length, notRun: run.length - passed - failed, interrupted };
}
