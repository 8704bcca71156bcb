/** Writes test/vectors/formats.json (run after an intended format change: `npm run vectors`). */
import fs from 'node:fs';
import path from 'node:path';
import { buildFormatVectors } from '../test/formatVectors.js';
import { root } from '../test/helpers.js';

const file = path.join(root, 'test', 'vectors', 'formats.json');
fs.writeFileSync(file, JSON.stringify(buildFormatVectors(), null, 2) + '\n');
console.log(file);
