import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { generate } from '../scripts/gendocs.js';
import { root, vector } from './helpers.js';

const files = generate(root);

test('man pages and completions are current (run `npm run docs` after changing a command)', () => {
  for (const [file, text] of files) {
    assert.ok(fs.existsSync(file), `${path.relative(root, file)} is missing`);
    assert.ok(fs.readFileSync(file, 'utf8') === text, `${path.relative(root, file)} is out of date`);
  }
});

test('every command has a man page and an example', () => {
  const pages = [...files.keys()].filter((f) => f.endsWith('.1')).map((f) => path.basename(f));
  for (const p of ['urchain.1', 'urchain-keygen.1', 'urchain-node-run.1', 'urchain-ingest-send.1', 'urchain-ingest-watch.1', 'urchain-block-inspect.1', 'urchain-prove.1', 'urchain-verify.1', 'urchain-trace.1', 'urchain-audit.1', 'urchain-init.1'])
    assert.ok(pages.includes(p), p);
  for (const [f, text] of files) if (f.endsWith('.1') && !f.endsWith('urchain.1')) assert.match(text, /\.SH EXAMPLES/, f);
});

test('urchain-formats(5) carries every vector', () => {
  const page = files.get(path.join(root, 'man', 'urchain-formats.5'))!.replace(/\n/g, '');
  const v = vector('formats.json');
  for (const hex of [v.params.cbor, v.params.chainId, v.genesis.cbor, v.transactions[0].core, v.transactions[0].txId, v.batch.head, v.batch.signature, v.block.cbor, v.block.hash, v.block.signature, v.checkpoint.signed, v.request.signature, v.x25519Public])
    assert.ok(page.includes(hex), hex.slice(0, 16));
});

test('the bash completion script is valid bash and lists the commands', () => {
  const bash = files.get(path.join(root, 'completions', 'urchain.bash'))!;
  const r = spawnSync('bash', ['-n'], { input: bash });
  assert.is(r.status, 0, String(r.stderr));
  for (const c of ['keygen', 'verify', 'prove', 'audit', 'inspect', '--stripped', '--trust']) assert.ok(bash.includes(c), c);
  const fish = files.get(path.join(root, 'completions', 'urchain.fish'))!;
  assert.ok(fish.includes("-a 'inspect'"));
});

test.run();
