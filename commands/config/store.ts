/**
 * What the `urchain config` commands share: the file in use (from `--config`, which the CLI takes
 * off the command line and hands over in the context, or $URCHAIN_CONFIG, or the default) and
 * the `conf` store that writes it. conf is imported only here, when a config command runs: its
 * imports cost more than the whole start-up budget of the other commands (src/io/configFile.ts).
 */
import type { BaseContext } from 'clipanion';
import { readConfigFile } from '../../src/io/configFile.js';
import { ConfigSources } from './apply.js';
import type { ConfigKey } from './table.js';

/** The CLI's context: clipanion's, plus the file `--config` named. */
export interface ConfigContext extends BaseContext {
  configFile?: string;
}

export function sourcesFor(context: BaseContext, o: { missingOk?: boolean } = {}): ConfigSources {
  return new ConfigSources(process.env, (context as ConfigContext).configFile, o);
}

/** The subset of conf's API the commands use. */
export interface ConfStore {
  readonly path: string;
  set(key: ConfigKey, value: string): void;
  delete(key: ConfigKey): void;
}

/**
 * A conf store on exactly `file` (conf's own default folder is not used: the CLI's hot path must
 * find the same file without importing conf). A file that is not JSON is refused first, by the
 * same reader every command uses, so the message names the file.
 */
export async function openConf(file: string): Promise<ConfStore> {
  readConfigFile(file);
  const { default: Conf } = await import('conf');
  const base = file.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  return new Conf<Record<string, string>>({
    cwd: file.slice(0, file.length - base.length),
    configName: dot > 0 ? base.slice(0, dot) : base,
    fileExtension: dot > 0 ? base.slice(dot + 1) : '',
    accessPropertiesByDotNotation: false, // keys are plain names ("broker-ca"), never paths
    configFileMode: 0o644,
  }) as unknown as ConfStore;
}
