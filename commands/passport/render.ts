/**
 * What passport commands and `urchain verify` share: the timeline of a verified passport for a
 * terminal, and writing the self-contained verifier page (loaded only when --html is given, so
 * `urchain verify` stays light).
 */
import fs from 'node:fs';
import path from 'node:path';
import { humanTime } from '../base.js';
import type { PassportResult } from '../../src/proof/passportVerify.js';
import type { PageData } from '../../src/passport/html.js';

const short = (hex: string) => `${hex.slice(0, 12)}…`;

/** The passport verdict and its timeline: time, company (chain), origin key, kind, bizStep, verdict. */
export function humanPassport(r: PassportResult): string {
  const head = r.valid
    ? `VALID${r.trusted ? ' (trusted)' : ' (not checked against a trust list)'}: ${r.summary.records} record(s) of ${r.items.join(', ')} from ${r.chains.length} chain(s)`
    : `INVALID: ${r.failed} check failed: ${r.reason}`;
  if (!r.records.length) return head;
  const rows = r.records.map((x) => [
    humanTime(x.time),
    `${x.party ?? x.chain}${x.party && x.party !== x.chain ? ` (${x.chain})` : ''}`,
    short(x.origin),
    x.kind,
    x.bizStep ?? '-',
    x.valid ? `ok${x.countersignedBy?.length ? `, countersigned by ${x.countersignedBy.map((c) => c.partner ?? c.chain).join(', ')}` : ''}` : `FAILED ${x.failed}: ${x.reason}`,
  ]);
  const all = [['time', 'company (chain)', 'origin', 'kind', 'bizStep', 'verdict'], ...rows];
  const width = all[0].map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(width[i]))).join('  ');
  return [head, '', ...all.map(line), '', `${r.summary.valid} of ${r.summary.records} record(s) hold`].join('\n');
}

/** Writes the self-contained HTML verifier page for `data` to `file`; returns its size. */
export async function writeVerifierPage(file: string, data: PageData): Promise<number> {
  const { verifierPage } = await import('../../src/passport/html.js');
  const html = await verifierPage(data);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, html);
  return Buffer.byteLength(html);
}
