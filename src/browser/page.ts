/**
 * @module browser/page
 * The script of the self-contained verifier page (`urchain passport --html`, `urchain verify
 * --html`): bundled by esbuild with src/proof and what it imports (@noble for hashing and
 * ed25519, no Buffer, no node: module), inlined into the page, run on open. It reads the proof or
 * passport and the trust list embedded in the page, verifies with the same code as `urchain
 * verify`, and shows each check and the timeline in plain words. The user can drop in (or pick)
 * another proof, passport or trust file; it is verified at once. Nothing is fetched: the page's
 * Content-Security-Policy forbids every connection, and all text is set with textContent.
 *
 * The verdict element carries data-state="done", data-valid, data-trusted and data-failed for
 * tests and scripts.
 */
import { parseStrictJson } from '../proof/json.js';
import type { CheckName, VerifyResult } from '../proof/proof.js';
import { parseTrustList, type TrustList } from '../proof/trust.js';
import { verifyDocumentText, type PassportResult, type PassportCheck } from '../proof/passportVerify.js';

export interface PageData {
  kind: 'proof' | 'passport';
  name: string;
  text: string;
  trust: { name: string; text: string } | null;
}

const CHECK_WORDS: Record<CheckName | PassportCheck, string> = {
  format: 'The file is well-formed: every field known, each value in its one encoding',
  canonical: 'The passport is in its one canonical form: nothing added, re-ordered or left unused',
  items: "Every record names this item (its code, an identifier of it or its event's id)",
  chain: 'The record and its block belong to the chain its parameters describe',
  payload: "The record's data matches its SHA-256 fingerprint",
  txId: "The record's identifier is the fingerprint of its contents",
  signature: 'The record is signed by its origin key',
  inclusion: 'The record is in its block (Merkle path), and the block is not older than the record',
  seal: "The block is sealed by the chain's rules (authority signatures or proof of work)",
  trust: 'The chain, the origin key and the block signers are in the trust list',
  countersignature: 'Partner companies wrote this block into their own chains',
};
const PROOF_CHECKS: CheckName[] = ['format', 'chain', 'payload', 'txId', 'signature', 'inclusion', 'seal', 'trust', 'countersignature'];

const state: { doc: { name: string; text: string }; trust: { name: string; text: string } | null } = { doc: { name: '', text: '' }, trust: null };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
const byId = (id: string) => document.getElementById(id)!;
const short = (hex: string) => `${hex.slice(0, 12)}…`;
const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** One line per check: held, failed (with the reason), not reached, or not applicable. */
function checkList(order: string[], passed: string[], failed: string | undefined, reason: string | undefined, skipped: Record<string, string>): HTMLElement {
  const ul = el('ul', undefined, 'checks');
  let reached = true;
  for (const c of order) {
    const li = el('li');
    li.dataset.check = c;
    const words = CHECK_WORDS[c as CheckName];
    if (c === failed) {
      li.className = 'bad';
      li.textContent = `✗ ${words} — FAILED (${c}): ${reason}`;
      reached = false;
    } else if (passed.includes(c)) {
      li.className = 'ok';
      li.textContent = `✓ ${words}`;
    } else if (skipped[c]) {
      li.className = 'skip';
      li.textContent = `– ${skipped[c]}`;
    } else {
      li.className = 'skip';
      li.textContent = reached ? `– ${words}: not applicable` : `· ${words}: not reached`;
    }
    ul.append(li);
  }
  return ul;
}

function setVerdict(valid: boolean, trusted: boolean, failed: string | undefined, headline: string): void {
  const v = byId('verdict');
  v.dataset.state = 'done';
  v.dataset.valid = String(valid);
  v.dataset.trusted = String(trusted);
  v.dataset.failed = failed ?? '';
  v.className = valid ? (trusted ? 'ok' : 'warn') : 'bad';
  v.textContent = headline;
}

const trustSkips = (trusted: boolean): Record<string, string> => (trusted ? {} : { trust: 'No trust list: who made this was not checked (drop in a trust file to check it)' });

function showProof(r: VerifyResult): void {
  const body = byId('result');
  if (!r.valid) {
    setVerdict(false, false, r.failed, `NOT VALID: the ${r.failed} check failed. ${r.reason}`);
    body.append(checkList(PROOF_CHECKS, r.checks, r.failed, r.reason, {}));
    return;
  }
  setVerdict(true, r.trusted, undefined, r.trusted ? 'VALID: every check holds, against the trust list' : 'VALID as far as checked: consistent, but not checked against a trust list');
  const skips = { ...trustSkips(r.trusted), ...(r.record.payloadIncluded ? {} : { payload: 'The data is not included (confidential); its fingerprint stands in and is checked' }) };
  body.append(checkList(PROOF_CHECKS, r.checks, undefined, undefined, skips));
  const dl = el('dl');
  const row = (k: string, v: string) => dl.append(el('dt', k), el('dd', v));
  row('Record', r.txId);
  row('Kind', `${r.record.kind} ${Object.entries(r.record.meta).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  row('Taken in', when(r.record.takenIn));
  row('Origin key', r.origin);
  row('Block', `${r.block.height} at ${when(r.block.time)}`);
  row('Chain', `${r.chain} ${r.chainId}`);
  for (const c of r.countersignedBy ?? []) row('Countersigned by', `${c.partner ?? `unchecked chain "${c.chain}"`} at ${when(c.time)}`);
  body.append(dl);
}

function showPassport(r: PassportResult): void {
  const body = byId('result');
  const head = r.valid
    ? r.trusted
      ? `VALID: all ${r.summary.records} records of ${r.items.join(', ')} hold, against the trust list`
      : `VALID as far as checked: all ${r.summary.records} records are consistent, but not checked against a trust list`
    : `NOT VALID: the ${r.failed} check failed. ${r.reason}`;
  setVerdict(r.valid, r.trusted, r.failed, head);
  const passportFailed = r.failed === 'format' || r.failed === 'canonical' || r.failed === 'items' ? r.failed : undefined;
  body.append(el('h2', 'The passport'), checkList(['format', 'canonical', 'items'], r.checks, passportFailed, r.reason, {}));
  if (!r.records.length) return;
  body.append(el('h2', `Timeline (${r.summary.valid} of ${r.summary.records} records hold)`));
  const table = el('table');
  const tr = el('tr');
  for (const h of ['Time', 'Company (chain)', 'Origin key', 'Kind', 'Business step', 'Verdict']) tr.append(el('th', h));
  table.append(tr);
  for (const x of r.records) {
    const row = el('tr', undefined, x.valid ? 'ok' : 'bad');
    row.dataset.valid = String(x.valid);
    row.dataset.failed = x.failed ?? '';
    const verdict = x.valid
      ? `✓ holds${x.countersignedBy?.length ? `, countersigned by ${x.countersignedBy.map((c) => c.partner ?? c.chain).join(', ')}` : ''}${x.payloadIncluded ? '' : ' (data not included)'}`
      : `✗ ${x.failed} check failed: ${x.reason}`;
    for (const c of [when(x.time), `${x.party ?? x.chain} (${x.chain})`, short(x.origin), x.kind, x.bizStep ?? '', verdict]) row.append(el('td', c));
    table.append(row);
  }
  body.append(table);
  const failedRecord = r.records.find((x) => !x.valid);
  if (failedRecord) body.append(el('h2', `Record ${failedRecord.index + 1}: checks`), checkList(PROOF_CHECKS, failedRecord.checks, failedRecord.failed, failedRecord.reason, {}));
}

function run(): void {
  byId('result').replaceChildren();
  byId('source').textContent = `${state.doc.name}${state.trust ? `, checked against ${state.trust.name}` : ', no trust list'}`;
  let trust: TrustList | null = null;
  if (state.trust) {
    try {
      trust = parseTrustList(state.trust.text, `trust list ${state.trust.name}`);
    } catch (e) {
      setVerdict(false, false, 'trust', `The trust file is refused: ${(e as Error).message}`);
      return;
    }
  }
  const r = verifyDocumentText(state.doc.text, trust);
  if (r.kind === 'passport') showPassport(r.result);
  else showProof(r.result);
}

/** A dropped file is a trust list when it is an object with "chains" and no "format". */
function take(name: string, text: string): void {
  let doc: unknown;
  try {
    doc = parseStrictJson(text, name);
  } catch {
    doc = undefined;
  }
  const isTrust = !!doc && typeof doc === 'object' && !Array.isArray(doc) && 'chains' in doc && !('format' in doc);
  if (isTrust) state.trust = { name, text };
  else state.doc = { name, text };
}

async function takeFiles(files: FileList | null): Promise<void> {
  if (!files?.length) return;
  for (const f of Array.from(files)) take(f.name, await f.text());
  run();
}

function start(): void {
  const data = JSON.parse(byId('urchain-data').textContent!) as PageData;
  state.doc = { name: data.name, text: data.text };
  state.trust = data.trust;
  const input = byId('file') as HTMLInputElement;
  input.addEventListener('change', () => void takeFiles(input.files));
  // The whole page takes drops: a file dropped beside the zone must not make the browser open it.
  const zone = byId('drop');
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  document.addEventListener('dragleave', () => zone.classList.remove('over'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    void takeFiles(e.dataTransfer?.files ?? null);
  });
  run();
}

start();
