/**
 * The verifier page in a real browser: Debian's chromium driven by playwright-core, one browser
 * and one page per document. Over a hundred proofs and passports, valid and with one byte
 * changed, each written as a page by `urchain verify --html`: the page's verdict (valid, and the
 * failed check) equals what the same `urchain verify` printed, no request leaves the page, and
 * a file dropped in (picked) is verified at once. Screenshots of a valid and a tampered passport
 * go to the test's temp dir. Under CI a missing chromium fails the test; elsewhere it skips.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { cleanupAfter, tmpDir, cli } from '../helpers.js';
import { twoCompanyPassports, flip } from '../proof/passportMake.js';
import { passportText, buildPassport } from '../../src/proof/passport.js';
import { verifierPage } from '../../src/passport/html.js';
import { TestChain, signer } from '../../support/proofChain.js';
import { toHex } from '../../src/codec/bytes.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const B = suite('verifier page in chromium');
cleanupAfter(B);
const have = fs.existsSync(CHROMIUM);
let dir: string;
let browser: BrowserContext | undefined;

B.before(async () => {
  dir = tmpDir();
  if (!have) return;
  // A fresh profile: nothing from an earlier run (or the user) can answer for the page.
  browser = await chromium.launchPersistentContext(path.join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS, offline: true });
});
B.after(async () => {
  await browser?.close();
});

interface Case {
  name: string;
  text: string;
  trust: string | null;
}

/** Valid documents and, for each, changed ones (one character, at spread positions). */
function cases(): Case[] {
  const fx = twoCompanyPassports();
  const st = twoCompanyPassports({ stripped: true });
  const trust = JSON.stringify(fx.trust);
  const merged = passportText(buildPassport(['SN-1'], [...fx.aProofs, ...fx.bProofs]));
  const bases: Case[] = [
    { name: 'merged.passport.json', text: merged, trust },
    { name: 'a.passport.json', text: fx.a, trust },
    { name: 'b.passport.json', text: fx.b, trust },
    { name: 'stripped.passport.json', text: st.a, trust: JSON.stringify(st.trust) },
    { name: 'countersigned.proof.json', text: JSON.stringify(fx.aProofs[0], null, 2), trust },
    { name: 'plain.proof.json', text: JSON.stringify(fx.bProofs[1]), trust: JSON.stringify(fx.scope(fx.B, fx.kb)) },
    { name: 'stripped.proof.json', text: JSON.stringify(st.bProofs[0], null, 2), trust: JSON.stringify(st.scope(st.B, st.kb)) },
    { name: 'untrusted.passport.json', text: merged, trust: null },
    { name: 'relabelled.passport.json', text: fx.a.replace('"items":["SN-1"]', '"items":["SN-9"]'), trust },
  ];
  const out: Case[] = [];
  for (const b of bases) {
    out.push(b);
    // 12 positions spread over the whole document (a passport's items list too: the items check binds it).
    const from = 0;
    for (let k = 0; k < 12; k++) {
      const i = from + Math.floor(((k + 0.5) * (b.text.length - from - 1)) / 12) + (k % 5);
      out.push({ name: `${b.name.replace('.json', '')}.changed-at-${i}.json`, text: b.text.slice(0, i) + flip(b.text[i]) + b.text.slice(i + 1), trust: b.trust });
    }
  }
  return out;
}

/** Runs `fn` over `items` with `n` workers at a time (worker w gets its own index). */
async function pool<T, R>(items: T[], n: number, fn: (x: T, i: number, w: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, w) => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i, w);
      }
    }),
  );
  return out;
}

/** A tab that opens one page after another, recording every request and error of each. */
async function tab() {
  const page = await browser!.newPage();
  let expectUrl = '';
  let requests: string[] = [];
  let errors: string[] = [];
  page.on('request', (r) => {
    if (r.url() !== expectUrl) requests.push(r.url());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return {
    page,
    async verdict(file: string, shot?: string) {
      expectUrl = pathToFileURL(file).href;
      requests = [];
      errors = [];
      await page.goto(expectUrl);
      const v = page.locator('#verdict[data-state="done"]');
      await v.waitFor({ timeout: 60_000 });
      if (shot) await page.screenshot({ path: shot, fullPage: true });
      return { valid: (await v.getAttribute('data-valid')) === 'true', failed: (await v.getAttribute('data-failed')) || undefined, text: await v.textContent(), requests, errors };
    },
  };
}

B('over 100 proofs and passports: the page says what `urchain verify` says, with no request', async () => {
  if (!have) {
    if (process.env.CI) assert.unreachable(`${CHROMIUM} is missing (the browser test needs Debian's chromium; .ci/run installs it)`);
    console.log(`  skipped: ${CHROMIUM} is not installed`);
    return;
  }
  const all = cases();
  assert.ok(all.length >= 100, `${all.length} cases`);
  const c0 = Date.now();
  const cliResults = await pool(all, 3, async (c, i) => {
    const doc = path.join(dir, c.name);
    fs.writeFileSync(doc, c.text);
    const trustArgs = c.trust ? ['--trust', path.join(dir, `trust-${i}.json`)] : ['--no-trust'];
    if (c.trust) fs.writeFileSync(path.join(dir, `trust-${i}.json`), c.trust);
    const r = await cli(['verify', doc, ...trustArgs, '--html', path.join(dir, `${i}.html`), '--json']);
    assert.ok(r.json, `${c.name}: ${r.stderr}`);
    return r;
  });
  console.log(`  urchain verify: ${Date.now() - c0} ms`);
  const t0 = Date.now();
  const tabs = await Promise.all([tab(), tab()]);
  const verdicts = await pool(all, tabs.length, (c, i, w) =>
    tabs[w].verdict(path.join(dir, `${i}.html`), c.name === 'merged.passport.json' ? path.join(dir, 'valid-passport.png') : i === 5 ? path.join(dir, 'tampered-passport.png') : undefined),
  );
  await Promise.all(tabs.map((t) => t.page.close()));
  let tamperedFailed = 0;
  for (const [i, c] of all.entries()) {
    const expect = cliResults[i].json;
    const got = verdicts[i];
    assert.equal(got.requests, [], `${c.name}: the page made requests`);
    assert.equal(got.errors, [], `${c.name}: errors in the page`);
    assert.is(got.valid, expect.valid, `${c.name}: page says ${got.text}, urchain verify says ${JSON.stringify(expect).slice(0, 300)}`);
    assert.is(got.failed, expect.failed, `${c.name}: failed check`);
    assert.is(cliResults[i].code, expect.valid ? 0 : 1);
    if (c.name.includes('changed-at')) {
      if (!c.name.startsWith('stripped.proof') || !expect.valid) tamperedFailed++;
      if (!expect.valid) assert.ok(got.text!.includes(expect.failed), `${c.name}: the page names the failed check: ${got.text}`);
    } else if (c.name.startsWith('relabelled')) assert.is(got.failed, 'items', `${c.name}: SN-1's records shown as SN-9's`);
    else assert.is(expect.valid, true, `${c.name} should be valid: ${JSON.stringify(expect).slice(0, 300)}`);
  }
  assert.ok(tamperedFailed >= 80, `${tamperedFailed} changed documents failed`);
  for (const f of ['valid-passport.png', 'tampered-passport.png']) assert.ok(fs.statSync(path.join(dir, f)).size > 5000, f);
  console.log(`  ${all.length} documents (pages: ${Date.now() - t0} ms); screenshots in ${dir}`);
});

B('a proof, passport or trust file picked on the page is verified at once', async () => {
  if (!have) return;
  const fx = twoCompanyPassports();
  const html = path.join(dir, 'drop.html');
  fs.writeFileSync(path.join(dir, 'drop-a.json'), fx.a);
  const r = await cli(['verify', path.join(dir, 'drop-a.json'), '--no-trust', '--html', html]);
  assert.is(r.code, 0, r.stderr);
  const page = await browser!.newPage();
  try {
    await page.goto(pathToFileURL(html).href);
    const v = page.locator('#verdict');
    await page.locator('#verdict[data-state="done"]').waitFor();
    assert.is(await v.getAttribute('data-trusted'), 'false');
    // The matching trust list: now trusted.
    fs.writeFileSync(path.join(dir, 'drop-trust.json'), JSON.stringify(fx.trust));
    await page.setInputFiles('#file', path.join(dir, 'drop-trust.json'));
    await page.locator('#verdict[data-trusted="true"]').waitFor();
    assert.is(await v.getAttribute('data-valid'), 'true');
    // Another company's passport, not named by that list... it names plant-b: trusted too.
    fs.writeFileSync(path.join(dir, 'drop-b.json'), fx.b);
    await page.setInputFiles('#file', path.join(dir, 'drop-b.json'));
    await page.waitForFunction(() => document.getElementById('source')!.textContent!.startsWith('drop-b.json'));
    assert.is(await v.getAttribute('data-valid'), 'true');
    // A proof with a changed payload: the page names the payload check.
    const bad = { ...fx.aProofs[0], payload: Buffer.from('torque 99').toString('base64') };
    fs.writeFileSync(path.join(dir, 'drop-bad.json'), JSON.stringify(bad));
    await page.setInputFiles('#file', path.join(dir, 'drop-bad.json'));
    await page.locator('#verdict[data-failed="payload"]').waitFor();
    assert.match((await v.textContent())!, /payload/);
    // Dropped (drag and drop) rather than picked: the passport again, valid.
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'dropped.passport.json', { type: 'application/json' }));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, fx.a);
    await page.waitForFunction(() => document.getElementById('source')!.textContent!.startsWith('dropped.passport.json'));
    assert.is(await v.getAttribute('data-valid'), 'true');
    assert.is(await page.locator('tr[data-valid="true"]').count(), 3, 'the timeline shows the three records');
  } finally {
    await page.close();
  }
});

B('record text is shown as text: metadata with </script> and <img onerror> runs nothing', async () => {
  if (!have) return;
  const k = signer();
  const C = new TestChain('</script><img src=x onerror="document.title=1">', [k]);
  const evil = '</script><img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>';
  C.block([C.record(k, evil, { product: 'SN-X', bizStep: evil, note: evil })]);
  const text = passportText(buildPassport(['SN-X'], [C.proof(1, 0)]));
  const trust = JSON.stringify({ name: evil, chains: [toHex(C.chainId)], authorities: [toHex(k.publicKey)], origins: [toHex(k.publicKey)] });
  const html = path.join(dir, 'hostile.html');
  fs.writeFileSync(html, await verifierPage({ kind: 'passport', name: `${evil}.json`, text, trust: { name: evil, text: trust } }));
  const t = await tab();
  try {
    const got = await t.verdict(html);
    assert.is(got.valid, true, got.text!);
    assert.equal(got.requests, []);
    assert.equal(got.errors, []);
    assert.is(await t.page.locator('img').count(), 0, 'an <img> element was made from record text');
    assert.is(await t.page.locator('script').count(), 2, 'only the data block and the verifier');
    assert.is.not(await t.page.title(), 'pwned');
    assert.is(await t.page.locator('tr[data-valid] td').nth(4).textContent(), evil, 'the bizStep is shown as its text');
    assert.ok((await t.page.locator('tr[data-valid] td').nth(1).textContent())!.startsWith(evil), "the trust list's name is shown as its text");
    assert.ok((await t.page.locator('#source').textContent())!.includes(evil), 'the file name is shown as its text');
  } finally {
    await t.page.close();
  }
});

B.run();
