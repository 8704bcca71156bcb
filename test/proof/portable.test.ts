/**
 * The verifier core runs anywhere (DESIGN decision 15): src/proof and everything it loads
 * (codec, crypto, merkle, chain, consensus) use Uint8Array only. One test loads src/proof in a
 * fresh Node process with `globalThis.Buffer` deleted and no fast backend registered, as a
 * browser would, and verifies the countersigned proof vector; another reads those folders so
 * that a `Buffer` or a `node:` import cannot come back unnoticed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, runModule } from '../helpers.js';

/** The folders the offline verifier is built from (src/proof and what it imports). */
const CORE = ['src/codec', 'src/crypto', 'src/merkle', 'src/chain', 'src/consensus', 'src/proof'];


test('src/proof verifies the countersigned vector with globalThis.Buffer deleted and no node:crypto backend', async () => {
  const dist = (rel: string) => JSON.stringify(pathToFileURL(path.join(root, 'dist', rel)).href);
  const vectors = JSON.stringify(path.join(root, 'test/vectors/proofs.json'));
  const source = `
    import fs from 'node:fs';
    const golden = JSON.parse(fs.readFileSync(${vectors}, 'utf8'));
    delete globalThis.Buffer;
    if (typeof Buffer !== 'undefined') throw new Error('Buffer still there');
    const { verifyProof } = await import(${dist('src/proof/proof.js')});
    const { checkTrustList } = await import(${dist('src/proof/trust.js')});
    const { backend } = await import(${dist('src/crypto/backend.js')});
    const ok = verifyProof(golden.countersigned, checkTrustList(golden.trust));
    const bad = structuredClone(golden.countersigned);
    bad.payload = 'dG9ycXVlIDQzIE5t';
    const tampered = verifyProof(bad, checkTrustList(golden.trust));
    console.log(JSON.stringify({ backend: backend.name, ok, tampered }));
  `;
  const r = await runModule(source);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.backend, 'portable');
  assert.is(out.ok.valid, true, JSON.stringify(out.ok));
  assert.is(out.ok.trusted, true);
  assert.is(out.ok.countersignedBy[0].partner, 'plant-b');
  assert.is(out.tampered.valid, false);
  assert.is(out.tampered.failed, 'payload');
});

test('the core folders name no Buffer and import no node: module', () => {
  const offences: string[] = [];
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  const files = CORE.flatMap(walk);
  assert.ok(files.length > 20, `found only ${files.length} files`);
  for (const f of files) {
    fs.readFileSync(path.join(root, f), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/\bBuffer\b/.test(line) || /from\s+['"]node:|import\(\s*['"]node:|require\(|getBuiltinModule/.test(line)) offences.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.equal(offences, [], offences.join('\n'));
});

test.run();
