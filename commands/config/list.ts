import { UrchainCommand } from '../base.js';
import { asUrchainError } from '../../src/errors.js';
import { CONFIG_KEYS, KEY_NAMES, keysHelp } from './table.js';
import { sourcesFor } from './store.js';

interface Row {
  value: string | null;
  source: 'env' | 'file' | 'unset';
  origin?: string;
  error?: string;
}

export class ConfigListCommand extends UrchainCommand {
  static override paths = [['config', 'list']];
  static override usage = UrchainCommand.Usage({
    description: 'Show every configuration key: its value now and where it comes from',
    details: `
      Prints {"file", "exists", "keys": {KEY: {"value", "source", "origin", "error"}}}: \`file\` is the config file in use (\`--config FILE\`, else $URCHAIN_CONFIG, else $XDG_CONFIG_HOME/urchain/config.json) and whether it exists; per key \`source\` is "env" (\`origin\`: the variable), "file" (\`origin\`: the file) or "unset" (\`value\` null: the command's own default or flag applies). A value that would be refused carries the reason in \`error\`. Flags are not shown: on a command line they win over everything listed here.

      ${keysHelp()}
    `,
    examples: [
      ['What the commands of this shell will use', '$0 config list'],
      ['Where the node URL comes from', '$0 config list --json | jq .keys.node'],
    ],
  });

  async run() {
    const cfg = sourcesFor(this.context, { missingOk: true });
    const data = cfg.fileData();
    const keys: Record<string, Row> = {};
    for (const k of KEY_NAMES) {
      const raw = cfg.raw(k);
      try {
        const s = await cfg.setting(k);
        keys[k] = { value: s.value ?? null, source: s.source as Row['source'], ...(s.origin ? { origin: s.origin } : {}) };
      } catch (e) {
        keys[k] = { value: typeof raw.value === 'string' ? raw.value : JSON.stringify(raw.value), source: raw.source as Row['source'], origin: raw.origin, error: asUrchainError(e).message };
      }
    }
    const unknown = Object.keys(data ?? {}).filter((k) => !(k in CONFIG_KEYS));
    if (unknown.length) this.log(`urchain: warning: config file ${cfg.choice.file}: unknown key(s) ${unknown.join(', ')}, not used (the keys are ${KEY_NAMES.join(', ')})`);
    this.out({ file: cfg.choice.file, exists: data !== undefined, keys }, human);
  }
}

function human(d: { file: string; exists: boolean; keys: Record<string, Row> }): string {
  const width = Math.max(...Object.keys(d.keys).map((k) => k.length));
  return [
    `config file ${d.file}${d.exists ? '' : ' (none yet)'}`,
    ...Object.entries(d.keys).map(([k, r]) => {
      const from = r.source === 'env' ? `from ${r.origin}` : r.source === 'file' ? 'from the config file' : '';
      return `  ${k.padEnd(width)}  ${r.value ?? '-'}${from ? `  (${from})` : ''}${r.error ? `  ERROR: ${r.error}` : ''}`;
    }),
  ].join('\n');
}
