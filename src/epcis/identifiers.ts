/**
 * @module epcis/identifiers
 * One key per GS1 identifier, whatever form it comes in. EPCIS events name things as EPC URNs
 * (`urn:epc:id:sgtin:4012345.011111.987`, pure-identity, class and pattern URNs) or as GS1
 * Digital Link URIs on any host (`https://example.com/01/04012345111118/21/987`, short names like
 * `/gtin/`). Both become the canonical GS1 Digital Link URI the CBV 2.0 event hash uses:
 *
 *   https://id.gs1.org/<primary AI>/<key with check digit>[/<qualifier AI>/<value>]
 *
 * with the host `id.gs1.org`, AIs instead of short names, GTINs padded to 14 digits, no query,
 * no fragment, no CPV (AI 22), and only the finest level (a serial wins over a lot). An EPC URN
 * carries the GS1 company prefix length (the digits before the first dot), which places the
 * indicator digit and gives the check digit (GS1 General Specifications §7.9.1), computed here.
 *
 * This key is both the form the event hash hashes and the key of the identifier index, so the
 * same item in either form is one key. A text that is no GS1 identifier has no key (undefined).
 */

/** The GS1 mod-10 check digit of a key's digits (GTIN, GLN, SSCC, GRAI, GDTI, GSRN, …). */
export function checkDigit(digits: string): string {
  let sum = 0;
  for (let i = digits.length - 1, w = 3; i >= 0; i--, w = 4 - w) sum += (digits.charCodeAt(i) - 48) * w;
  return String((10 - (sum % 10)) % 10);
}

/** Characters GS1 Digital Link requires percent-encoded that an EPC URN may leave bare. */
const encodeDl = (s: string) => s.replace(/[!()*+,:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// The characters of an EPC URN component (TDS 2.x §6.3, "GS3A3"), including %-escapes.
const URN_CHAR = String.raw`(?:%[0-9A-Fa-f]{2}|[!')(*+,.0-9:;=A-Za-z_-])`;
const cp = String.raw`(\d{6,12})`;
const digits = (n: string) => String.raw`(\d${n})`;
const chars = (n: string) => `(${URN_CHAR}${n})`;

interface UrnRule {
  re: RegExp;
  /** company-prefix length L and the captured parts -> the Digital Link path; undefined if a field has the wrong length */
  dl: (p: string[]) => string | undefined;
}

/** The GTIN-14 of an SGTIN-style (company prefix, indicator+item reference) pair. */
function gtin(prefix: string, itemRef: string): string | undefined {
  if (prefix.length + itemRef.length !== 13) return undefined;
  const raw = itemRef[0] + prefix + itemRef.slice(1);
  return raw + checkDigit(raw);
}
/** A key of fixed length: company prefix + reference, total `len` digits before the check digit. */
function keyed(prefix: string, ref: string, len: number, lead = ''): string | undefined {
  if (prefix.length + ref.length !== len) return undefined;
  const raw = lead + prefix + ref;
  return raw + checkDigit(raw);
}
const withSuffix = (key: string | undefined, suffix: string) => (key === undefined ? undefined : key + suffix);

const URN_RULES: Record<string, UrnRule> = {
  'id:sgtin': { re: new RegExp(`^${cp}\\.${digits('{1,7}')}\\.${chars('{1,20}')}$`), dl: ([c, i, s]) => withSuffix(gtin(c, i), `/21/${encodeDl(s)}`)?.replace(/^/, '01/') },
  'id:sscc': { re: new RegExp(`^${cp}\\.${digits('{5,11}')}$`), dl: ([c, r]) => withSuffix(keyed(c, r.slice(1), 16, r[0]), '')?.replace(/^/, '00/') },
  'id:sgln': {
    re: new RegExp(`^${cp}\\.${digits('{0,6}')}\\.${chars('{1,20}')}$`),
    dl: ([c, l, e]) => withSuffix(keyed(c, l, 12), e === '0' ? '' : `/254/${encodeDl(e)}`)?.replace(/^/, '414/'),
  },
  'id:grai': { re: new RegExp(`^${cp}\\.${digits('{0,6}')}\\.${chars('{1,16}')}$`), dl: ([c, a, s]) => withSuffix(keyed(c, a, 12, '0'), encodeDl(s))?.replace(/^/, '8003/') },
  'id:giai': { re: new RegExp(`^${cp}\\.${chars('{1,24}')}$`), dl: ([c, a]) => (c.length + a.length <= 30 ? `8004/${c}${encodeDl(a)}` : undefined) },
  'id:gsrn': { re: new RegExp(`^${cp}\\.${digits('{5,11}')}$`), dl: ([c, r]) => withSuffix(keyed(c, r, 17), '')?.replace(/^/, '8018/') },
  'id:gsrnp': { re: new RegExp(`^${cp}\\.${digits('{5,11}')}$`), dl: ([c, r]) => withSuffix(keyed(c, r, 17), '')?.replace(/^/, '8017/') },
  'id:gdti': { re: new RegExp(`^${cp}\\.${digits('{0,6}')}\\.${chars('{1,17}')}$`), dl: ([c, d, s]) => withSuffix(keyed(c, d, 12), encodeDl(s))?.replace(/^/, '253/') },
  'id:cpi': { re: new RegExp(`^${cp}\\.((?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-]){1,24})\\.${digits('{1,12}')}$`), dl: ([c, r, s]) => `8010/${encodeDl(c + r)}/8011/${s}` },
  'id:sgcn': { re: new RegExp(`^${cp}\\.${digits('{0,6}')}\\.${digits('{1,12}')}$`), dl: ([c, r, s]) => withSuffix(keyed(c, r, 12), s)?.replace(/^/, '255/') },
  'id:ginc': { re: new RegExp(`^${cp}\\.${chars('{1,24}')}$`), dl: ([c, r]) => (c.length + r.length <= 30 ? `401/${c}${encodeDl(r)}` : undefined) },
  'id:gsin': { re: new RegExp(`^${cp}\\.${digits('{4,10}')}$`), dl: ([c, r]) => withSuffix(keyed(c, r, 16), '')?.replace(/^/, '402/') },
  'id:itip': {
    re: new RegExp(`^${cp}\\.${digits('{1,7}')}\\.(\\d{2})\\.(\\d{2})\\.${chars('{1,20}')}$`),
    dl: ([c, i, p, t, s]) => withSuffix(gtin(c, i), `${p}${t}/21/${encodeDl(s)}`)?.replace(/^/, '8006/'),
  },
  'id:upui': { re: new RegExp(`^${cp}\\.${digits('{1,7}')}\\.${chars('{1,28}')}$`), dl: ([c, i, s]) => withSuffix(gtin(c, i), `/235/${encodeDl(s)}`)?.replace(/^/, '01/') },
  'id:pgln': { re: new RegExp(`^${cp}\\.${digits('{0,6}')}$`), dl: ([c, r]) => withSuffix(keyed(c, r, 12), '')?.replace(/^/, '417/') },
  'class:lgtin': { re: new RegExp(`^${cp}\\.${digits('{1,7}')}\\.${chars('{1,20}')}$`), dl: ([c, i, l]) => withSuffix(gtin(c, i), `/10/${encodeDl(l)}`)?.replace(/^/, '01/') },
  'idpat:sgtin': { re: new RegExp(`^${cp}\\.${digits('{1,7}')}\\.\\*$`), dl: ([c, i]) => withSuffix(gtin(c, i), '')?.replace(/^/, '01/') },
  'idpat:upui': { re: new RegExp(`^${cp}\\.${digits('{1,7}')}\\.\\*$`), dl: ([c, i]) => withSuffix(gtin(c, i), '')?.replace(/^/, '01/') },
  'idpat:grai': { re: new RegExp(`^${cp}\\.${digits('{0,6}')}\\.\\*$`), dl: ([c, a]) => withSuffix(keyed(c, a, 12, '0'), '')?.replace(/^/, '8003/') },
  'idpat:gdti': { re: new RegExp(`^${cp}\\.${digits('{0,6}')}\\.\\*$`), dl: ([c, d]) => withSuffix(keyed(c, d, 12), '')?.replace(/^/, '253/') },
  'idpat:sgcn': { re: new RegExp(`^${cp}\\.${digits('{0,6}')}\\.\\*$`), dl: ([c, r]) => withSuffix(keyed(c, r, 12), '')?.replace(/^/, '255/') },
  'idpat:cpi': { re: new RegExp(`^${cp}\\.((?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-]){1,24})\\.\\*$`), dl: ([c, r]) => `8010/${encodeDl(c + r)}` },
  'idpat:itip': { re: new RegExp(`^${cp}\\.${digits('{1,7}')}\\.(\\d{2})\\.(\\d{2})\\.\\*$`), dl: ([c, i, p, t]) => withSuffix(gtin(c, i), `${p}${t}`)?.replace(/^/, '8006/') },
};

const DL_HOST = 'https://id.gs1.org/';

function fromUrn(uri: string): string | undefined {
  const m = /^urn:epc:((?:id|class|idpat):[a-z]+):(.*)$/.exec(uri);
  const rule = m && URN_RULES[m[1]];
  if (!rule) return undefined;
  const parts = rule.re.exec(m[2]);
  if (!parts) return undefined;
  const path = rule.dl(parts.slice(1));
  return path === undefined ? undefined : DL_HOST + path;
}

/** Short names a Digital Link URI may use for an AI (GS1 Digital Link 1.x, table 6-1). */
const SHORT: Record<string, string> = {
  gtin: '01', itip: '8006', cpid: '8010', gln: '414', party: '417', gsrnp: '8017', gsrn: '8018', gcn: '255', sscc: '00', gdti: '253', ginc: '401', gsin: '402', grai: '8003', giai: '8004', cpv: '22', lot: '10', ser: '21',
};
const PRIMARY = new Set(['01', '8006', '8010', '414', '417', '8017', '8018', '255', '00', '253', '401', '402', '8003', '8004']);
// Characters allowed in a key or qualifier value (GS1 AI encodable character set 82, as used by
// the reference event hash generator) and %-escapes. The reference leaves a Digital Link with a
// %-escape as written; here it is canonicalised like any other, so that it meets the EPC URN of
// the same item (whose serial carries the same escape). Its hash can therefore differ from the
// reference's for such a URI on a host other than id.gs1.org; no published example has one.
const V = String.raw`(?:%[0-9A-Fa-f]{2}|["'\-.0-9;-?A-Z_a-z])`;
/** The canonical forms, each a path under https://id.gs1.org/ (GS1 Digital Link syntax per primary key). */
const CANONICAL: RegExp[] = [
  /^00\/\d{18}$/,
  new RegExp(`^01\\/\\d{14}(?:\\/(?:21|10)\\/${V}{0,20}|\\/235\\/${V}{0,28})?$`),
  new RegExp(`^253\\/\\d{13}${V}{0,17}$`),
  /^255\/\d{13}\d{0,12}$/,
  new RegExp(`^(?:401|8004)\\/${V}{0,30}$`),
  /^402\/\d{17}$/,
  new RegExp(`^414\\/\\d{13}(?:\\/254\\/${V}{0,20})?$`),
  /^417\/\d{13}$/,
  new RegExp(`^8003\\/\\d{14}${V}{0,16}$`),
  new RegExp(`^8006\\/\\d{18}(?:\\/(?:21|10)\\/${V}{0,20})?$`),
  /^8010\/[#\-/0-9A-Z]{0,30}(?:\/8011\/\d{0,12})?$/,
  /^(?:8017|8018)\/\d{18}$/,
];

function fromDigitalLink(uri: string): string | undefined {
  const m = /^https?:\/\/[^/?#]*(\/[^?#]*)/.exec(uri);
  if (!m) return undefined;
  const segs = m[1].split('/').slice(1);
  if (segs[segs.length - 1] === '') segs.pop(); // one trailing slash is allowed
  // The primary key is the first AI (or short name) whose value starts with 4 digits; what
  // comes before it is the resolver's own path (e.g. https://example.com/products/01/…).
  const at = segs.findIndex((s, i) => PRIMARY.has(SHORT[s] ?? s) && /^\d{4}/.test(segs[i + 1] ?? ''));
  if (at < 0) return undefined;
  const pairs: [string, string][] = [];
  for (let i = at; i < segs.length; i += 2) {
    if (segs[i + 1] === undefined || segs[i + 1] === '') return undefined;
    pairs.push([SHORT[segs[i]] ?? segs[i], segs[i + 1]]);
  }
  const [ai, key] = pairs[0];
  let value = key;
  if (ai === '01') {
    // GTIN-8, -12 and -13 are GTIN-14 with leading zeros
    if (!/^\d+$/.test(key) || ![8, 12, 13, 14].includes(key.length)) return undefined;
    value = key.padStart(14, '0');
  }
  let quals = pairs.slice(1).filter(([q]) => q !== '22'); // the CPV is not part of the item's key
  if (quals.some(([q]) => q === '21')) quals = quals.filter(([q]) => q !== '10'); // the finest level only
  if (quals.length > 1) return undefined;
  const path = [ai, value, ...quals.flat()].join('/');
  return CANONICAL.some((re) => re.test(path)) ? DL_HOST + path : undefined;
}

/**
 * The canonical Digital Link URI of a GS1 identifier in any EPC URN or Digital Link form, or
 * undefined when `uri` is not one.
 */
export function canonicalGs1(uri: string): string | undefined {
  if (uri.startsWith('urn:epc:')) return fromUrn(uri);
  if (uri.startsWith('http://') || uri.startsWith('https://')) return fromDigitalLink(uri);
  return undefined;
}

/** The index key of an identifier: its canonical GS1 form, or the text itself when it is no GS1 identifier. */
export function identifierKey(id: string): string {
  return canonicalGs1(id) ?? id;
}
