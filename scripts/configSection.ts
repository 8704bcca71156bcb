/**
 * The CONFIGURATION and ENVIRONMENT sections of urchain(1), made from the one key table
 * (commands/config/table.ts), so the page lists exactly the keys, variables, commands and
 * exclusive groups the CLI applies.
 */
import { CONFIG_KEYS, EXCLUSIVE, KEY_NAMES } from '../commands/config/table.js';

/** roff lines; `esc` is the page generator's escaping of plain text. */
export function configSection(esc: (s: string) => string): string[] {
  const b = (s: string) => `\\fB${esc(s)}\\fR`;
  const groups = EXCLUSIVE.map((g) => `${g.commands.join(', ')}: ${[...g.keys.map((k) => CONFIG_KEYS[k].flag), ...(g.flags ?? [])].join(' or ')}`);
  return [
    '.SH OPTIONS',
    '.TP',
    `.B ${esc('--config FILE')}`,
    esc('Read configuration keys from FILE instead of the default file (for services: one file per service). Allowed before or after the command; urchain takes it off the command line before the command sees it. The file must exist (urchain config set creates it).'),
    '.SH CONFIGURATION',
    '.PP',
    `${esc('What is repeated on every call (the node URL, the data folder, the broker, key files) can be set once, in the environment or in a config file written with')} ${b('urchain config set')}${esc('. Precedence, highest first:')} ${b('flag > environment > config file > default')}${esc(". A key is filled in only for the commands listed with it below, where its flag has the key's meaning: ")}${b('profichain')} ${esc('is where the ingest commands send to, so the')} ${b('--profichain')} ${esc('of node run (where it serves) is never filled in; the same holds for the')} ${b('--key')} ${esc('of ingest send and decrypt and the')} ${b('--data')} ${esc("of the broker commands. A key's value is used only when the command runs with neither its flag nor an alternative to it.")}`,
    '.PP',
    `${esc('The config file is the one named by --config FILE, else by $URCHAIN_CONFIG, else $XDG_CONFIG_HOME/urchain/config.json (~/.config/urchain/config.json; %APPDATA%\\urchain\\config.json on Windows). It is a JSON object of key names and string values; a relative path in it is taken from the folder of the file, and')} ${b('urchain config set')} ${esc('stores paths absolute.')} ${b('urchain config list')} ${esc('shows each key\'s value now and where it comes from (env, file or unset).')}`,
    '.PP',
    `${esc('Options that exclude each other: ')}${esc(groups.join('; '))}${esc('. When one of a group is on the command line, no key of the group is filled in. Otherwise, when several keys of a group are set, the one from the stronger source wins (the environment over the file), and between two of the same source the one named first: a configured node is asked rather than its data folder, and records go to its API rather than its Profichain port.')}`,
    '.PP',
    esc('A value that is not what its key needs (a URL, HOST:PORT, an existing file) stops the command before it runs, with exit 2 and a message naming its source: "URCHAIN_NODE: not a URL: ..." or "config file /etc/urchain/node.json: node: not a URL: ...". Keys of other commands are not read.'),
    '.PP',
    esc('The keys:'),
    ...KEY_NAMES.flatMap((k) => {
      const s = CONFIG_KEYS[k];
      return ['.TP', `.BR ${esc(k)} " (${esc(s.env)})"`, esc(`${s.about[0].toUpperCase()}${s.about.slice(1)}, e.g. ${s.example}: ${s.flag} of ${s.commands.map((c) => `urchain ${c}`).join(', ')}.`)];
    }),
    '.SH ENVIRONMENT',
    '.TP',
    '.B URCHAIN_CONFIG',
    esc('The config file, when --config is not given.'),
    ...KEY_NAMES.flatMap((k) => ['.TP', `.B ${esc(CONFIG_KEYS[k].env)}`, esc(`The key ${k} (see CONFIGURATION): over the config file, under the flag ${CONFIG_KEYS[k].flag}.`)]),
    '.TP',
    '.B URCHAIN_API_TOKEN_FILE',
    esc("The file holding a node's API token, sent by the commands that ask a node (see urchain-api(7))."),
  ];
}
