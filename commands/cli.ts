/**
 * The urchain CLI: registers one clipanion command per file and runs it. `bin/urchain` calls
 * `main()`, which also installs the last-resort handler for unhandled rejections and uncaught
 * exceptions; tests and the docs generator use `cli()` to read the definitions.
 */
import '../src/io/fastCrypto.js'; // OpenSSL for hashing and signatures (DESIGN decision 11)
import { Cli, Builtins } from 'clipanion';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import type { CommandClass as CommandClassOf, BaseContext } from 'clipanion';
import { overview, explainNotFound } from './usage.js';
import { withValueNames } from './valueNames.js';
import { applyConfig, takeConfigFlag } from './config/apply.js';
import type { ConfigContext } from './config/store.js';
import { asUrchainError } from '../src/errors.js';
const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

type CommandClass = CommandClassOf<BaseContext>;

/**
 * Every command: its path and how to load it. A command runs with only its own module loaded, so
 * `urchain verify` does not load LMDB, OPC UA or the network (start-up time is most of what a
 * short command costs). test/cli/startup.test.ts checks this table against the commands' paths.
 * `all` marks a command that needs every definition (completion scripts are made from them);
 * `long` one that runs until stopped.
 */
export const COMMAND_TABLE: { path: string; load: () => Promise<CommandClass>; all?: true; long?: true }[] = [
  { path: 'keygen', load: async () => (await import('./keygen.js')).KeygenCommand },
  { path: 'init', load: async () => (await import('./init.js')).InitCommand },
  { path: 'node run', load: async () => (await import('./node/run.js')).NodeRunCommand, long: true },
  { path: 'ingest send', load: async () => (await import('./ingest/send.js')).IngestSendCommand },
  { path: 'ingest watch', load: async () => (await import('./ingest/watch.js')).IngestWatchCommand, long: true },
  { path: 'ingest epcis', load: async () => (await import('./ingest/epcis.js')).IngestEpcisCommand },
  { path: 'ingest opcua', load: async () => (await import('./ingest/opcua.js')).IngestOpcuaCommand, long: true },
  { path: 'block inspect', load: async () => (await import('./block/inspect.js')).BlockInspectCommand },
  { path: 'prove', load: async () => (await import('./prove.js')).ProveCommand },
  { path: 'verify', load: async () => (await import('./verify.js')).VerifyCommand },
  { path: 'passport', load: async () => (await import('./passport/make.js')).PassportCommand },
  { path: 'passport merge', load: async () => (await import('./passport/merge.js')).PassportMergeCommand },
  { path: 'trace', load: async () => (await import('./trace.js')).TraceCommand },
  { path: 'audit', load: async () => (await import('./audit.js')).AuditCommand },
  { path: 'checkpoint', load: async () => (await import('./checkpoint.js')).CheckpointCommand },
  { path: 'anchor', load: async () => (await import('./anchor.js')).AnchorCommand },
  { path: 'anchor upgrade', load: async () => (await import('./anchor/upgrade.js')).AnchorUpgradeCommand },
  { path: 'status', load: async () => (await import('./status.js')).StatusCommand },
  { path: 'trust export', load: async () => (await import('./trust/export.js')).TrustExportCommand },
  { path: 'completion', load: async () => (await import('./completion.js')).CompletionCommand, all: true },
  { path: 'broker serve', load: async () => (await import('./broker/serve.js')).BrokerServeCommand, long: true },
  { path: 'broker add-network', load: async () => (await import('./broker/add-network.js')).BrokerAddNetworkCommand },
  { path: 'entangle push', load: async () => (await import('./entangle/push.js')).EntanglePushCommand },
  { path: 'entangle pull', load: async () => (await import('./entangle/pull.js')).EntanglePullCommand },
  { path: 'decrypt', load: async () => (await import('./decrypt.js')).DecryptCommand },
  { path: 'member add', load: async () => (await import('./member/add.js')).MemberAddCommand },
  { path: 'member revoke', load: async () => (await import('./member/revoke.js')).MemberRevokeCommand },
  { path: 'member list', load: async () => (await import('./member/list.js')).MemberListCommand },
  { path: 'peers', load: async () => (await import('./peers.js')).PeersCommand },
  { path: 'config set', load: async () => (await import('./config/set.js')).ConfigSetCommand },
  { path: 'config get', load: async () => (await import('./config/get.js')).ConfigGetCommand },
  { path: 'config unset', load: async () => (await import('./config/unset.js')).ConfigUnsetCommand },
  { path: 'config list', load: async () => (await import('./config/list.js')).ConfigListCommand },
  { path: 'backup', load: async () => (await import('./backup.js')).BackupCommand },
  { path: 'restore', load: async () => (await import('./restore.js')).RestoreCommand },
  { path: 'migrate', load: async () => (await import('./migrate.js')).MigrateCommand },
  { path: 'archive export', load: async () => (await import('./archive/export.js')).ArchiveExportCommand },
  { path: 'demo', load: async () => (await import('./demo.js')).DemoCommand },
  { path: 'graphql schema', load: async () => (await import('./graphql/schema.js')).GraphqlSchemaCommand },
];

/** Every command class, in the table's order (for help, the overview, docs and completions). */
export function loadCommands(): Promise<CommandClass[]> {
  return Promise.all(COMMAND_TABLE.map((e) => e.load()));
}

/** The table entry whose path the arguments start with (the longest), if any. */
export function commandFor(argv: string[]): (typeof COMMAND_TABLE)[number] | undefined {
  let best: (typeof COMMAND_TABLE)[number] | undefined;
  for (const e of COMMAND_TABLE) {
    const words = e.path.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.path.split(' ').length)) best = e;
  }
  return best;
}

/**
 * clipanion's Cli with value names in help: it writes an option that takes a value as `--data #0`;
 * here it reads `--data DIR` (valueNames.ts). Help, definitions (man pages, completions) and the
 * overview read usage through getUsageByIndex; usage errors are built elsewhere and pass error().
 */
class UrchainCli extends Cli {
  protected override getUsageByIndex(...args: Parameters<Cli['getUsageByIndex']>): ReturnType<Cli['getUsageByIndex']> {
    const { usage, options } = super.getUsageByIndex(...args);
    const path = /^urchain((?: [a-z][a-z-]*)*)/.exec(usage)?.[1].trim();
    return { usage: withValueNames(usage, path), options: options.map((o) => ({ ...o, definition: withValueNames(o.definition, path) })) };
  }
  override error(...args: Parameters<Cli['error']>): string {
    return withValueNames(super.error(...args));
  }
}

/** A Cli with these commands (default: none) and the built-in help and version. */
export function cli(commands: CommandClass[] = []): Cli {
  const c = new UrchainCli({ binaryLabel: 'urchain', binaryName: 'urchain', binaryVersion: pkg.version, enableColors: !!process.stdout.isTTY && !process.env.NO_COLOR });
  for (const C of commands) c.register(C);
  c.register(Builtins.HelpCommand);
  c.register(Builtins.VersionCommand);
  return c;
}

export async function main(argv: string[]): Promise<void> {
  installLastResort();
  // Configuration (commands/config/apply.ts): --config FILE belongs to urchain, not to the
  // command; keys from the environment or the config file become flags the user did not give.
  const context: ConfigContext = { ...Cli.defaultContext };
  let hit: (typeof COMMAND_TABLE)[number] | undefined;
  try {
    const taken = takeConfigFlag(argv);
    context.configFile = taken.configFile;
    hit = commandFor(taken.argv);
    argv = hit ? (await applyConfig(hit.path, taken.argv, process.env, taken.configFile)).args : taken.argv;
  } catch (e) {
    const err = asUrchainError(e);
    if (argv.includes('--json')) process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message } }) + '\n');
    process.stderr.write(`urchain: ${err.message}\n`);
    process.exitCode = err.spec.exit;
    return;
  }
  // A one-shot command that makes an HTTP request (undici's parser is WebAssembly) would wait about
  // half a second at exit for V8 to finish optimising that parser in the background, work it never
  // uses. Liftoff, V8's baseline WebAssembly compiler, alone: the process ends when the command does.
  if (!hit?.long) v8.setFlagsFromString('--liftoff-only');
  // Load only the command that runs; help, the overview and "did you mean" need them all.
  const c = cli(hit && !hit.all ? [await hit.load()] : argv.length === 1 && /^(-v|--version)$/.test(argv[0]) ? [] : await loadCommands());
  if (argv.length === 0) {
    // As git does: what there is to run, and a non-zero exit (nothing was done).
    process.stdout.write(overview(c));
    process.exitCode = 2;
    return;
  }
  let command: ReturnType<Cli['process']>;
  try {
    command = c.process(argv, context); // parse first: bad usage exits 2, not clipanion's 1
  } catch (e) {
    const notFound = (e as Error).name === 'UnknownSyntaxError' && /Command not found/.test((e as Error).message);
    process.stderr.write((notFound && explainNotFound(c, argv)) || c.error(e));
    process.exitCode = 2;
    return;
  }
  // The parsed command, not argv again: clipanion would build its parser a second time.
  process.exitCode = await c.run(command, context);
  // The command is done (long-running ones return only after SIGINT/SIGTERM or a failed start).
  // Every command closes what it opened; should a socket or timer still hold the event loop,
  // the process still ends, with the command's exit code, instead of half-running.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}

/** How long a finished command may take to let go of its last handles. */
export const EXIT_GRACE_MS = 500;

/**
 * The last resort: a promise nobody handled or an exception nobody caught means a bug, and the
 * process is in a state nobody planned for. Say so in one line on stderr and exit with 1; exit
 * handlers still run (the data-folder lock is released), and every record acknowledged before is
 * durable already, so nothing acknowledged is lost.
 */
export function installLastResort(): void {
  let dying = false;
  const die = (what: string) => (e: unknown) => {
    if (dying) return;
    dying = true;
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    try {
      process.stderr.write(`urchain: internal error (${what}): ${message}; exiting\n`);
    } catch {
      /* stderr gone: exit anyway */
    }
    process.exit(1);
  };
  process.on('unhandledRejection', die('unhandled rejection'));
  process.on('uncaughtException', die('uncaught exception'));
}
