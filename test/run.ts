/**
 * Runs every uvu test file under dist/test and ends with the plain line `N passed, N failed`
 * that CI reads. uvu prints its own totals; this wrapper only restates them in that form.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const pattern = `${process.argv[2] ?? ''}.*\\.test\\.js$`;
// Every test file runs on the OpenSSL backend, as the CLI does (src/io/fastCrypto.ts).
const fast = pathToFileURL(path.join(root, 'dist/src/io/fastCrypto.js')).href;
const child = spawn(process.execPath, ['--import', fast, path.join(root, 'node_modules/uvu/bin.js'), path.join('dist', 'test'), pattern, '-c', 'false'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0' },
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
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
