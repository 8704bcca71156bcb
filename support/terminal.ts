/**
 * `urchain` on a pseudo-terminal, as from an operator's shell: util-linux `script` gives the child
 * a pty for stdin, stdout and stderr, so the CLI takes its terminal paths (human lines, prompts).
 * The child joins the registry of children.ts, so it is stopped like every other one.
 */
import { spawn } from 'node:child_process';
import { adopt } from './children.js';
import { bin } from './paths.js';

/** Terminal output without colour and cursor sequences or carriage returns. */
export const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface TerminalOptions {
  /** Once the output (plain) matches, `then` is called once and may type into the terminal (\x03 is Ctrl-C, \x04 Ctrl-D). */
  ready?: RegExp;
  then?: (type: (s: string) => void) => void;
  /** Added to the environment (TZ, ...); undefined removes a variable. CI is always removed: it changes what some libraries draw on a terminal. */
  env?: Record<string, string | undefined>;
  /** Killed after this long (default 60 s), so a hung command fails its test instead of the suite. */
  timeoutMs?: number;
}

/** Runs `urchain ARGS` on a 200×30 terminal; resolves with its exit code and everything it printed (plain). */
export async function onTerminal(args: string[], o: TerminalOptions = {}): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'dumb', NO_COLOR: '1' };
  delete env.CI;
  for (const [k, v] of Object.entries(o.env ?? {})) if (v === undefined) delete env[k];
  else env[k] = v;
  const cmd = `stty cols 200 rows 30; exec ${[process.execPath, bin, ...args].map(quote).join(' ')}`;
  const p = adopt(spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env }));
  const cap = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 60_000);
  let out = '';
  let fired = false;
  p.stdout.on('data', (d) => {
    out += d;
    if (o.ready && !fired && o.ready.test(plain(out))) {
      fired = true;
      o.then?.((s) => p.stdin.write(s));
    }
  });
  try {
    const code = await new Promise<number | null>((r) => p.on('close', r));
    return { code, out: plain(out) };
  } finally {
    clearTimeout(cap);
    p.kill('SIGKILL');
  }
}
