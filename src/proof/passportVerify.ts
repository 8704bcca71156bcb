/**
 * @module proof/passportVerify
 * Reading, verifying and merging passports (urchain-formats(5), PASSPORT FILE).
 *
 * Checks, in order: `format` (strict JSON, the passport schema, every record a well-formed
 * urchain-proof/1 piece), `canonical` (the bytes are exactly what passportOf writes from those
 * records: sorted, shared, the derived trust entries and chain ids right, no block nobody uses),
 * then `items` (every record names one of the passport's items as its product code, an id.NNNN
 * identifier or its EPCIS hash id; the item list is not
 * covered by any signature, so this is what binds it to the records shown under it), then every
 * record as the proof it stands for, with every proof check (proof/proof.ts). The
 * passport is valid when all of them hold; the first failure is the passport's verdict and each
 * record keeps its own.
 *
 * Trust is as strict as for one proof: a record is checked against the entry of the verifier's
 * trust list that names its chain, the list itself or a partner entry (a passport crosses
 * companies: the customer names each of them). A record of a chain the list does not name fails
 * the trust check. Countersignatures of a record count from the other entries of the list. The
 * trust entries inside the passport only say which keys signed; they are never trusted.
 */
import { toHex } from '../codec/bytes.js';
import { backend, useCryptoBackend } from '../crypto/backend.js';
import { metaGet } from '../chain/transaction.js';
import { chainIdOf } from '../chain/params.js';
import { parseStrictJson } from './json.js';
import { verifyProof, verifyProofText, type CheckName, type VerifyResult } from './proof.js';
import { checkTrustList, partnerFor, type TrustList } from './trust.js';
import type { ParsedProof } from './parse.js';
import type { Countersigner } from './countersigned.js';
import { firstDifference } from './canonical.js';
import { expandPassport, parseParts, passportOf, passportText, MAX_PASSPORT_CHARS, PASSPORT_FORMAT, type PassportJson, type PassportParts } from './passport.js';
import { UrchainError } from '../errors.js';

export type PassportCheck = 'format' | 'canonical' | 'items';

export interface PassportRecordResult {
  index: number;
  txId: string;
  chainId: string;
  chain: string;
  /** The trust-list entry that names the record's chain (its name), null without one. */
  party: string | null;
  origin: string;
  kind: string;
  /** The record's meta "bizStep", else its "epcis.bizStep" (an EPCIS record's), or null. */
  bizStep: string | null;
  /** When the record was taken in (core.timestamp), ISO 8601. */
  time: string;
  block: { height: number; hash: string; time: string };
  payloadIncluded: boolean;
  valid: boolean;
  failed?: CheckName;
  reason?: string;
  checks: CheckName[];
  countersignedBy?: Countersigner[];
}

export interface PassportResult {
  format: typeof PASSPORT_FORMAT;
  valid: boolean;
  trusted: boolean;
  failed?: PassportCheck | CheckName;
  reason?: string;
  checks: PassportCheck[];
  items: string[];
  chains: { chainId: string; chain: string; party: string | null; records: number }[];
  records: PassportRecordResult[];
  summary: { records: number; valid: number; invalid: number };
}

class Refused extends Error {
  constructor(
    readonly check: PassportCheck,
    message: string,
  ) {
    super(message);
  }
}

export interface ReadPassport {
  parts: PassportParts;
  parsed: ParsedProof[];
  passport: PassportJson;
}

/** Is this (strict JSON) document a passport? Anything else goes to the proof verifier. */
const isPassportDoc = (doc: unknown): boolean => !!doc && typeof doc === 'object' && (doc as { format?: unknown }).format === PASSPORT_FORMAT;

function read(text: string, doc?: unknown): ReadPassport {
  const wrap = <T>(check: PassportCheck, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw new Refused(check, (e as Error).message);
    }
  };
  if (text.length > MAX_PASSPORT_CHARS) throw new Refused('format', `passport: larger than ${MAX_PASSPORT_CHARS} characters`);
  const d = doc ?? wrap('format', () => parseStrictJson(text, 'passport'));
  const parts = wrap('format', () => expandPassport(d));
  const parsed = wrap('format', () => parseParts(parts));
  const passport = wrap('canonical', () => passportOf(parts.items, parsed));
  const want = passportText(passport);
  if (want !== text) {
    const where = firstDifference(d, passport);
    if (where) throw new Refused('canonical', where);
    // Same JSON value, other bytes (white space, member order, escapes): only then is the offset needed.
    let at = 0;
    while (at < text.length && text[at] === want[at]) at++;
    throw new Refused('canonical', `not in the one byte form (RFC 8785 JSON and one newline): first difference at character ${at}`);
  }
  checkItems(passport.items, parsed);
  return { parts, parsed, passport };
}

/**
 * Every record names one of `items`: otherwise a passport could present any signed record as the
 * history of any item, since nothing signs the item list itself. A record names what the
 * identifier index files it under (epcis/meta.ts indexOf: meta "product", "id.NNNN" and
 * "epcis.hash", read here directly: the verifier core imports nothing from epcis). Compared
 * exactly: the writer (passport/collect) lists an item under both the code asked for and its
 * index key, so an EPC URN and the Digital Link key of the same item both match.
 */
function checkItems(items: readonly string[], parsed: readonly ParsedProof[]): void {
  const wanted = new Set(items);
  parsed.forEach((p, i) => {
    const names = p.core.meta.filter(([k]) => k === 'product' || k === 'epcis.hash' || /^id\.\d{4}$/.test(k)).map(([, v]) => v);
    if (!names.some((n) => wanted.has(n)))
      throw new Refused('items', `records[${i}] (${toHex(p.txId).slice(0, 16)}…) names none of the passport's items (${items.join(', ')}): it is not part of this item's history`);
  });
}

/** Reads a passport strictly (format and canonical checks); throws BAD_INPUT with the reason. */
export function readPassport(text: string): ReadPassport {
  try {
    return read(text);
  } catch (e) {
    if (e instanceof Refused) throw UrchainError.BAD_INPUT(`passport: ${e.check} check failed: ${e.message}`);
    throw e;
  }
}

/** One passport of the records of all `texts` (each read strictly); conflicts throw CONFLICT. */
export function mergePassports(texts: readonly string[]): PassportJson {
  const all = texts.map((t) => readPassport(t));
  return passportOf(all.flatMap((r) => r.parts.items), all.flatMap((r) => r.parsed));
}

/**
 * The list a record of `chainHex` is checked against: the trust list itself when it names the
 * chain, else the partner entry that does, with the list and the other partners as its partners
 * (who may countersign it). Unnamed chains get the list itself, whose trust check then fails.
 */
function scopeFor(trust: TrustList, chainHex: string): { list: TrustList; party: string | null } {
  if (trust.chains.includes(chainHex)) return { list: trust, party: trust.name ?? null };
  const p = partnerFor(trust, chainHex);
  if (!p) return { list: trust, party: null };
  const others = (trust.partners ?? []).filter((x) => x !== p);
  let selfName = trust.name || 'trust list';
  while (others.some((x) => x.name === selfName) || selfName === p.name) selfName += "'";
  const self = { name: selfName, chains: trust.chains, ...(trust.authorities ? { authorities: trust.authorities } : {}), ...(trust.origins ? { origins: trust.origins } : {}) };
  return { list: { chains: p.chains, ...(p.authorities ? { authorities: p.authorities } : {}), ...(p.origins ? { origins: p.origins } : {}), partners: [self, ...others] }, party: p.name };
}

/**
 * A passport repeats the same block and batch signatures across its records: each distinct
 * (message, signature, key) is verified once while `fn` runs. Verification is a function of
 * those three, so the answers are the same; the backend in force is restored afterwards.
 */
function verifyingOnce<T>(fn: () => T): T {
  const inner = backend;
  const memo = new Map<string, boolean>();
  const old = useCryptoBackend({
    ...inner,
    verify: (m, s, k) => {
      const id = toHex(k) + toHex(s) + toHex(m);
      let r = memo.get(id);
      if (r === undefined) memo.set(id, (r = inner.verify(m, s, k)));
      return r;
    },
  });
  try {
    return fn();
  } finally {
    useCryptoBackend(old);
  }
}

/**
 * Verifies the text of a passport file against `trust` (null: consistency only, never trusted).
 * `doc` is the text already parsed as strict JSON, when the caller has it.
 */
export function verifyPassportText(text: string, trust: TrustList | null, doc?: unknown): PassportResult {
  const t = trust === null ? null : checkTrustList(trust);
  const base = { format: PASSPORT_FORMAT, trusted: t !== null } as const;
  let r: ReadPassport;
  try {
    r = read(text, doc);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    const checks: PassportCheck[] = e.check === 'items' ? ['format', 'canonical'] : e.check === 'canonical' ? ['format'] : [];
    return { ...base, valid: false, failed: e.check, reason: e.message, checks, items: [], chains: [], records: [], summary: { records: 0, valid: 0, invalid: 0 } };
  }
  const chains = new Map<string, { chainId: string; chain: string; party: string | null; records: number }>();
  const records = verifyingOnce(() =>
    r.parsed.map((p, index): PassportRecordResult => {
      const chainId = toHex(chainIdOf(p.params));
      const scope = t ? scopeFor(t, chainId) : null;
      const v = verifyProof(r.parts.proofs[index], scope ? scope.list : null);
      const c = chains.get(chainId) ?? chains.set(chainId, { chainId, chain: p.params.name, party: scope?.party ?? null, records: 0 }).get(chainId)!;
      c.records++;
      const h = p.block.header;
      return {
        index,
        txId: toHex(p.txId),
        chainId,
        chain: p.params.name,
        party: scope?.party ?? null,
        origin: toHex(p.core.origin),
        kind: p.core.kind,
        bizStep: metaGet(p.core.meta, 'bizStep') ?? metaGet(p.core.meta, 'epcis.bizStep') ?? null, // EPCIS records keep theirs as epcis.bizStep
        time: new Date(p.core.timestamp).toISOString(),
        block: { height: h.height, hash: toHex(p.blockHash), time: new Date(h.timestamp).toISOString() },
        payloadIncluded: p.payload !== undefined,
        valid: v.valid,
        ...(v.valid ? {} : { failed: v.failed, reason: v.reason }),
        checks: v.checks,
        ...(v.valid && v.countersignedBy ? { countersignedBy: v.countersignedBy } : {}),
      };
    }),
  );
  const bad = records.find((x) => !x.valid);
  const invalid = records.filter((x) => !x.valid).length;
  return {
    ...base,
    valid: !bad,
    ...(bad ? { failed: bad.failed, reason: `records[${bad.index}] (${bad.txId.slice(0, 16)}…): ${bad.reason}` } : {}),
    checks: ['format', 'canonical', 'items'],
    items: r.passport.items,
    chains: [...chains.values()].sort((a, b) => (a.chainId < b.chainId ? -1 : 1)),
    records,
    summary: { records: records.length, valid: records.length - invalid, invalid },
  };
}

export type DocumentResult = { kind: 'proof'; result: VerifyResult } | { kind: 'passport'; result: PassportResult };

/**
 * Verifies a proof or a passport file, whichever it is: a passport says so in its format member
 * (and text that names the passport format but is not strict JSON is read as a broken passport).
 * The CLI (`urchain verify`) and the verifier page both decide here, so they give one answer.
 */
export function verifyDocumentText(text: string, trust: TrustList | null): DocumentResult {
  let doc: unknown;
  try {
    doc = parseStrictJson(text, 'document');
  } catch {
    if (text.includes(`"${PASSPORT_FORMAT}"`)) return { kind: 'passport', result: verifyPassportText(text, trust) };
    return { kind: 'proof', result: verifyProofText(text, trust) };
  }
  if (isPassportDoc(doc)) return { kind: 'passport', result: verifyPassportText(text, trust, doc) };
  return { kind: 'proof', result: verifyProof(doc, trust) }; // already read strictly: not parsed a second time
}
