/**
 * @module io/configFile
 * Where urchain's configuration file is and what it holds. `urchain config` writes it with the
 * `conf` package; every other command reads it here, with one stat and (when it exists) one
 * fs.readFileSync + JSON.parse. conf writes plain JSON, so both read the same bytes; conf itself
 * (ajv, atomically, env-paths: over 100 ms of imports measured here, `node -e "import('conf')"`
 * against `node -e 0`) stays off the start-up path of every command.
 *
 * The file: `--config FILE`, else $URCHAIN_CONFIG, else $XDG_CONFIG_HOME/urchain/config.json
 * (~/.config/urchain/config.json; %APPDATA%\urchain\config.json on Windows).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UrchainError } from '../errors.js';
import { parseJsonText } from './jsonFile.js';

type Env = Record<string, string | undefined>;

/** The file conf would be pointed at when neither --config nor $URCHAIN_CONFIG names one. */
function defaultConfigFile(env: Env = process.env): string {
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'urchain', 'config.json');
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'urchain', 'config.json');
}

/** The configuration file in use, and whether the user named it (then a missing file is an error). */
export interface ConfigFileChoice {
  file: string;
  /** '--config', 'URCHAIN_CONFIG' or 'default'. */
  from: '--config' | 'URCHAIN_CONFIG' | 'default';
}

export function chooseConfigFile(env: Env, flag?: string): ConfigFileChoice {
  if (flag) return { file: path.resolve(flag), from: '--config' };
  if (env.URCHAIN_CONFIG) return { file: path.resolve(env.URCHAIN_CONFIG), from: 'URCHAIN_CONFIG' };
  return { file: defaultConfigFile(env), from: 'default' };
}

/**
 * The values in `file`, or undefined when there is no such file (one stat, no read). Not JSON,
 * or not an object: BAD_INPUT naming the file. Values that are not strings are kept as they are
 * for the caller to refuse by key.
 */
export function readConfigFile(file: string): Record<string, unknown> | undefined {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw UrchainError.BAD_INPUT(`config file ${file}: cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path: file });
  }
  if (text.trim() === '') return {}; // an empty file (touch, /dev/null) is an empty configuration
  const v = parseJsonText(text, file, 'config file');
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw UrchainError.BAD_INPUT(`config file ${file}: expected a JSON object of settings`, { path: file });
  return v as Record<string, unknown>;
}

/** What a configuration value must be. */
export type ValueKind = 'url' | 'hostPort' | 'dir' | 'file';

/**
 * Checks one value and returns it in its stored form; `where` starts the error message and says
 * where the value came from ("URCHAIN_NODE", "config file /etc/urchain.json: node").
 * Paths: relative ones are taken from `base` (the working folder for a flag or the environment,
 * the config file's own folder for the file); `mustExist` checks a file is there (done when the
 * value is about to be used, so a typo is reported with its source, not as a bare missing file).
 */
export async function checkValue(kind: ValueKind, value: unknown, where: string, o: { base?: string; mustExist?: boolean } = {}): Promise<string> {
  if (typeof value !== 'string' || value === '') throw UrchainError.BAD_INPUT(`${where}: expected a non-empty string, got ${JSON.stringify(value)}`);
  switch (kind) {
    case 'url': {
      let u: URL | undefined;
      try {
        u = new URL(value);
      } catch {
        /* reported below */
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !u.host)
        throw UrchainError.BAD_INPUT(`${where}: not a URL: ${JSON.stringify(value)} (expected http://HOST:PORT or https://HOST:PORT)`);
      return value;
    }
    case 'hostPort':
      // Loaded here, not above: io/hostPort imports node:net, which `verify` never loads.
      (await import('./hostPort.js')).parseHostPort(value, where);
      return value;
    case 'dir':
    case 'file': {
      if (value.includes('\0')) throw UrchainError.BAD_INPUT(`${where}: not a path: ${JSON.stringify(value)}`);
      const p = o.base ? path.resolve(o.base, value) : value;
      if (kind === 'file' && o.mustExist) {
        const st = fs.statSync(p, { throwIfNoEntry: false });
        if (!st) throw UrchainError.BAD_INPUT(`${where}: no such file: ${p}`);
        if (!st.isFile()) throw UrchainError.BAD_INPUT(`${where}: not a file: ${p}`);
      }
      return p;
    }
  }
}
