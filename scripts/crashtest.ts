/**
 * `npm run crashtest`: N cycles (default 100) of kill -9 of a real node child process under
 * HTTP, batch, Profichain and folder-watch load, restarting it on the same folder each time;
 * then every receipt is checked against the chain, duplicates are counted and `urchain audit`
 * runs (support/crashCycle.ts does the work). Prints one JSON document; exits 1 unless nothing was
 * lost, nothing stored twice and the audit passed.
 *
 *   node dist/scripts/crashtest.js [--cycles N] [--http N] [--batch N] [--profichain N] [--merge-at N] [--keep]
 */
import '../src/io/fastCrypto.js'; // OpenSSL signing and sealing, as the CLI has
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crashCycles } from '../support/crashCycle.js';
import { killChildren } from '../support/children.js';

const args = process.argv.slice(2);
const num = (k: string, d: number) => {
  const i = args.indexOf(k);
  const v = i >= 0 ? Number(args[i + 1]) : d;
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`crashtest: ${k} expects a whole number\n`);
    process.exit(2);
  }
  return v;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-crash-'));
let code = 1;
try {
  const r = await crashCycles({
    dir,
    cycles: num('--cycles', 100),
    http: num('--http', 8),
    batch: num('--batch', 2),
    profichain: num('--profichain', 2),
    mergeAt: num('--merge-at', 4096),
    log: (l) => process.stderr.write(`crashtest: ${l}\n`),
  });
  console.log(JSON.stringify(r));
  code = r.lost === 0 && r.duplicates === 0 && r.audit.ok ? 0 : 1;
} catch (e) {
  process.stderr.write(`crashtest: ${(e as Error).stack}\n`);
} finally {
  killChildren();
  if (args.includes('--keep')) process.stderr.write(`crashtest: data kept in ${dir}\n`);
  else fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
