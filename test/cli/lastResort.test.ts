/**
 * The CLI's last resort: in a process started through `main()` (what bin/urchain runs), an
 * unhandled rejection or an uncaught exception is logged as one line on stderr and the process
 * exits 1, releasing its data-folder lock, instead of dying with a stack trace or running on.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { tmpDir, cleanup, root } from '../helpers.js';

const R = suite('cli last resort');
R.after(cleanup);

/**
 * A script that runs `urchain node run` through the CLI's own main(), waits for the node's
 * `started` event on its stdout, then runs `fault` outside any handler.
 */
function script(dir: string, fault: string): string {
  const cli = pathToFileURL(path.join(root, 'dist', 'commands', 'cli.js')).href;
  const file = path.join(dir, 'fault.mjs');
  fs.writeFileSync(
    file,
    `import { main } from ${JSON.stringify(cli)};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (String(chunk).includes('"event":"started"')) setImmediate(() => { ${fault} });
  return write(chunk, ...rest);
};
void main(['node', 'run', '--data', ${JSON.stringify(path.join(dir, 'data'))}, '--api', '127.0.0.1:0', '--json']);
`,
  );
  return file;
}

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 20_000); // a process that runs on is the failure
    p.on('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code: signal ? -1 : code, stdout, stderr });
    });
  });
}

for (const [what, fault, line] of [
  ['unhandled rejection', "Promise.reject(new Error('boom\\nsecond line'))", 'urchain: internal error (unhandled rejection): boom; exiting'],
  ['uncaught exception', "throw new Error('bang')", 'urchain: internal error (uncaught exception): bang; exiting'],
] as const) {
  R(`an ${what} in a running node: one line on stderr, exit 1, lock released`, async () => {
    const dir = tmpDir();
    const r = await run(script(dir, fault));
    assert.match(r.stdout, /"event":"started"/, r.stderr);
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stderr, line + '\n');
    assert.not.ok(fs.existsSync(path.join(dir, 'data', 'node.pid')), 'the lock outlived the process');
  });
}

R.run();
