/**
 * Configuration applied to a command line, before clipanion parses it: for each key of
 * table.ts that the command takes, not given on the command line and not excluded by an
 * alternative that is, `--flag=value` from the environment or else the config file is put in.
 * Precedence: flag > environment > config file > the command's own default. The commands
 * themselves know nothing of this; `urchain config list` shows the same resolution.
 *
 * Only what the command takes is read: no config file is opened for `urchain keygen`, and a bad
 * value of a key the command does not take does not stop it.
 */
import path from 'node:path';
import { UrchainError } from '../../src/errors.js';
import { checkValue, chooseConfigFile, readConfigFile, type ConfigFileChoice } from '../../src/io/configFile.js';
import { CONFIG_KEYS, EXCLUSIVE, KEY_NAMES, type ConfigKey } from './table.js';

type Env = Record<string, string | undefined>;

/** Where a key's value came from: the command line, the environment, the config file, nowhere. */
export type Source = 'flag' | 'env' | 'file' | 'unset';

export interface Setting {
  source: Source;
  /** The value as the command receives it (paths from the file made absolute). */
  value?: string;
  /** The environment variable or the config file it came from. */
  origin?: string;
  /** Set when the key has a value but an alternative was used instead (given, or preferred). */
  instead?: string;
}

/** The environment and the config file, read at most once, checked value by value. */
export class ConfigSources {
  readonly choice: ConfigFileChoice;
  private data: Record<string, unknown> | undefined;
  private loaded = false;

  constructor(
    readonly env: Env,
    configFile?: string,
    private readonly o: { missingOk?: boolean } = {},
  ) {
    this.choice = chooseConfigFile(env, configFile);
  }

  /**
   * The file's values; undefined when it does not exist (an error when --config or
   * $URCHAIN_CONFIG named it: a service pointed at a file that is not there is a mistake).
   */
  fileData(): Record<string, unknown> | undefined {
    if (!this.loaded) {
      this.data = readConfigFile(this.choice.file);
      this.loaded = true;
      if (!this.data && this.choice.from !== 'default' && !this.o.missingOk) throw UrchainError.BAD_INPUT(`config file ${this.choice.file} (from ${this.choice.from}): no such file`);
    }
    return this.data;
  }

  /** Where `key` would come from, unchecked (environment over file). */
  raw(key: ConfigKey): { source: Source; value?: unknown; origin?: string } {
    const env = CONFIG_KEYS[key].env;
    if (this.env[env]) return { source: 'env', value: this.env[env], origin: env };
    const data = this.fileData();
    if (data && data[key] !== undefined) return { source: 'file', value: data[key], origin: this.choice.file };
    return { source: 'unset' };
  }

  /**
   * `key`'s value from the environment or the file, checked; the error names where it came
   * from ("URCHAIN_NODE: not a URL …", "config file /etc/u.json: node: not a URL …").
   * `mustExist`: a file key's file must be there (when the value is about to be used).
   */
  async setting(key: ConfigKey, mustExist = false): Promise<Setting> {
    const r = this.raw(key);
    if (r.source === 'unset') return { source: 'unset' };
    const fromFile = r.source === 'file';
    const where = fromFile ? `config file ${r.origin}: ${key}` : r.origin!;
    const value = await checkValue(CONFIG_KEYS[key].kind, r.value, where, { base: fromFile ? path.dirname(r.origin!) : undefined, mustExist });
    return { source: r.source, value, origin: r.origin };
  }
}

/** The options given on a command line (up to `--`), without their values ("-" alone is stdin, not an option). */
export function givenFlags(args: readonly string[]): Set<string> {
  const given = new Set<string>();
  for (const a of args) {
    if (a === '--') break;
    if (a.startsWith('-') && a !== '-') given.add(a.split('=')[0]);
  }
  return given;
}

const STRENGTH: Record<Source, number> = { flag: 3, env: 2, file: 1, unset: 0 };

/**
 * `args` (the command line after `urchain`, starting with the command's path words, e.g.
 * ["ingest", "send", "-"]) with the configured options put in after the path, and where each
 * key the command takes came from. `path` is the command's path ("ingest send").
 */
export async function applyConfig(commandPath: string, args: string[], env: Env, configFile?: string): Promise<{ args: string[]; sources: Partial<Record<ConfigKey, Setting>> }> {
  const keys = KEY_NAMES.filter((k) => (CONFIG_KEYS[k].commands as readonly string[]).includes(commandPath));
  const sources: Partial<Record<ConfigKey, Setting>> = {};
  const given = givenFlags(args);
  // Help asks for nothing configured: a bad URCHAIN_NODE must not hide `urchain status --help`.
  if (!keys.length || given.has('--help') || given.has('-h')) return { args, sources };
  const namesOf = (k: ConfigKey): readonly string[] => {
    const s = CONFIG_KEYS[k];
    return 'aliases' in s ? [s.flag, ...s.aliases] : [s.flag];
  };
  const cfg = new ConfigSources(env, configFile);
  const candidates = new Map<ConfigKey, ReturnType<ConfigSources['raw']>>();
  for (const k of keys) {
    const flag = namesOf(k).find((n) => given.has(n));
    if (flag) {
      sources[k] = { source: 'flag' };
      continue;
    }
    const r = cfg.raw(k);
    sources[k] = { source: r.source, origin: r.origin };
    if (r.source !== 'unset') candidates.set(k, r);
  }
  // Exclusive groups: an alternative on the command line keeps every key of the group out; else
  // the strongest source wins, the first key of the group on a tie.
  for (const g of EXCLUSIVE) {
    if (!g.commands.includes(commandPath)) continue;
    const inGroup = g.keys.filter((k) => keys.includes(k));
    const typed = [...inGroup.flatMap(namesOf), ...(g.flags ?? [])].find((n) => given.has(n));
    const present = inGroup.filter((k) => candidates.has(k));
    const winner = typed ? undefined : present.reduce<ConfigKey | undefined>((best, k) => (!best || STRENGTH[candidates.get(k)!.source] > STRENGTH[candidates.get(best)!.source] ? k : best), undefined);
    for (const k of present)
      if (k !== winner) {
        candidates.delete(k);
        sources[k] = { ...sources[k]!, instead: typed ?? CONFIG_KEYS[winner!].flag };
      }
  }
  const added: string[] = [];
  for (const k of candidates.keys()) {
    const s = await cfg.setting(k, true);
    sources[k] = s;
    added.push(`${CONFIG_KEYS[k].flag}=${s.value}`); // one token: a value starting with "-" stays a value
  }
  const at = commandPath.split(' ').length;
  return { args: [...args.slice(0, at), ...added, ...args.slice(at)], sources };
}

/**
 * `--config FILE` (or `--config=FILE`), taken out of the command line wherever it stands before
 * `--`: it belongs to urchain, not to the command. The last one counts.
 */
export function takeConfigFlag(argv: readonly string[]): { argv: string[]; configFile?: string } {
  const rest: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--config' || a.startsWith('--config=')) {
      const v = a === '--config' ? argv[++i] : a.slice('--config='.length);
      if (!v) throw UrchainError.BAD_INPUT('--config needs a FILE, e.g. --config /etc/urchain/node.json');
      configFile = v;
      continue;
    }
    rest.push(a);
  }
  return { argv: rest, configFile };
}
