/**
 * Where the checkout is, for tests, the bench and the scripts (this file compiles to
 * dist/support/, two levels below the root).
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The CLI launcher every child process runs. */
export const bin = path.join(root, 'bin', 'urchain');
