/**
 * The passport verifier runs without Node (DESIGN decision 15): src/proof/passport*.ts loaded in
 * a fresh process with globalThis.Buffer deleted and no OpenSSL backend, as in the browser page,
 * verifies a two-company passport and a countersigned proof, and names the check a changed byte
 * fails. Its verdicts equal this process's (OpenSSL backend, Buffer present).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, tmpDir, cleanup, runModule } from '../helpers.js';
import { twoCompanyPassports, flip } from './passportMake.js';
import { mergePassports, verifyDocumentText } from '../../src/proof/passportVerify.js';
import { passportText } from '../../src/proof/passport.js';


test('passports and proofs verify with Buffer deleted and the portable backend, with the same verdicts', async () => {
  const fx = twoCompanyPassports();
  const merged = passportText(mergePassports([fx.a, fx.b]));
  const i = merged.lastIndexOf('"payload":"') + 14; // a record's payload (records come last)
  const docs = [merged, merged.slice(0, i) + flip(merged[i]) + merged.slice(i + 1), JSON.stringify(fx.aProofs[0]), JSON.stringify({ ...fx.aProofs[0], payload: 'dG9ycXVlIDQzIE5t' })];
  const dir = tmpDir();
  try {
    const file = path.join(dir, 'docs.json');
    fs.writeFileSync(file, JSON.stringify({ docs, trust: fx.trust }));
    const dist = (rel: string) => JSON.stringify(pathToFileURL(path.join(root, 'dist', rel)).href);
    const r = await runModule(`
      import fs from 'node:fs';
      const { docs, trust } = JSON.parse(fs.readFileSync(${JSON.stringify(file)}, 'utf8'));
      delete globalThis.Buffer;
      if (typeof Buffer !== 'undefined') throw new Error('Buffer still there');
      const { verifyDocumentText } = await import(${dist('src/proof/passportVerify.js')});
      const { checkTrustList } = await import(${dist('src/proof/trust.js')});
      const { backend } = await import(${dist('src/crypto/backend.js')});
      const out = docs.map((d) => verifyDocumentText(d, checkTrustList(trust)));
      console.log(JSON.stringify({ backend: backend.name, out }));
    `);
    assert.is(r.code, 0, r.stderr);
    const child = JSON.parse(r.stdout);
    assert.is(child.backend, 'portable');
    const here = docs.map((d) => verifyDocumentText(d, fx.trust));
    assert.equal(child.out, JSON.parse(JSON.stringify(here)), 'the same answers, field for field');
    assert.equal(child.out.map((x: any) => `${x.kind} ${x.result.valid} ${x.result.failed ?? ''}`), ['passport true ', 'passport false payload', 'proof true ', 'proof false payload']);
  } finally {
    cleanup();
  }
});

test.run();
