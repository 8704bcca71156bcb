/**
 * Test helpers: the repo root, vector files, temp dirs that clean up after themselves.
 */
import '../src/io/fastCrypto.js'; // tests and the scripts that use these helpers run on OpenSSL, as the CLI does
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function vector<T = any>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', name), 'utf8')) as T;
}

const made: string[] = [];
export function tmpDir(prefix = 'urchain-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Bytes a folder takes on disk (allocated blocks, so sparse files count for what they use). */
export function diskBytes(d: string): number {
  let n = 0;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    n += e.isDirectory() ? diskBytes(p) : fs.statSync(p).blocks * 512;
  }
  return n;
}

export const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export const bin = path.join(root, 'bin', 'urchain');

export interface RunningNode {
  proc: ChildProcess;
  url: string;
  events: any[];
  /** Resolves with the first event matching `pred` (past or future). */
  waitFor(pred: (e: any) => boolean, timeoutMs?: number): Promise<any>;
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
  /** What the node wrote to stderr (the newest part). */
  stderr(): string;
}

const children = new Set<ChildProcess>();

export interface StartOptions {
  /** Script to run instead of bin/urchain (it must take the CLI's arguments), e.g. the fuzz host. */
  entry?: string;
  /** Which events to keep in `events` (default all; `started` is always kept). */
  keep?: (e: any) => boolean;
  /** Keep at most this many characters of stderr (default 1 MB; the newest are kept). */
  stderrMax?: number;
}

/** Starts `urchain node run --json` as a real child process on 127.0.0.1 and a free port. */
export function startNode(dataDir: string, extra: string[] = [], o: StartOptions = {}): Promise<RunningNode> {
  const proc = spawn(process.execPath, [o.entry ?? bin, 'node', 'run', '--data', dataDir, '--api', '127.0.0.1:0', '--json', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  const events: any[] = [];
  const waiters: { pred: (e: any) => boolean; resolve: (e: any) => void }[] = [];
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
    for (const w of waiters.slice()) if (w.pred(e)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(e);
    }
  });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => {
    children.delete(proc);
    r(code);
  }));
  const waitFor = (pred: (e: any) => boolean, timeoutMs = 20_000) =>
    new Promise<any>((resolve, reject) => {
      const hit = events.find(pred);
      if (hit) return resolve(hit);
      const t = setTimeout(() => reject(new Error(`timed out waiting for a node event; stderr: ${stderr}`)), timeoutMs);
      waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
      void exited.then(() => reject(new Error(`node exited; stderr: ${stderr}`)));
    });
  return waitFor((e) => e.event === 'started').then((s) => ({
    proc,
    url: s.api,
    events,
    waitFor,
    stop: () => {
      proc.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
    stderr: () => stderr,
  }));
}

export function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
}

/** Runs the CLI to completion; returns exit code, stdout and stderr. */
export function cli(args: string[], input?: string | Buffer): Promise<{ code: number | null; stdout: string; stderr: string; json: any }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => {
      children.delete(p);
      let json: any;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
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
  children.add(proc);
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => {
    children.delete(proc);
    r(code);
  }));
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
  /** Resolves once `pred(lines)` holds (checked on each new line). */
  until(pred: (lines: any[]) => boolean, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a long-running CLI command (ingest watch, ingest opcua, ...) as a child process. */
export function spawnCli(args: string[]): RunningCli {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  const lines: any[] = [];
  let err = '';
  const checks: (() => void)[] = [];
  proc.stderr!.on('data', (d) => (err += d));
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l));
    } catch {
      lines.push({ text: l });
    }
    for (const c of checks.slice()) c();
  });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => {
    children.delete(proc);
    r(code);
  }));
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

/** Peak resident set size of a process (VmHWM in /proc/PID/status), in bytes; 0 when unknown. */
export function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size now (VmRSS), in bytes; 0 when unknown. */
export function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resets a process's peak RSS (Linux: "5" to /proc/PID/clear_refs); false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Polls the node's API until the transaction is in a block; returns its /v1/txs answer. */
export async function waitIncluded(url: string, txId: string, timeoutMs = 20_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`${url}/v1/txs/${txId}`).then((r) => r.json());
    if (r.block) return r;
    if (Date.now() > until) throw new Error(`${txId} not in a block after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls the node's API until no record is pending (every record taken in is in a block). */
export async function waitDrained(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await fetch(`${url}/v1/status`).then((r) => r.json());
    if (s.pending === 0) return;
    if (Date.now() > until) throw new Error(`${s.pending} records still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
