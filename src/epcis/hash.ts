/**
 * @module epcis/hash
 * The CBV 2.0 EPCIS Event Hash ID (CBV 2.0 §8.9): `ni:///sha-256;<hex>?ver=CBV2.0`, the SHA-256
 * (RFC 6920 `ni` URI) of the event's canonical pre-hash string. Matches the public reference
 * implementation (github.com/RalphTro/epcis-event-hash-generator) on all its JSON examples,
 * kept with their expected ids under test/vectors/epcis/.
 *
 * The pre-hash string, in short:
 *   1. `eventType=<type>`, then the fields in the standard's fixed order (ORDER below), each as
 *      `name=value`, a list as its name followed by its elements (sorted as strings), nested
 *      structures (quantity elements, readPoint/bizLocation ids, sensor elements) in their own
 *      fixed order; user extensions inside a structure come after its standard fields.
 *   2. Then what the order does not name (bizTransactionList, sourceList, destinationList,
 *      ilmd, top-level user extensions), sorted as strings, except that business transactions,
 *      sources and destinations keep `type` before their value. eventID, recordTime, type and
 *      errorDeclaration are not hashed; nor are `comment` / `rdfs:comment`.
 *   3. Values normalised: timestamps to UTC with milliseconds (`2022-02-17T02:33:31.116Z`,
 *      rounded half-even), numbers without a `+`, leading or trailing zeros (Python `repr`
 *      forms, as the reference), old CBV URNs (`urn:epcglobal:cbv:bizstep:x`) to web vocabulary
 *      (`https://ref.gs1.org/cbv/BizStep-x`), bare vocabulary values expanded (epcis/expand.ts),
 *      every GS1 identifier to its canonical Digital Link URI (epcis/identifiers.ts), user
 *      extension names to `{namespace}name`.
 * The string's UTF-8 bytes are hashed.
 */
import { sha256 } from '../crypto/hash.js';
import { toHex, utf8 } from '../codec/bytes.js';
import { isObject, JsonNumber, type Json } from './json.js';
import { expandEvent, namespaced, type Namespaces } from './expand.js';
import { canonicalGs1 } from './identifiers.js';

/** A field as the pre-hash algorithm sees it: name, value text, children. */
type Node = [name: string, value: string, kids: Child[]];
/** A business transaction, source or destination: its `type` and its value, in input order. */
type Pair = { pair: Node[] };
type Child = Node | Pair;
type Order = [string, Order | null][];

const isNode = (c: Child): c is Node => Array.isArray(c);

const QTY: Order = [['quantityElement', [['epcClass', null], ['quantity', null], ['uom', null]]]];
const EPC: Order = [['epc', null]];
const ORDER: Order = [
  ['eventTime', null], ['eventTimeZoneOffset', null], ['certificationInfo', null], ['parentID', null],
  ['epcList', EPC], ['inputEPCList', EPC], ['childEPCs', EPC],
  ['quantityList', QTY], ['childQuantityList', QTY], ['inputQuantityList', QTY], ['outputEPCList', EPC], ['outputQuantityList', QTY],
  ['action', null], ['transformationID', null], ['bizStep', null], ['disposition', null],
  ['persistentDisposition', [['set', null], ['unset', null]]],
  ['readPoint', [['id', null]]], ['bizLocation', [['id', null]]],
  ['sensorElementList', [['sensorElement', [
    ['sensorMetadata', [['time', null], ['startTime', null], ['endTime', null], ['deviceID', null], ['deviceMetadata', null], ['rawData', null], ['dataProcessingMethod', null], ['bizRules', null]]],
    ['sensorReport', ['type', 'exception', 'deviceID', 'deviceMetadata', 'rawData', 'dataProcessingMethod', 'time', 'microorganism', 'chemicalSubstance', 'value', 'component', 'stringValue', 'booleanValue', 'hexBinaryValue', 'uriValue', 'minValue', 'maxValue', 'meanValue', 'sDev', 'percRank', 'percValue', 'uom', 'coordinateReferenceSystem'].map((n): [string, null] => [n, null])],
  ]]]],
];
const PAIR_LISTS = new Set(['bizTransactionList', 'sourceList', 'destinationList']);
const PAIR_KEYS = ['bizTransaction', 'source', 'destination'];
const NOT_HASHED = new Set(['recordTime', 'eventID', 'type', 'errorDeclaration']);
const COMMENTS = new Set(['#text', 'rdfs:comment', 'comment']);

/** Strings in code point order (as the reference, in Python, sorts them). */
function cmpStr(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
function cmpNode(a: Child, b: Child): number {
  if (!isNode(a) || !isNode(b)) return 0;
  const c = cmpStr(a[0], b[0]) || cmpStr(a[1], b[1]);
  if (c) return c;
  for (let i = 0; i < Math.min(a[2].length, b[2].length); i++) {
    const d = cmpNode(a[2][i], b[2][i]);
    if (d) return d;
  }
  return a[2].length - b[2].length;
}
const sortStrings = (xs: string[]) => xs.sort(cmpStr);

/** A JSON scalar as text: Python's spelling for true/false/null, as the reference has it. */
function scalarText(v: Json, ns: Namespaces): string {
  if (typeof v === 'string') return namespaced(ns, v, true);
  if (v instanceof JsonNumber) return v.raw;
  if (typeof v === 'number') return String(v);
  return v === true ? 'True' : v === false ? 'False' : 'None';
}

function toTree(v: Json, ns: Namespaces, ignore: readonly string[] = []): Node {
  if (Array.isArray(v)) return ['', '', v.map((x) => toTree(x, ns))];
  if (!isObject(v)) return ['', scalarText(v, ns), []];
  const node: Node = [typeof v.type === 'string' ? v.type : '', typeof v['#text'] === 'string' ? v['#text'] : '', []];
  for (const [k, x] of Object.entries(v)) {
    if (COMMENTS.has(k) || ignore.includes(k)) continue;
    const child = toTree(x, ns);
    const key = namespaced(ns, k, false);
    if (Array.isArray(x)) for (const el of child[2] as Node[]) node[2].push([key, el[1], el[2]]);
    else node[2].push([key, child[1], child[2]]);
  }
  // A transaction, source or destination keeps `type` and value in the order they came in.
  if (!PAIR_KEYS.some((k) => k in v)) node[2].sort(cmpNode);
  return node;
}

/** Reshapes the JSON form into the XML data model the order is written for (`epcList` -> `epc` children, …). */
function toXmlModel(node: Node): Node {
  const kids = node[2] as Node[];
  const lists = new Map<string, Node[]>();
  const childEpcs: Node[] = [];
  const rest: Child[] = [];
  for (const k of kids) {
    if (k[0].endsWith('List')) (lists.get(k[0]) ?? lists.set(k[0], []).get(k[0])!).push([k[0].slice(0, -4), k[1], k[2]]);
    else if (k[0] === 'childEPCs') childEpcs.push(['epc', k[1], []]);
    else rest.push(k);
  }
  for (const [name, els] of lists) rest.push([name, '', PAIR_LISTS.has(name) ? els.map((e): Pair => ({ pair: (e[2] as Node[]).slice(0, 2) })) : els]);
  if (childEpcs.length) rest.push(['childEPCs', '', childEpcs]);
  const out: Child[] = rest.map((c) => (isNode(c) && !PAIR_LISTS.has(c[0]) ? toXmlModel(c) : c));
  let name = node[0];
  if (name === 'inputEPC' || name === 'outputEPC') name = 'epc';
  else if (['inputQuantity', 'outputQuantity', 'childQuantity'].includes(name) || (name === 'quantity' && out.length > 0)) name = 'quantityElement';
  return [name, node[1], out];
}

const OLD_CBV: [string, string][] = [
  ['urn:epcglobal:cbv:bizstep:', 'https://ref.gs1.org/cbv/BizStep-'],
  ['urn:epcglobal:cbv:disp:', 'https://ref.gs1.org/cbv/Disp-'],
  ['urn:epcglobal:cbv:btt:', 'https://ref.gs1.org/cbv/BTT-'],
  ['urn:epcglobal:cbv:sdt:', 'https://ref.gs1.org/cbv/SDT-'],
  ['urn:epcglobal:cbv:er:', 'https://ref.gs1.org/cbv/ER-'],
];
// Python's float() syntax (the reference parses numbers with it): digits with optional `_`.
const D = '\\d(?:_?\\d)*';
const PY_FLOAT = new RegExp(`^[+-]?(?:${D}(?:\\.(?:${D})?)?|\\.${D})(?:[eE][+-]?${D})?$`);

/** A number's text as the reference prints it: an integer without `.0`, else Python's repr. */
export function numberText(text: string): string {
  if (!PY_FLOAT.test(text)) return text;
  const x = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(x)) return text;
  if (Number.isInteger(x)) return BigInt(x).toString();
  const [m, e] = x.toExponential().split('e');
  const exp = Number(e);
  // Python switches to an exponent below 1e-4 (JavaScript below 1e-6), with at least two digits.
  if (exp < -4) return `${m}e-${String(-exp).padStart(2, '0')}`;
  return String(x);
}

/** A value as the pre-hash string writes it: web vocabulary for old CBV URNs, numbers, canonical GS1 identifiers. */
export function canonicalValue(text: string): string {
  if (text.includes('urn:epcglobal:cbv:')) for (const [from, to] of OLD_CBV) text = text.split(from).join(to);
  text = numberText(text);
  return canonicalGs1(text) ?? text;
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** A timestamp in UTC with milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ`; other text unchanged. */
export function timeText(text: string): string {
  const m = TIME_RE.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  // microseconds rounded half-even to milliseconds, as Python's round(us, -3)
  const us = Number(frac.slice(0, 6).padEnd(6, '0'));
  let ms = Math.floor(us / 1000);
  const r = us % 1000;
  if (r > 500 || (r === 500 && ms % 2 === 1)) ms++;
  let offMin = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    offMin = (zm[1] === '-' ? -1 : 1) * (Number(zm[2]) * 60 + Number(zm[3] ?? 0));
  }
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms) - offMin * 60_000;
  if (!Number.isFinite(t) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return text;
  return new Date(t).toISOString();
}

const isUserExtension = (c: Child) => isNode(c) && c[0].includes('{') && c[0].includes('/}');

function userExtensions(list: Child[]): Child[] {
  if (list.length <= 1 || list.some((c) => isNode(c) && (c[0].includes('eventTime') || c[0].includes('action')))) return [];
  const ext = list.filter(isUserExtension);
  for (const e of ext) list.splice(list.indexOf(e), 1);
  return ext;
}

function inOrder(list: Child[], order: Order): string {
  const ext = userExtensions(list);
  let pre = '';
  for (const [name, sub] of order) {
    const values: string[] = [];
    for (const child of list.filter((c): c is Node => isNode(c) && c[0] === name)) {
      const s = fieldText(child, sub);
      if (s) values.push(s);
      if (child[2].length === 0) list.splice(list.indexOf(child), 1); // fully used up
    }
    pre += sortStrings(values).join('');
  }
  return ext.length ? pre + generic(ext) : pre;
}

function fieldText(node: Node, sub: Order | null): string {
  const grand = sub ? inOrder(node[2], sub) : '';
  let text = node[1].trim();
  if (text) {
    const lower = node[0].toLowerCase();
    text = '=' + (lower.includes('time') && !lower.includes('offset') ? timeText(text) : canonicalValue(text));
  }
  return text || grand ? node[0] + text + grand : '';
}

function generic(children: Child[]): string {
  const values = children.map((c) => {
    if (!isNode(c)) return generic(c.pair);
    const t = c[1].trim();
    return c[0] + (t ? '=' + canonicalValue(t) : '') + generic(c[2]);
  });
  if (children.length > 1 && !children.some((c) => isNode(c) && PAIR_KEYS.includes(c[0]))) sortStrings(values);
  return values.join('');
}

/** What an event's hash needs from its document (epcis/document.ts reads both). */
export interface HashContext {
  namespaces?: Namespaces;
  ignoreFields?: readonly string[];
}

/** The canonical pre-hash string of one event (CBV 2.0 §8.9). */
export function preHashString(event: Json, c: HashContext = {}): string {
  const ns = c.namespaces ?? new Map();
  const ev = toXmlModel(toTree(expandEvent(event, ns), ns, c.ignoreFields));
  const kids = ev[2];
  const ordered = inOrder(kids, ORDER);
  return `eventType=${ev[0]}${ordered}${generic(kids.filter((c) => !(isNode(c) && NOT_HASHED.has(c[0]))))}`;
}

/** The event's hash id, `ni:///sha-256;<64 hex>?ver=CBV2.0`. */
export function eventHashId(event: Json, c: HashContext = {}): string {
  return `ni:///sha-256;${toHex(sha256(utf8(preHashString(event, c))))}?ver=CBV2.0`;
}
