import { Option } from 'clipanion';
import fs from 'node:fs';
import { UrchainCommand } from '../base.js';
import { checkValue } from '../../src/io/configFile.js';
import { CONFIG_KEYS, configKey, keysHelp } from './table.js';
import { openConf, sourcesFor } from './store.js';


export class ConfigSetCommand extends UrchainCommand {
  static override paths = [['config', 'set']];
  static override usage = UrchainCommand.Usage({
    description: 'Set a configuration key (used when neither the flag nor its environment variable is given)',
    details: `
      Writes KEY in the config file: \`--config FILE\`, else $URCHAIN_CONFIG, else $XDG_CONFIG_HOME/urchain/config.json (~/.config/urchain/config.json). The value is checked first (a URL, HOST:PORT, a path); a relative path is stored as an absolute one, so the setting means the same from any folder. Precedence: flag > environment > config file > default (urchain(1), CONFIGURATION).

      ${keysHelp()}
    `,
    examples: [
      ['Where records go, once per machine', '$0 config set node http://127.0.0.1:7400'],
      ['Settings of a service, in its own file', '$0 config set data /var/lib/urchain/node --config /etc/urchain/node.json'],
    ],
  });
  key = Option.String({ required: true, name: 'KEY' });
  value = Option.String({ required: true, name: 'VALUE' });

  async run() {
    const key = configKey(this.key);
    const spec = CONFIG_KEYS[key];
    const value = await checkValue(spec.kind, this.value, key, { base: process.cwd() });
    if (spec.kind === 'file' && !fs.existsSync(value)) this.log(`urchain: warning: ${key}: there is no file ${value} (yet)`);
    const conf = await openConf(sourcesFor(this.context).choice.file);
    conf.set(key, value);
    this.out({ key, value, file: conf.path }, (d) => `${d.key} = ${d.value} (in ${d.file})`);
  }
}
