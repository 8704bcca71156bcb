/**
 * The one table of configuration keys: for each key its environment variable, what its value
 * must be, the flag it stands for and the commands where that flag means the same thing. A key
 * is put on a command line only where it is listed here; test/cli/config.test.ts checks every
 * (command, flag) pair against the real command definitions, so the table cannot rot.
 *
 * A command that takes a key's flag with another meaning is listed in OTHER_MEANING instead, and
 * the test fails for a command in neither: a new command must decide.
 */
import type { ValueKind } from '../../src/io/configFile.js';
import { UrchainError } from '../../src/errors.js';

export interface KeySpec {
  env: string;
  kind: ValueKind;
  /** The flag the key stands for; `aliases` are other spellings of the same option. */
  flag: string;
  aliases?: readonly string[];
  /** Command paths ("ingest send") where the flag has the key's meaning. */
  commands: readonly string[];
  /** One line for `urchain config --help` and urchain(1). */
  about: string;
  example: string;
}

const READERS = ['status', 'prove', 'trace', 'passport', 'block inspect', 'trust export', 'checkpoint', 'anchor', 'archive export'] as const;
/** Readers that also read a PostgreSQL store (--store). */
const STORE_READERS: readonly string[] = ['status', 'prove', 'trace'];
const SENDERS = ['ingest send', 'ingest watch', 'ingest opcua', 'ingest epcis'] as const;
const ENTANGLE = ['entangle push', 'entangle pull'] as const;

export const CONFIG_KEYS = {
  node: {
    env: 'URCHAIN_NODE',
    kind: 'url',
    flag: '--node',
    commands: [...READERS, 'peers', ...SENDERS, ...ENTANGLE],
    about: 'URL of the node API to ask and to send records to',
    example: 'http://127.0.0.1:7400',
  },
  profichain: {
    env: 'URCHAIN_PROFICHAIN',
    kind: 'hostPort',
    flag: '--profichain',
    commands: SENDERS,
    about: "HOST:PORT of a node's Profichain port to send records to",
    example: '127.0.0.1:7600',
  },
  data: {
    env: 'URCHAIN_DATA',
    kind: 'dir',
    flag: '--data',
    commands: ['node run', 'init', 'audit', 'backup', 'migrate', 'anchor upgrade', ...READERS],
    about: "the node's data folder",
    example: '/var/lib/urchain/node',
  },
  broker: { env: 'URCHAIN_BROKER', kind: 'url', flag: '--broker', commands: ENTANGLE, about: 'URL of the broker between companies', example: 'https://broker.example:7443' },
  'broker-ca': {
    env: 'URCHAIN_BROKER_CA',
    kind: 'file',
    flag: '--broker-ca',
    commands: ENTANGLE,
    about: "PEM file of the broker's certificate authority",
    example: '/etc/urchain/broker-ca.pem',
  },
  key: {
    env: 'URCHAIN_KEY',
    kind: 'file',
    flag: '--key',
    aliases: ['--chain-key'],
    commands: ENTANGLE,
    about: 'the chain key file entangle push and pull sign with',
    example: '/var/lib/urchain/node.key',
  },
  partners: { env: 'URCHAIN_PARTNERS', kind: 'file', flag: '--partners', commands: ENTANGLE, about: 'the partners file', example: '/etc/urchain/partners.json' },
  trust: { env: 'URCHAIN_TRUST', kind: 'file', flag: '--trust', commands: ['verify'], about: 'the trust list verify checks proofs against', example: '/etc/urchain/trust.json' },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export const KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];

/**
 * Same flag, other meaning: never filled in from the key. `node run --profichain` serves on
 * HOST:PORT (the key says where to send to); `ingest send --key` is an idempotency key and
 * `decrypt --key` an AES key file (the key `key` is the chain key file); the broker's `--data` is
 * the broker's folder (the key `data` is a node's); `restore --data` is the folder to write a
 * backup into, which must always be typed (a configured node folder is the last place to restore
 * into by accident). `checkpoint --key` is the chain key, but only with --data (where DIR/node.key
 * is its default): filled in from the key it would break every `checkpoint --node`; the same for
 * `anchor --key` and `archive export --key`. `entangle
 * push/pull --data` is the node's folder, but it switches the C2SP exchange on (message version 2,
 * which partners on an older release refuse): it must be asked for on the command line.
 */
export const OTHER_MEANING: Readonly<Record<string, readonly string[]>> = {
  'node run': ['--profichain'],
  'ingest send': ['--key'],
  decrypt: ['--key'],
  'broker serve': ['--data'],
  'broker add-network': ['--data'],
  restore: ['--data'],
  checkpoint: ['--key'],
  anchor: ['--key'],
  'archive export': ['--key'],
  passport: ['--trust'], // the list embedded in its --html page, which verify's key must not supply
  'entangle push': ['--data'],
  'entangle pull': ['--data'],
};

/**
 * Options that exclude each other on a command: when the user gives any of them on the command
 * line, no key of the group is added. When none is given and several keys of the group have a
 * value, the one from the stronger source wins (environment over file); between two of the same
 * source the key listed first wins (`node`: the running node is asked rather than its folder,
 * and records go to its API rather than its Profichain port). `flags` are further options that
 * exclude the group's keys without being keys themselves.
 */
export interface ExclusiveGroup {
  commands: readonly string[];
  keys: readonly ConfigKey[];
  flags?: readonly string[];
}

export const EXCLUSIVE: readonly ExclusiveGroup[] = [
  { commands: READERS.filter((c) => !STORE_READERS.includes(c)), keys: ['node', 'data'] },
  // --store (a PostgreSQL store) replaces the data folder of the readers that take it, and of audit.
  { commands: STORE_READERS, keys: ['node', 'data'], flags: ['--store'] },
  { commands: ['audit'], keys: ['data'], flags: ['--store'] },
  { commands: SENDERS, keys: ['node', 'profichain'] },
  { commands: ['verify'], keys: ['trust'], flags: ['--no-trust'] },
];

/** The key named `k`; BAD_INPUT naming every key when there is none. */
export function configKey(k: string): ConfigKey {
  if (!(KEY_NAMES as string[]).includes(k)) throw UrchainError.BAD_INPUT(`unknown key ${JSON.stringify(k)}; the keys are ${KEY_NAMES.join(', ')}`);
  return k as ConfigKey;
}

/** The keys, their variables and the commands that take them, as help text (config --help, urchain(1)). */
export function keysHelp(): string {
  return `Keys: ${KEY_NAMES.map((k) => {
    const s = CONFIG_KEYS[k];
    return `\`${k}\` (${s.env}; ${s.flag} of ${s.commands.join(', ')}): ${s.about}`;
  }).join('; ')}.`;
}
