/**
 * Shared base for every urchain command: `--json`, the one output path, stdin, option validators
 * and error mapping. stdout carries data only, and every byte of it goes through this class: one
 * JSON document (`out`) or one JSON line per item of a stream (`emit`) when piped or with --json,
 * readable text on a terminal; raw bytes (`write`) where the data is not JSON (a plaintext, a
 * completion script). Errors go to stderr as one line (and as {"error":{code,message}} on stdout
 * under --json); bad input exits 2, every other failure 1, as src/errors.ts says per code.
 *
 * Only light modules are imported here: a command that sends nothing over the network (`verify`)
 * must not load the HTTP client or sockets (the ingest options live in ingestOptions.ts).
 */
import { Command, Option, UsageError } from 'clipanion';
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { UrchainError, asUrchainError } from '../src/errors.js';
import { humanField } from './human.js';

export { humanTime, humanSize } from './human.js';

export abstract class UrchainCommand extends Command {
  /** True for a command that prints a stream (one line per event) instead of one document; its man page says so. */
  static streams = false;

  json = Option.Boolean('--json', false, { description: 'Print JSON (the default when stdout is not a terminal)' });

  abstract run(): Promise<number | void>;

  /** Set once a line went to stderr; a non-zero exit without one gets a reason line (DESIGN decision 12). */
  private saidWhy = false;
  private lastOut: unknown;

  async execute(): Promise<number> {
    guardStdout(this.context.stdout);
    let code: number;
    try {
      code = (await this.run()) ?? 0;
    } catch (e) {
      if (closedEarly.has(this.context.stdout)) return SIGPIPE_EXIT;
      return this.fail(e);
    }
    if (closedEarly.has(this.context.stdout)) return SIGPIPE_EXIT;
    if (code !== 0 && !this.saidWhy) this.log(`urchain: ${(this.path ?? []).join(' ')}: ${whyFailed(this.lastOut) ?? `failed (exit ${code})`}`);
    return code;
  }

  get wantJson(): boolean {
    return this.json || !(this.context.stdout as NodeJS.WriteStream).isTTY;
  }

  /** Prints one result: JSON, or `human(data)` / an indented listing on a terminal. */
  out(data: unknown, human?: (d: any) => string): void {
    this.lastOut = data;
    if (this.wantJson) this.context.stdout.write(JSON.stringify(data) + '\n');
    else this.context.stdout.write((human ? human(data) : render(data)) + '\n');
  }

  /**
   * Prints one item of a stream (a node event, a file or record taken in): one JSON line when
   * piped or with --json, `human(data)` as one line on a terminal.
   */
  emit(data: unknown, human: (d: any) => string): void {
    this.context.stdout.write((this.wantJson ? JSON.stringify(data) : human(data)) + '\n');
  }

  /** Writes data that is not JSON (a decrypted payload, a completion script) as it is. */
  write(raw: Uint8Array | string): void {
    this.context.stdout.write(raw);
  }

  /** The bytes of `file`, or everything on this command's stdin for "-" (see readInput). */
  readInput(file: string, what: string): Promise<Buffer> {
    return readInput(file, what, this.context.stdin);
  }

  log(line: string): void {
    this.saidWhy = true;
    this.context.stderr.write(line + '\n');
  }

  fail(e: unknown): number {
    if (e instanceof UsageError) throw e;
    const err = asUrchainError(e);
    if (this.json) this.context.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message } }) + '\n');
    this.log(`urchain: ${err.message}`);
    return err.spec.exit;
  }
}

/** What a shell reports for a tool stopped by SIGPIPE (128 + 13): the reader left before the output ended. */
export const SIGPIPE_EXIT = 141;
const closedEarly = new WeakSet<object>();
const guarded = new WeakSet<object>();

/**
 * A reader that goes away (`urchain prove … | head -c1`) makes the next write fail with EPIPE,
 * emitted as an 'error' event that would crash the process with a stack trace. Like the classic
 * tools, stop quietly instead: later writes are dropped and the command exits 141.
 */
export function guardStdout(out: Writable): void {
  if (guarded.has(out)) return;
  guarded.add(out);
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED' && e.code !== 'ECONNRESET') throw e;
    closedEarly.add(out);
    process.exitCode = SIGPIPE_EXIT;
  });
}

/**
 * Resolves on the first SIGINT or SIGTERM; `off()` stops listening. A long-running command listens
 * before it starts what the signal must stop: a signal that came between the start and a later
 * `process.once` would take the default action and kill the process without a clean stop. A
 * second signal, once this one has fired, does take the default action (a forced stop).
 */
export function stopSignal(): { stopped: Promise<void>; off(): void } {
  let off = () => {};
  const stopped = new Promise<void>((resolve) => {
    const on = () => {
      off();
      resolve();
    };
    off = () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return { stopped, off };
}

/**
 * The bytes of `file`, or everything on stdin for "-". stdin is read as a stream to its end: a
 * pipe whose writer has not written yet (or a non-blocking one) waits instead of failing with
 * EAGAIN, as a synchronous read of fd 0 does.
 */
async function readInput(file: string, what: string, stdin: Readable): Promise<Buffer> {
  try {
    if (file !== '-') return fs.readFileSync(file);
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
    return Buffer.concat(chunks);
  } catch (e) {
    throw UrchainError.BAD_INPUT(`cannot read ${what} ${file === '-' ? 'from stdin' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** A one-line reason from a command's result, when it carries one ({failed, reason} or {error}). */
function whyFailed(d: unknown): string | undefined {
  const x = d as { failed?: unknown; reason?: unknown; error?: { message?: unknown } } | undefined;
  if (x && typeof x.reason === 'string') return `${typeof x.failed === 'string' ? `${x.failed} check failed: ` : ''}${x.reason}`;
  if (x && typeof x.error?.message === 'string') return x.error.message;
  return undefined;
}

/**
 * A plain indented rendering of JSON data for terminals; times and sizes are shown for people
 * (local ISO 8601 with offset, KiB/MiB) by their field names (human.ts), never in JSON output.
 */
export function render(v: unknown, indent = ''): string {
  if (v === null || v === undefined) return `${indent}-`;
  if (typeof v !== 'object') return `${indent}${String(v)}`;
  const lines: string[] = [];
  if (Array.isArray(v)) {
    if (v.length === 0) return `${indent}(none)`;
    for (const x of v) {
      if (x && typeof x === 'object') lines.push(`${indent}-`, render(x, indent + '  '));
      else lines.push(`${indent}- ${String(x)}`);
    }
    return lines.join('\n');
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    if (x && typeof x === 'object' && Object.keys(x).length) lines.push(`${indent}${k}:`, render(x, indent + '  '));
    else lines.push(`${indent}${k}: ${x && typeof x === 'object' ? (Array.isArray(x) ? '(none)' : '{}') : humanField(k, x)}`);
  }
  return lines.join('\n');
}

export const dataOption = () => Option.String('--data', { description: 'Read from this data folder (works while a node runs on it)' });
export const nodeOption = () =>
  Option.String('--node', { description: 'Ask the node at this URL, e.g. http://127.0.0.1:7400 (with the token in $URCHAIN_API_TOKEN_FILE when the node needs one)' });

/*
 * Validators for option values. Options arrive as strings (clipanion's own validators would
 * report a bad value before `--json` is known, in another wording); these run inside the command,
 * so a bad value is one line "urchain: --opt: expected ..." on stderr, BAD_INPUT under --json, and
 * exit 2, like every other bad input. Each names the option it reads.
 */

/** A duration: "15s", "500ms", "2m", "1h"; a bare number is seconds. */
export function parseDuration(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw UrchainError.BAD_INPUT(`${what} ${JSON.stringify(s)}: expected a duration such as 500ms, 15s or 2m`);
  const n = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(n);
}

/** A whole number ("--threshold 2"); undefined stays undefined; `min` is the least allowed. */
export function parseCount(v: string, what: string, min?: number): number;
export function parseCount(v: string | undefined, what: string, min?: number): number | undefined;
export function parseCount(v: string | undefined, what: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) throw UrchainError.BAD_INPUT(`${what}: expected a whole number${min ? ` of at least ${min}` : ''}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** One of a fixed set of words ("--type thin"). */
export function parseChoice<T extends string>(v: string, what: string, choices: readonly T[]): T {
  if (!choices.includes(v as T)) throw UrchainError.BAD_INPUT(`${what} must be one of ${choices.join(', ')}; got ${v}`);
  return v as T;
}
