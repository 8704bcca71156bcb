/**
 * Generates man/*.1, man/urchain-formats.5 and completions/* from the command definitions and the
 * format vectors. `npm run docs` writes them; test/docs.test.ts fails when the committed files
 * differ from what this produces, so docs never drift from the CLI or the formats.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Definition } from 'clipanion';
import { cli, loadCommands } from '../commands/cli.js';
import { completionScript } from '../commands/completions.js';
import { formatsPage } from './formatsPage.js';
import { profichainPage } from './profichainPage.js';
import { networkPage } from './networkPage.js';
import { apiPage } from './apiPage.js';
import { securityPage } from './securityPage.js';
import { configSection } from './configSection.js';

const DATE = '2026-11';
const VERSION = '0.1.0';

const esc = (s: string) =>
  s
    .replace(/\\/g, '\\e')
    .replace(/^([.'])/gm, '\\&$1')
    .replace(/-/g, '\\-');

/** clipanion's markdown-ish text -> roff paragraphs. */
function paras(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .map((p) => `.PP\n${esc(p).replace(/`([^`]+)`/g, '\\fB$1\\fR')}`)
    .join('\n');
}

export function pageName(d: Definition): string {
  return d.path.split(' ').join('-');
}

const optName = (def: string) => def;

function synopsis(d: Definition): string {
  const positional = d.usage.slice(d.path.length).trim();
  const opts = d.options.map((o) => (o.required ? `<${optName(o.definition)}>` : `[${optName(o.definition)}]`));
  return [d.path, ...opts, positional].filter(Boolean).join(' ');
}

/** Every command class (the CLI itself loads only the one that runs). */
const COMMANDS = await loadCommands();

/** The commands that print one line per event instead of one document. */
const STREAMS = new Set(COMMANDS.filter((C) => (C as { streams?: boolean }).streams).flatMap((C) => (C.paths ?? []).map((p) => ['urchain', ...p].join(' '))));

function commandPage(d: Definition): string {
  const name = pageName(d);
  const description = (d.description ?? '').trim();
  const lines = [
    `.TH ${name.toUpperCase().replace(/-/g, '\\-')} 1 "${DATE}" "urchain ${VERSION}" "urchain manual"`,
    '.SH NAME',
    `${esc(name)} \\- ${esc(description)}`,
    '.SH SYNOPSIS',
    '.nf',
    `.B ${esc(synopsis(d))}`,
    '.fi',
    '.SH DESCRIPTION',
    paras(`${description}.\n\n${d.details ?? ''}`),
    '.SH OPTIONS',
    ...d.options.flatMap((o) => ['.TP', `.B ${esc(optName(o.definition))}`, esc(o.description ?? '') + (o.required ? ' (required)' : '')]),
    '.TP',
    '.B \\-h, \\-\\-help',
    'Print this usage text.',
    '.SH OUTPUT',
    '.PP',
    `${STREAMS.has(d.path) ? 'One JSON line per event on stdout when stdout is not a terminal or with \\fB\\-\\-json\\fR, one readable line each otherwise.' : 'One JSON document on stdout when stdout is not a terminal or with \\fB\\-\\-json\\fR, readable text otherwise.'} Errors go to stderr as one line; with \\fB\\-\\-json\\fR also as {"error":{"code","message"}} on stdout.`,
    '.SH EXIT STATUS',
    '.PP',
    '0 on success, 1 on a failure (including a proof or audit that does not hold), 2 on bad usage or bad input.',
  ];
  if (d.examples?.length) {
    lines.push('.SH EXAMPLES');
    for (const [what, cmd] of d.examples) lines.push('.PP', esc(what) + ':', '.IP', '.nf', esc(cmd.replace(/^\$0/, 'urchain')), '.fi');
  }
  lines.push('.SH SEE ALSO', '.BR urchain (1),', '.BR urchain-formats (5)', '');
  return lines.join('\n');
}

function overviewPage(defs: Definition[]): string {
  return [
    `.TH URCHAIN 1 "${DATE}" "urchain ${VERSION}" "urchain manual"`,
    '.SH NAME',
    'urchain \\- tamper\\-proof, traceable production records across the companies of a value chain',
    '.SH SYNOPSIS',
    '.B urchain',
    '.I command',
    '[\\fIoptions\\fR] [\\fB\\-\\-config\\fR \\fIFILE\\fR]',
    '.SH DESCRIPTION',
    '.PP',
    'urchain is a private blockchain for production data. Each company runs its own chain of nodes; a node takes records in (a watched folder, its HTTP API), signs them with its ed25519 key, stores them durably in LMDB and bundles them into blocks under an RFC 9162 Merkle tree. Anyone holding a proof file and the company\'s public keys can check offline, with \\fBurchain verify\\fR, that a record existed at a time, came from a given machine and was never changed.',
    '.PP',
    'Every command prints one JSON document when its output is piped (or with \\fB\\-\\-json\\fR) and readable text on a terminal. Byte formats, hashing and signing rules, and test vectors are in \\fBurchain\\-formats\\fR(5).',
    '.SH COMMANDS',
    ...defs.flatMap((d) => ['.TP', `.BR ${esc(pageName(d))} (1)`, esc((d.description ?? '').trim())]),
    ...configSection(esc),
    '.SH FILES',
    '.TP',
    '.I DATA/chain.lmdb',
    'The LMDB store: headers, bodies, transactions, payloads, indexes.',
    '.TP',
    '.I DATA/node.key',
    'The node key (mode 0600), created on first start. A key file that group or others may read is refused, as ssh does. The folder is 0700 and every file in it 0600.',
    '.TP',
    '.I DATA/node.pid',
    'Lock: one node per data folder. Holds the pid, start time and boot id of the node\'s process; a lock whose process is gone (kill \\-9, a reboot, a reused pid) is stale and taken over by the next start.',
    '.TP',
    '.I DATA/members.json',
    'The newest member list this node has seen, written once the node runs.',
    '.SH SEE ALSO',
    '.BR urchain\\-formats (5),',
    '.BR urchain\\-api (7),',
    '.BR urchain\\-network (7),',
    '.BR urchain\\-profichain (7),',
    '.BR urchain\\-security (7)',
    '',
  ].join('\n');
}

export function generate(root: string): Map<string, string> {
  const defs = cli(COMMANDS)
    .definitions()
    .filter((d) => !/ (-h|--help|-v|--version)/.test(d.path) && d.path !== 'urchain')
    .sort((a, b) => a.path.localeCompare(b.path));
  const out = new Map<string, string>();
  out.set(path.join(root, 'man', 'urchain.1'), overviewPage(defs));
  for (const d of defs) out.set(path.join(root, 'man', `${pageName(d)}.1`), commandPage(d));
  const vectors = JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', 'formats.json'), 'utf8'));
  const proofs = JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', 'proofs.json'), 'utf8'));
  const c2sp = JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', 'c2sp-checkpoint.json'), 'utf8'));
  out.set(path.join(root, 'man', 'urchain-formats.5'), formatsPage(vectors, DATE, VERSION, proofs, c2sp));
  const pc = JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', 'profichain.json'), 'utf8'));
  out.set(path.join(root, 'man', 'urchain-profichain.7'), profichainPage(pc, DATE, VERSION));
  const nv = JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', 'network.json'), 'utf8'));
  out.set(path.join(root, 'man', 'urchain-network.7'), networkPage(nv, DATE, VERSION));
  out.set(path.join(root, 'man', 'urchain-api.7'), apiPage(DATE, VERSION));
  out.set(path.join(root, 'man', 'urchain-security.7'), securityPage(DATE, VERSION));
  const all = cli(COMMANDS).definitions();
  out.set(path.join(root, 'completions', 'urchain.bash'), completionScript(all, 'bash'));
  out.set(path.join(root, 'completions', '_urchain'), completionScript(all, 'zsh'));
  out.set(path.join(root, 'completions', 'urchain.fish'), completionScript(all, 'fish'));
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const { root } = await import('../support/paths.js');
  for (const [file, text] of generate(root)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    console.log(path.relative(root, file));
  }
}
