import { Option } from 'clipanion';
import { UrchainCommand } from '../base.js';
import { readConfigFile } from '../../src/io/configFile.js';
import { configKey } from './table.js';
import { openConf, sourcesFor } from './store.js';

export class ConfigUnsetCommand extends UrchainCommand {
  static override paths = [['config', 'unset']];
  static override usage = UrchainCommand.Usage({
    description: 'Remove a configuration key from the config file',
    details: `
      Prints {"key", "removed", "file"}: \`removed\` is false when the file did not set KEY (not an error). The environment variable of the key, when set, still applies.
    `,
    examples: [['Stop sending to a configured node', '$0 config unset node']],
  });
  key = Option.String({ required: true, name: 'KEY' });

  async run() {
    const key = configKey(this.key);
    const { file } = sourcesFor(this.context).choice;
    const removed = readConfigFile(file)?.[key] !== undefined;
    if (removed) (await openConf(file)).delete(key); // a key that is not there leaves the file (and its folder) as it was
    this.out({ key, removed, file }, (d) => (d.removed ? `${d.key} removed (from ${d.file})` : `${d.key} was not set in ${d.file}`));
  }
}
