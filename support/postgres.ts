/**
 * A PostgreSQL server for tests and the bench: either the one named by PGTEST_URL (a role that may
 * CREATE DATABASE; .ci/run or a developer sets it; test/run.ts strips only URCHAIN_* variables),
 * or a throwaway cluster made here in a temp folder with Debian's initdb and postgres
 * (/usr/lib/postgresql/<version>/bin), on 127.0.0.1 and a free port, its unix socket in the temp
 * folder. As root the server runs as the `postgres` OS user (PostgreSQL refuses to run as root),
 * with the folder owned by it. The server is a child in support/children's registry, so it stops
 * with the test process whatever happens; `stop()` shuts it down fast and removes the folder.
 *
 * Under CI (CI set) a missing PostgreSQL is an error; elsewhere `startPostgres` resolves to
 * undefined with the reason printed, and the caller skips.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import postgres from 'postgres';
import { adopt } from './children.js';

export interface PgServer {
  /** A URL of the server's admin database (no password: trust on 127.0.0.1). */
  readonly url: string;
  /** A new, empty database; its URL. */
  createDb(prefix?: string): Promise<string>;
  /** Runs SQL as the admin role in database `dbUrl` (a test changing a row by hand). */
  sql(dbUrl: string, text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

const PG_ENV = 'PGTEST_URL';

/** The bin folder of the newest installed Debian PostgreSQL, if any. */
function pgBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : undefined;
}

/**
 * Whether a server can be had (PGTEST_URL, or PostgreSQL installed), known before any test runs
 * so a suite can decide what to register. Under CI a missing PostgreSQL throws: a failure, not a
 * skip. Elsewhere it says why on stderr and answers false.
 */
export function havePostgres(): boolean {
  if (process.env[PG_ENV] || pgBinDir()) return true;
  const why = 'PostgreSQL is not installed (Debian package postgresql: /usr/lib/postgresql/*/bin/initdb)';
  if (process.env.CI) throw new Error(`${why}; under CI it must be (.ci/run installs it)`);
  process.stderr.write(`skipping the PostgreSQL tests: ${why}\n`);
  return false;
}

/**
 * Starts (or connects to) a server; undefined when there is none (see havePostgres). Start it in a
 * suite's \`before\`, not at import: uvu imports every test file first, and other suites stop every
 * child of the registry when they end.
 */
export async function startPostgres(): Promise<PgServer | undefined> {
  if (!havePostgres()) return undefined;
  const given = process.env[PG_ENV];
  if (given) return serverAt(given, async () => undefined);
  return throwaway(pgBinDir()!);
}

async function throwaway(bin: string): Promise<PgServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-pg-'));
  const ids = os.userInfo().uid === 0 ? osUser('postgres') : undefined;
  if (ids) fs.chownSync(dir, ids.uid, ids.gid);
  const data = path.join(dir, 'data');
  const as = ids ? { uid: ids.uid, gid: ids.gid } : {};
  execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', 'urchain', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...as, stdio: 'ignore', cwd: dir });
  const port = await freePort();
  const proc = adopt(
    spawn(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'shared_buffers=32MB'], {
      ...as,
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  await ready(proc);
  return serverAt(`postgres://urchain@127.0.0.1:${port}/postgres`, async () => {
    if (proc.exitCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT'); // fast shutdown: roll back, checkpoint, exit
      await gone;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

function serverAt(url: string, onStop: () => Promise<void>): PgServer {
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  const open = new Set<postgres.Sql>();
  let n = 0;
  const dbUrl = (db: string) => {
    const u = new URL(url);
    u.pathname = `/${db}`;
    return u.toString();
  };
  return {
    url,
    async createDb(prefix = 't') {
      const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${n++}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return dbUrl(name);
    },
    async sql(u, text, params = []) {
      const s = postgres(u, { max: 1, onnotice: () => undefined });
      open.add(s);
      try {
        return [...(await s.unsafe(text, params as never[]))];
      } finally {
        open.delete(s);
        await s.end();
      }
    },
    async stop() {
      for (const s of open) await s.end({ timeout: 1 });
      await admin.end({ timeout: 1 });
      await onStop();
    },
  };
}

function osUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const [u, g] = `${execFileSync('id', ['-u', name])} ${execFileSync('id', ['-g', name])}`.split(/\s+/).map(Number);
    return { uid: u, gid: g };
  } catch {
    throw new Error(`running as root, PostgreSQL needs the OS user "${name}" (the Debian package creates it)`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once the server logs that it accepts connections; rejects with its log if it exits. */
function ready(proc: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (/ready to accept connections/.test(log)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`postgres exited (${code}) before it was ready:\n${log}`)));
  });
}
