/**
 * The urchain CLI: registers one clipanion command per file and runs it. `bin/urchain` calls
 * `main()`, which also installs the last-resort handler for unhandled rejections and uncaught
 * exceptions; tests and the docs generator use `cli()` to read the definitions.
 */
import '../src/io/fastCrypto.js'; // OpenSSL for hashing and signatures (DESIGN decision 11)
import { Cli, Builtins } from 'clipanion';
import { createRequire } from 'node:module';
import { overview, explainNotFound } from './usage.js';
import { KeygenCommand } from './keygen.js';
import { InitCommand } from './init.js';
import { NodeRunCommand } from './node/run.js';
import { IngestSendCommand } from './ingest/send.js';
import { IngestWatchCommand } from './ingest/watch.js';
import { IngestOpcuaCommand } from './ingest/opcua.js';
import { BlockInspectCommand } from './block/inspect.js';
import { ProveCommand } from './prove.js';
import { VerifyCommand } from './verify.js';
import { TraceCommand } from './trace.js';
import { AuditCommand } from './audit.js';
import { BackupCommand } from './backup.js';
import { RestoreCommand } from './restore.js';
import { MigrateCommand } from './migrate.js';
import { StatusCommand } from './status.js';
import { TrustExportCommand } from './trust/export.js';
import { CompletionCommand } from './completion.js';
import { BrokerServeCommand } from './broker/serve.js';
import { DecryptCommand } from './decrypt.js';
import { MemberAddCommand } from './member/add.js';
import { MemberRevokeCommand } from './member/revoke.js';
import { MemberListCommand } from './member/list.js';
import { PeersCommand } from './peers.js';
import { BrokerAddNetworkCommand } from './broker/add-network.js';
import { EntanglePushCommand } from './entangle/push.js';
import { EntanglePullCommand } from './entangle/pull.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export const COMMANDS = [
  KeygenCommand,
  InitCommand,
  NodeRunCommand,
  IngestSendCommand,
  IngestWatchCommand,
  IngestOpcuaCommand,
  BlockInspectCommand,
  ProveCommand,
  VerifyCommand,
  TraceCommand,
  AuditCommand,
  StatusCommand,
  TrustExportCommand,
  CompletionCommand,
  BrokerServeCommand,
  BrokerAddNetworkCommand,
  EntanglePushCommand,
  EntanglePullCommand,
  DecryptCommand,
  MemberAddCommand,
  MemberRevokeCommand,
  MemberListCommand,
  PeersCommand,
  BackupCommand,
  RestoreCommand,
  MigrateCommand,
];

export function cli(): Cli {
  const c = new Cli({ binaryLabel: 'urchain', binaryName: 'urchain', binaryVersion: pkg.version, enableColors: !!process.stdout.isTTY && !process.env.NO_COLOR });
  for (const C of COMMANDS) c.register(C);
  c.register(Builtins.HelpCommand);
  c.register(Builtins.VersionCommand);
  return c;
}

export async function main(argv: string[]): Promise<void> {
  installLastResort();
  const c = cli();
  if (argv.length === 0) {
    // As git does: what there is to run, and a non-zero exit (nothing was done).
    process.stdout.write(overview(c));
    process.exitCode = 2;
    return;
  }
  try {
    c.process(argv, Cli.defaultContext); // parse first: bad usage exits 2, not clipanion's 1
  } catch (e) {
    const notFound = (e as Error).name === 'UnknownSyntaxError' && /Command not found/.test((e as Error).message);
    process.stderr.write((notFound && explainNotFound(c, argv)) || c.error(e));
    process.exitCode = 2;
    return;
  }
  process.exitCode = await c.run(argv, Cli.defaultContext);
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
