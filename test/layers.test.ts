/**
 * The house rules of src/ that a reader relies on: no import cycle between folders (a folder
 * imports only lower ones), every file has its @module header, and no file grows past 400 lines.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../support/paths.js';

const src = path.join(root, 'src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** The top folder under src/ a file belongs to ('errors' for src/errors.ts). */
const folderOf = (file: string) => path.relative(src, file).split(path.sep)[0].replace(/\.ts$/, '');

/** Folder -> the folders its files import (type-only imports count: they are a dependency too). */
function folderGraph(): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const f of files(src)) {
    const from = folderOf(f);
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*'(\.[^']+)'/g)) {
      const to = folderOf(path.resolve(path.dirname(f), m[1].replace(/\.js$/, '.ts')));
      if (to !== from) (g.get(from) ?? g.set(from, new Set()).get(from)!).add(to);
    }
  }
  return g;
}

/** The folders on a cycle, as paths "a -> b -> a"; none when the graph is layered. */
export function cycles(g: Map<string, Set<string>>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (v: string) => {
    state.set(v, 'open');
    stack.push(v);
    for (const w of g.get(v) ?? []) {
      if (state.get(w) === 'open') found.push([...stack.slice(stack.indexOf(w)), w].join(' -> '));
      else if (!state.has(w)) visit(w);
    }
    stack.pop();
    state.set(v, 'done');
  };
  for (const v of g.keys()) if (!state.has(v)) visit(v);
  return found;
}

test('the cycle finder finds a cycle and passes a layered graph', () => {
  const g = new Map([['node', new Set(['net'])], ['net', new Set(['node', 'store'])], ['store', new Set<string>()]]);
  assert.equal(cycles(g), ['node -> net -> node']);
  g.get('net')!.delete('node');
  assert.equal(cycles(g), []);
});

test('no import cycle between folders of src/', () => {
  assert.equal(cycles(folderGraph()), []);
});

test('the verifier core imports nothing from the node-side folders', () => {
  const g = folderGraph();
  const core = ['codec', 'crypto', 'merkle', 'chain', 'consensus', 'proof'];
  for (const c of core) for (const to of g.get(c) ?? []) assert.ok(['errors', ...core].includes(to), `${c} imports ${to}`);
});

test('every src file has its @module header and at most 400 lines', () => {
  for (const f of files(src)) {
    const text = fs.readFileSync(f, 'utf8');
    assert.ok(/^\/\*\*\n \* @module /.test(text), `${path.relative(root, f)}: no @module header`);
    const lines = text.split('\n').length - 1;
    assert.ok(lines <= 400, `${path.relative(root, f)}: ${lines} lines`);
  }
});

test.run();
