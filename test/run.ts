/**
 * Runs every uvu test file under dist/test and ends with the plain line `N passed, N failed`
 * that CI reads. uvu prints its own totals; this wrapper only restates them in that form.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const pattern = `${process.argv[2] ?? ''}.*\\.test\\.js$`;
// Every test file runs on the OpenSSL backend, as the CLI does (src/io/fastCrypto.ts).
const fast = pathToFileURL(path.join(root, 'dist/src/io/fastCrypto.js')).href;
// The tests and every urchain they start see no configuration of the user who runs them: no
// URCHAIN_* variable, and a config folder of their own (tests that need one set it themselves).
const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
for (const k of Object.keys(env)) if (k.startsWith('URCHAIN_')) delete env[k];
env.XDG_CONFIG_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-test-config-'));
const child = spawn(process.execPath, ['--import', fast, path.join(root, 'node_modules/uvu/bin.js'), path.join('dist', 'test'), pattern, '-c', 'false'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env,
});
let out = '';
child.stdout.on('data', (d: Buffer) => {
  out += d.toString();
  process.stdout.write(d);
});
child.on('close', (code) => {
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  let failed = total - passed - skipped;
  if (code !== 0 && failed === 0) failed = 1; // a crash before the summary is still a failure
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  fs.rmSync(env.XDG_CONFIG_HOME!, { recursive: true, force: true });
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
