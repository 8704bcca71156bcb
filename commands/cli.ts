/**
 * The urchain CLI: registers one clipanion command per file and runs it. `bin/urchain` calls
 * `main()`; tests and the docs generator use `cli()` to read the definitions.
 */
import { Cli, Builtins } from 'clipanion';
import { createRequire } from 'node:module';
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
];

export function cli(): Cli {
  const c = new Cli({ binaryLabel: 'urchain', binaryName: 'urchain', binaryVersion: pkg.version, enableColors: !!process.stdout.isTTY && !process.env.NO_COLOR });
  for (const C of COMMANDS) c.register(C);
  c.register(Builtins.HelpCommand);
  c.register(Builtins.VersionCommand);
  return c;
}

export async function main(argv: string[]): Promise<void> {
  const c = cli();
  try {
    c.process(argv, Cli.defaultContext); // parse first: bad usage exits 2, not clipanion's 1
  } catch (e) {
    process.stderr.write(c.error(e));
    process.exitCode = 2;
    return;
  }
  process.exitCode = await c.run(argv, Cli.defaultContext);
}
