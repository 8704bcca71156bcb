/**
 * Test helpers: the repo root, vector files, temp dirs that clean up after themselves.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function vector<T = any>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', name), 'utf8')) as T;
}

const made: string[] = [];
export function tmpDir(prefix = 'urchain-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
