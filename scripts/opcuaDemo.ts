/**
 * A stand-alone demo OPC UA server, for the README (and anyone trying `urchain ingest opcua`
 * without a PLC): the test suite's server (support/opcuaServer.ts) on 127.0.0.1 and a free port,
 * with the variables ns=1;s=Counter and ns=1;s=Temperature changing every 50 ms. It prints its
 * endpoint as one line once it listens (so a script can wait for that line) and runs until
 * SIGINT or SIGTERM. Its certificate store lives in a temp folder, removed on exit.
 *
 *   node dist/scripts/opcuaDemo.js [--interval 50]
 */
import '../src/io/fastCrypto.js'; // every entry point loads the OpenSSL backend first
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOpcuaServer } from '../support/opcuaServer.js';

const i = process.argv.indexOf('--interval');
const intervalMs = i >= 0 ? Number(process.argv[i + 1]) : 50;
if (!Number.isInteger(intervalMs) || intervalMs < 1) {
  process.stderr.write('opcuaDemo: --interval expects milliseconds, a whole number from 1\n');
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-opcua-demo-'));
const server = await startOpcuaServer(dir, { intervalMs });
process.stdout.write(`${server.endpoint}\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
