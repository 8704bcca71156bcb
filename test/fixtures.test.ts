/**
 * Dependencies between the folders outside src/: test/ may import the shared fixtures in
 * support/, but bench/, scripts/ and support/ import nothing from test/ (a test helper that
 * changes for a test must not change a benchmark, the fuzzer or the vector files).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { root } from './helpers.js';

/** Every .ts file under `dir`, as a path relative to the root. */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** The relative module specifiers of a file: static imports and re-exports, and import('…'). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) found.push(m[1]);
  return found.filter((s) => s.startsWith('.'));
}

test('bench/, scripts/ and support/ import nothing from test/', () => {
  const files = ['bench', 'scripts', 'support'].flatMap(sources);
  assert.ok(files.length > 10, `found only ${files.length} files`);
  const bad: string[] = [];
  for (const f of files) {
    for (const s of specifiers(fs.readFileSync(path.join(root, f), 'utf8'))) {
      const target = path.relative(root, path.resolve(path.dirname(path.join(root, f)), s));
      if (target === 'test' || target.startsWith(`test${path.sep}`)) bad.push(`${f} imports ${s}`);
    }
  }
  assert.equal(bad, []);
});

test('the import scan sees static, re-export and dynamic imports', () => {
  const text = `import a from '../test/a.js';\nexport { b } from "../test/b.js";\nconst c = await import('../test/c.js');\nimport '../test/d.js';\nimport x from 'node:fs';`;
  assert.equal(specifiers(text), ['../test/a.js', '../test/b.js', '../test/c.js', '../test/d.js']);
});

/**
 * Runs test/fixtureExit.ts, which starts a child and ends by `how`; resolves with its exit code
 * once its stdout closes, which the child holds open for as long as it lives.
 */
function endFixture(how: 'exit' | 'throw' | 'SIGINT'): Promise<{ code: number | null; closed: boolean }> {
  const p = spawn(process.execPath, [path.join(root, 'dist', 'test', 'fixtureExit.js'), how], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((r) => p.on('exit', (code, sig) => r(code ?? (sig ? -1 : null))));
  let pid = 0;
  p.stdout.on('data', (d) => {
    pid ||= Number(String(d).trim());
    if (how === 'SIGINT' && pid) p.kill('SIGINT');
  });
  const closed = new Promise<boolean>((r) => p.stdout.on('close', () => r(true)));
  let t: NodeJS.Timeout | undefined;
  // The child is left running when no hook killed it: the pipe then stays open; kill it by pid.
  const stuck = new Promise<boolean>((r) => (t = setTimeout(() => (pid && process.kill(pid, 'SIGKILL'), r(false)), 10_000)));
  return Promise.race([closed, stuck]).then(async (c) => (clearTimeout(t), { code: await exited, closed: c }));
}

for (const [how, code] of [['exit', 0], ['throw', 1], ['SIGINT', 130]] as const)
  test(`a child started through the registry dies with its parent (${how})`, async () => {
    const r = await endFixture(how);
    assert.ok(r.closed, 'the child outlived its parent');
    assert.is(r.code, code);
  });

test.run();
