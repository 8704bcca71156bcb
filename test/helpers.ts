/**
 * Test helpers: vector files and hex, plus the shared fixtures of support/ (processes that
 * always stop, temp folders that are removed, memory of a child) re-exported for the tests.
 * support/ is what bench/ and scripts/ import too; nothing outside test/ imports from test/.
 */
import '../src/io/fastCrypto.js'; // tests and the scripts that use these helpers run on OpenSSL, as the CLI does
import path from 'node:path';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { root } from '../support/paths.js';
import { isUrchainError } from '../src/errors.js';

export { root, bin } from '../support/paths.js';
export { tmpDir, cleanup, diskBytes } from '../support/tmp.js';
export { peakRss, rss, resetPeakRss } from '../support/rss.js';
export {
  startNode,
  startBroker,
  spawnCli,
  cli,
  cleanupAfter,
  adopt,
  stopChildren,
  killChildren,
  type RunningNode,
  type RunningBroker,
  type RunningCli,
  type StartOptions,
  type Closable,
} from '../support/children.js';

export function vector<T = any>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', name), 'utf8')) as T;
}

export const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The UrchainError code `f` throws, or 'none' when it returns; anything else is rethrown. */
export function errorCodeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isUrchainError(e)) return e.code;
    throw e;
  }
  return 'none';
}

/**
 * Runs ES module source text in a fresh Node process (`node --input-type=module -e`): one without
 * this process's Buffer and OpenSSL backend, for the tests that run the verifier core as a browser
 * would. Resolves with its exit code and output.
 */
export function runModule(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
