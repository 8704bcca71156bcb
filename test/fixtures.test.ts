/**
 * Dependencies between the folders outside src/: test/ may import the shared fixtures in
 * support/, but bench/, scripts/ and support/ import nothing from test/ (a test helper that
 * changes for a test must not change a benchmark, the fuzzer or the vector files).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
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

test.run();
