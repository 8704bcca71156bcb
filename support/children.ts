/**
 * Child processes for tests, the bench and the fuzzer: real `urchain` processes on 127.0.0.1 and
 * port 0. Every child joins one registry, so none outlives its owner: `cleanupAfter(suite)`
 * stops what each test started once that test ends (also when an assertion failed) and the rest
 * after the suite, and the exit of this process — normal, SIGINT, SIGTERM or an uncaught error —
 * kills whatever is still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { Test } from 'uvu';
import { bin } from './paths.js';
import { cleanup } from './tmp.js';

/** Every live child with the promise of its exit code. */
const live = new Map<ChildProcess, Promise<number | null>>();
let hooked = false;

function join(proc: ChildProcess): Promise<number | null> {
  if (!hooked) hookExit();
  const exited = new Promise<number | null>((r) =>
    proc.on('exit', (code) => {
      live.delete(proc);
      r(code);
    }),
  );
  live.set(proc, exited);
  return exited;
}

function hookExit(): void {
  hooked = true;
  process.on('exit', killChildren);
  // An uncaught error ends the process without 'exit'. The monitor runs first and changes
  // nothing; a process that handles such errors itself (the fuzzer) keeps its children.
  process.on('uncaughtExceptionMonitor', () => {
    if (process.listenerCount('uncaughtException') === 0) killChildren();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    if (process.listenerCount(sig) === 0)
      process.once(sig, () => {
        killChildren();
        process.exit(sig === 'SIGINT' ? 130 : 143);
      });
}

/** SIGKILL to every child still running (synchronous: usable in an exit handler). */
export function killChildren(): void {
  for (const c of live.keys()) c.kill('SIGKILL');
}

/** SIGTERM to the given children (default: all), SIGKILL to those still running after `graceMs`; resolves once all are gone. */
export async function stopChildren(which: Iterable<ChildProcess> = live.keys(), graceMs = 5000): Promise<void> {
  const exits = [...which].filter((c) => live.has(c)).map((c) => {
    const exited = live.get(c)!;
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
    return exited.finally(() => clearTimeout(t));
  });
  await Promise.all(exits);
}

/** Anything a test opens and must close: a store, an in-process node, a server. */
export interface Closable {
  close(): unknown;
}

/**
 * Hooks a uvu suite so it leaves nothing behind. The children a test started are stopped when it
 * ends, pass or fail; those started in `before` (shared by the tests), and the temp folders,
 * after the suite. With `perTest: false` every child lives until the suite ends (for suites whose
 * tests hand a node on to the next test). Returns `closing(x)`: `x.close()` is awaited when the
 * test that opened `x` ends, pass or fail (or after the suite, for what `before` opened), newest first.
 */
export function cleanupAfter(s: Test, o: { perTest?: boolean } = {}): <T extends Closable>(x: T) => T {
  let before = new Set<ChildProcess>();
  let inTest = false;
  const forTest: Closable[] = [];
  const forSuite: Closable[] = [];
  const closeAll = async (xs: Closable[]) => {
    for (const x of xs.splice(0).reverse()) await x.close();
  };
  s.before.each(() => {
    inTest = true;
    before = new Set(live.keys());
  });
  s.after.each(async () => {
    inTest = false;
    try {
      await closeAll(forTest);
    } finally {
      if (o.perTest !== false) await stopChildren([...live.keys()].filter((c) => !before.has(c)));
    }
  });
  s.after(async () => {
    try {
      await closeAll(forSuite);
    } finally {
      await stopChildren();
      cleanup();
    }
  });
  return (x) => {
    // Closing twice is harmless, so a test may still close `x` itself to check what follows.
    const close = x.close.bind(x);
    let closed: unknown;
    x.close = () => (closed ??= close());
    (inTest ? forTest : forSuite).push(x);
    return x;
  };
}

/** A child spawned some other way (a raw `spawn` a test needs) joins the registry, so it is stopped like the others. */
export function adopt<T extends ChildProcess>(proc: T): T {
  join(proc);
  return proc;
}

/** One pending wait for a node event. */
type Waiter = { pred: (e: any) => boolean; resolve: (e: any) => void };

export interface RunningNode {
  proc: ChildProcess;
  url: string;
  /** The events kept so far (see StartOptions.keep). */
  events: any[];
  /** Resolves with the first event matching `pred`, kept (past) or future. */
  waitFor(pred: (e: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Resolves once the transaction is in a block of the node's canonical chain; its /v1/txs answer. */
  included(txId: string, timeoutMs?: number): Promise<any>;
  /** Resolves once no record is pending (every record taken in is in a block). */
  drained(timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
  /** What the node wrote to stderr (the newest part). */
  stderr(): string;
}

export interface StartOptions {
  /** Script to run instead of bin/urchain (it must take the CLI's arguments), e.g. the fuzz host. */
  entry?: string;
  /** Which events to keep in `events` (default all; `started` is always kept). `waitFor` and `included` find past events only if kept. */
  keep?: (e: any) => boolean;
  /** Keep at most this many characters of stderr (default 1 MB; the newest are kept). */
  stderrMax?: number;
  /**
   * Only these events are printed (`node run --events`): a node under load spends a good share of
   * its CPU on one `record` line per record. Without `record`, block events carry no txIds;
   * `included` then asks the node again at each block.
   */
  events?: string[];
  /** Variables added to the child's environment (e.g. URCHAIN_STORE_MERGE_AT, store/recentNumbers.ts). */
  env?: Record<string, string>;
}

/** What the bench waits for: a node started with these prints no line per record. */
export const BENCH_EVENTS = ['started', 'block', 'link', 'unlink', 'sync', 'synced', 'error', 'stopped'];


/** Starts `urchain node run --json` as a real child process on 127.0.0.1 and a free port. */
export function startNode(dataDir: string, extra: string[] = [], o: StartOptions = {}): Promise<RunningNode> {
  const proc = spawn(process.execPath, [o.entry ?? bin, 'node', 'run', '--data', dataDir, '--api', '127.0.0.1:0', '--json', ...(o.events ? ['--events', o.events.join(',')] : []), ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: o.env ? { ...process.env, ...o.env } : undefined,
  });
  const exited = join(proc);
  const events: any[] = [];
  const waiters: Waiter[] = [];
  let stderr = '';
  const stderrMax = o.stderrMax ?? 1 << 20;
  proc.stderr!.on('data', (d) => {
    stderr += d;
    if (stderr.length > stderrMax) stderr = stderr.slice(-stderrMax);
  });
  readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
    let e: any;
    try {
      e = JSON.parse(line);
    } catch {
      return;
    }
    if (!o.keep || e.event === 'started' || o.keep(e)) events.push(e);
    for (const w of waiters.slice()) if (w.pred(e)) w.resolve(e);
  });
  /** A wait for a future event; `cancel` drops it (its promise then never settles). */
  const next = (pred: (e: any) => boolean, timeoutMs: number, what: string) => {
    let w!: Waiter;
    let t: NodeJS.Timeout;
    const drop = () => {
      clearTimeout(t);
      const i = waiters.indexOf(w);
      if (i >= 0) waiters.splice(i, 1);
    };
    const promise = new Promise<any>((resolve, reject) => {
      t = setTimeout(() => (drop(), reject(new Error(`timed out waiting for ${what}; stderr: ${stderr}`))), timeoutMs);
      w = { pred, resolve: (e) => (drop(), resolve(e)) };
      waiters.push(w);
      void exited.then(() => {
        if (!waiters.includes(w)) return; // already met or cancelled
        drop();
        reject(new Error(`node exited while waiting for ${what}; stderr: ${stderr}`));
      });
    });
    return { promise, cancel: drop };
  };
  const waitFor = (pred: (e: any) => boolean, timeoutMs = 20_000) => {
    const hit = events.find(pred);
    return hit ? Promise.resolve(hit) : next(pred, timeoutMs, 'a node event').promise;
  };
  return waitFor((e) => e.event === 'started').then((s): RunningNode => {
    const url: string = s.api;
    const tx = (txId: string) => fetch(`${url}/v1/txs/${txId}`).then((r) => r.json());
    return {
      proc,
      url,
      events,
      waitFor,
      // Asked first: a block this process loaded from its store sends no event. After that, each
      // block event naming the id is checked against the canonical chain, because a reorg may
      // take that block back out; a block event without txIds (a node started without `record`
      // events) may hold it too, so the chain is asked again at each one. The wait is set before
      // each question, so a block that comes in between is not missed.
      async included(txId, timeoutMs = 20_000) {
        const end = Date.now() + timeoutMs;
        for (let nth = 0; ; nth++) {
          let k = 0;
          const pred = (e: any) => e.event === 'block' && (Array.isArray(e.txIds) ? e.txIds.includes(txId) && k++ === nth : true);
          const seen = events.some((e) => Array.isArray(e.txIds) && pred(e));
          const w = seen ? undefined : next(pred, Math.max(1, end - Date.now()), `${txId} in a block`);
          w?.promise.catch(() => undefined); // awaited below, unless the answer makes the wait moot
          const r = await tx(txId);
          if (r.block) {
            w?.cancel();
            return r;
          }
          if (w) await w.promise;
        }
      },
      async drained(timeoutMs = 60_000) {
        // Listen first, then ask: a block that empties the pool in between is not missed.
        const empty = next((e) => e.event === 'block' && e.pending === 0, timeoutMs, 'no record pending');
        const st = await fetch(`${url}/v1/status`).then((r) => r.json());
        if (st.pending === 0) return empty.cancel();
        await empty.promise;
      },
      stop: () => {
        proc.kill('SIGTERM');
        return exited;
      },
      kill9: async () => {
        proc.kill('SIGKILL');
        await exited;
      },
      stderr: () => stderr,
    };
  });
}

/**
 * A command's JSON result: the whole output, or else its last line (commands that stream JSON
 * lines, like `audit --json` with its progress lines, end with the result); undefined if neither
 * parses.
 */
export function resultJson(stdout: string): any {
  try {
    return JSON.parse(stdout);
  } catch {
    const last = stdout.trimEnd().split('\n').pop() ?? '';
    try {
      return JSON.parse(last);
    } catch {
      return undefined;
    }
  }
}

/** Runs the CLI to completion (with `env` as its whole environment, if given); returns exit code, stdout and stderr. */
export function cli(args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; json: any }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    join(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => {
      resolve({ code, stdout, stderr, json: resultJson(stdout) });
    });
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

export interface RunningBroker {
  proc: ChildProcess;
  url: string;
  stop(): Promise<number | null>;
}

/** Starts `urchain broker serve` as a child process on 127.0.0.1 (port 0 unless given). */
export function startBroker(dataDir: string, listen = '127.0.0.1:0'): Promise<RunningBroker> {
  const proc = spawn(process.execPath, [bin, 'broker', 'serve', '--listen', listen, '--data', dataDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = join(proc);
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout! }).once('line', (line) => {
      const j = JSON.parse(line);
      resolve({ proc, url: j.url, stop: () => (proc.kill('SIGTERM'), exited) });
    });
    void exited.then(() => reject(new Error(`broker exited: ${err}`)));
  });
}

export interface RunningCli {
  proc: ChildProcess;
  /** stdout lines parsed as JSON, as they come. */
  lines: any[];
  stderr(): string;
  /** Resolves once `pred(lines)` holds (checked on each new stdout line and stderr chunk). */
  until(pred: (lines: any[]) => boolean, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a long-running CLI command (ingest watch, ingest opcua, ...) as a child process. */
export function spawnCli(args: string[]): RunningCli {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = join(proc);
  const lines: any[] = [];
  let err = '';
  const checks: (() => void)[] = [];
  proc.stderr!.on('data', (d) => {
    err += d;
    for (const c of checks.slice()) c();
  });
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l));
    } catch {
      lines.push({ text: l });
    }
    for (const c of checks.slice()) c();
  });
  return {
    proc,
    lines,
    stderr: () => err,
    until: (pred, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        if (pred(lines)) return resolve();
        const t = setTimeout(() => reject(new Error(`timed out after ${lines.length} lines; stderr: ${err}`)), timeoutMs);
        const check = () => {
          if (!pred(lines)) return;
          clearTimeout(t);
          checks.splice(checks.indexOf(check), 1);
          resolve();
        };
        checks.push(check);
        void exited.then(() => reject(new Error(`exited after ${lines.length} lines; stderr: ${err}`)));
      }),
    stop: () => {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}
