/**
 * @module store/postgresUrl
 * `--store postgres://USER@HOST:PORT/DB`: parsing, the password, and the URL as it may be shown.
 * The password comes as libpq finds it: from the URL itself (discouraged: it shows in `ps`), else
 * PGPASSWORD, else the password file (PGPASSFILE or ~/.pgpass, lines
 * `host:port:database:user:password` with `*` wildcards and `\` escapes, ignored when group or
 * others may read it, as libpq does). It is never printed: errors and logs carry `redactUrl`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UrchainError } from '../errors.js';

export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  /** `?sslmode=require|verify-full` (off otherwise, as on a loopback or private network). */
  ssl?: 'require' | 'verify-full';
  /** The URL without its password, for messages. */
  shown: string;
}

/** Whether a `--store` value names a PostgreSQL database (else it is not a store URL at all). */
export const isPostgresUrl = (v: string) => /^postgres(ql)?:\/\//i.test(v);

/**
 * The URL with any password replaced by `***` (also for a value that does not parse). Up to the
 * LAST "@": a password typed unencoded may hold "@" or "/" ("u:p@ss@h", "u:pa/ss@h"), and hiding
 * too much of a message is better than showing the rest of a password.
 */
export function redactUrl(v: string): string {
  return v.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):\S*@/i, '$1:***@');
}

/** Parses a store URL and resolves its password (URL, PGPASSWORD, password file). */
export function parsePgUrl(v: string, env: NodeJS.ProcessEnv = process.env): PgTarget {
  const shown = redactUrl(v);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw UrchainError.BAD_INPUT(`--store ${shown}: expected postgres://USER@HOST:PORT/DB`);
  }
  if (!isPostgresUrl(v)) throw UrchainError.BAD_INPUT(`--store ${shown}: expected postgres://USER@HOST:PORT/DB`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(u.username) || env.PGUSER || os.userInfo().username;
  if (!u.hostname || !database) throw UrchainError.BAD_INPUT(`--store ${shown}: name the host and the database (postgres://USER@HOST:PORT/DB)`);
  const port = u.port ? Number(u.port) : 5432;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const mode = u.searchParams.get('sslmode');
  if (mode && !['disable', 'prefer', 'require', 'verify-full'].includes(mode)) throw UrchainError.BAD_INPUT(`--store ${shown}: sslmode ${mode} is not one of disable, require, verify-full`);
  const password = u.password ? decodeURIComponent(u.password) : (env.PGPASSWORD ?? passFileLookup(env, host, port, database, user));
  return { host, port, database, user, password, ssl: mode === 'require' || mode === 'verify-full' ? mode : undefined, shown };
}

/** The password of the first matching line of the password file, as libpq reads it. */
function passFileLookup(env: NodeJS.ProcessEnv, host: string, port: number, db: string, user: string): string | undefined {
  const file = env.PGPASSFILE ?? path.join(env.HOME ?? os.homedir(), '.pgpass');
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || (st.mode & 0o077) !== 0) return undefined; // libpq ignores a file others may read
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const want = [host, String(port), db, user];
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const fields = splitPassLine(line);
    if (fields.length < 5) continue;
    if (want.every((w, i) => fields[i] === '*' || fields[i] === w || (i === 0 && fields[i] === 'localhost' && (w === '127.0.0.1' || w === '::1'))))
      return fields.slice(4).join(':');
  }
  return undefined;
}

function splitPassLine(line: string): string[] {
  const out: string[] = [''];
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) out[out.length - 1] += line[++i];
    else if (c === ':') out.push('');
    else out[out.length - 1] += c;
  }
  return out;
}
