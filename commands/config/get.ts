import { Option } from 'clipanion';
import { UrchainCommand } from '../base.js';
import { UrchainError } from '../../src/errors.js';
import { CONFIG_KEYS, configKey } from './table.js';
import { sourcesFor } from './store.js';

export class ConfigGetCommand extends UrchainCommand {
  static override paths = [['config', 'get']];
  static override usage = UrchainCommand.Usage({
    description: 'Show the value a configuration key has now, and where it comes from',
    details: `
      Prints {"key", "value", "source", "origin"}: \`source\` is "env" (\`origin\` names the variable) or "file" (\`origin\` names the config file); on a terminal only the value. A key set nowhere exits 1. A flag on a command line still wins over both.
    `,
    examples: [['The node scripts on this machine talk to', '$0 config get node']],
  });
  key = Option.String({ required: true, name: 'KEY' });

  async run() {
    const key = configKey(this.key);
    const s = await sourcesFor(this.context).setting(key);
    if (s.source === 'unset') throw UrchainError.NOT_FOUND(`${key} is not set (set ${CONFIG_KEYS[key].env}, or \`urchain config set ${key} VALUE\`)`);
    this.out({ key, value: s.value, source: s.source, origin: s.origin }, (d) => d.value);
  }
}
