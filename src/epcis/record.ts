/**
 * @module epcis/record
 * One EPCIS event as one urchain record: kind `epcis`, the event's bytes as received as the
 * payload, and metadata (urchain-formats(5), EPCIS RECORDS):
 *
 *   epcis.hash         the CBV 2.0 event hash id, ni:///sha-256;…?ver=CBV2.0
 *   epcis.type         ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent
 *   epcis.time         eventTime in UTC with milliseconds (as the hash normalises it)
 *   epcis.bizStep      the bizStep as a web vocabulary URI, when the event has one
 *   epcis.disposition  the disposition likewise
 *   id.0000 …          every identifier the event names, as index keys (epcis/meta.ts)
 *   type               application/ld+json (the payload's content type)
 *
 * The identifiers an event names: its EPCs (epcList, childEPCs, inputEPCList, outputEPCList),
 * the classes of its quantity lists, parentID, readPoint and bizLocation, and its sources and
 * destinations. The hash id is indexed too, and is the record's idempotency key (`epcis:<hash
 * id>`): the same event sent again, however written, is a duplicate, not a second record.
 */
import { isObject, type Json } from './json.js';
import { eventHashId, canonicalValue, timeText, type HashContext } from './hash.js';
import { expandEvent } from './expand.js';
import { identifierKey } from './identifiers.js';
import { identifierMeta, HASH_META_KEY } from './meta.js';
import { validateEvent, type EventProblem } from './validate.js';
import { readEpcis, type CutEvent, type EpcisInput } from './document.js';
import { utf8 } from '../codec/bytes.js';
import { normalizeMeta } from '../chain/transaction.js';
import { UrchainError } from '../errors.js';

export const EPCIS_KIND = 'epcis';
export const EPCIS_CONTENT_TYPE = 'application/ld+json';
export const IDEM_PREFIX = 'epcis:';

export interface EpcisRecord {
  index: number;
  path: string;
  hashId: string;
  eventType: string;
  eventTime: string;
  bizStep?: string;
  disposition?: string;
  identifiers: string[];
  payload: Uint8Array;
  meta: Record<string, string>;
  idemKey: string;
}

export interface Refused {
  index: number;
  path: string;
  error: EventProblem;
}

const strings = (v: Json | undefined): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const field = (v: Json | undefined, k: string): Json | undefined => (isObject(v) ? v[k] : undefined);
const each = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

/** Every identifier an event names, as written (see the module comment for which fields). */
export function namedIdentifiers(event: Json): string[] {
  if (!isObject(event)) return [];
  const out: string[] = [];
  for (const k of ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList', 'parentID']) out.push(...strings(event[k]));
  for (const k of ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList']) for (const q of each(event[k])) out.push(...strings(field(q, 'epcClass')));
  for (const k of ['readPoint', 'bizLocation']) out.push(...strings(field(event[k], 'id')));
  for (const s of each(event.sourceList)) out.push(...strings(field(s, 'source')));
  for (const d of each(event.destinationList)) out.push(...strings(field(d, 'destination')));
  return out;
}

/** An event's record, or the first problem that keeps it out (with its JSON path in the input); `knownHashId` skips computing the hash. */
export function eventRecord(cut: CutEvent, ctx: HashContext, knownHashId?: string): EpcisRecord | Refused {
  const problem = validateEvent(cut.event, cut.path);
  if (problem) return { index: cut.index, path: cut.path, error: problem };
  const event = cut.event as { [k: string]: Json };
  const hashId = knownHashId ?? eventHashId(event, ctx);
  const expanded = expandEvent({ bizStep: event.bizStep, disposition: event.disposition }, ctx.namespaces ?? new Map()) as { [k: string]: Json };
  const identifiers = [...new Set(namedIdentifiers(event).map(identifierKey))];
  const vocab = (k: string) => (typeof expanded[k] === 'string' ? canonicalValue(expanded[k] as string) : undefined);
  const rec = {
    hashId,
    eventType: event.type as string,
    eventTime: timeText(event.eventTime as string),
    bizStep: vocab('bizStep'),
    disposition: vocab('disposition'),
  };
  let meta: Record<string, string>;
  try {
    meta = { [HASH_META_KEY]: hashId, 'epcis.type': rec.eventType, 'epcis.time': rec.eventTime, type: EPCIS_CONTENT_TYPE, ...identifierMeta(identifiers) };
    if (rec.bizStep) meta['epcis.bizStep'] = rec.bizStep;
    if (rec.disposition) meta['epcis.disposition'] = rec.disposition;
    // The chain's metadata limits (an identifier or vocabulary value over 1024 bytes): refused
    // here with the event's path, as any other invalid event, not failed later by the node.
    normalizeMeta(meta);
  } catch (e) {
    return { index: cut.index, path: cut.path, error: { path: cut.path, message: (e as Error).message } };
  }
  return { index: cut.index, path: cut.path, ...rec, identifiers, payload: utf8(cut.text!), meta, idemKey: IDEM_PREFIX + hashId };
}

export const isRefused = (r: EpcisRecord | Refused): r is Refused => 'error' in r;

/** Reads an input and turns each event into a record or a refusal, in input order. */
export function epcisRecords(input: Uint8Array | string): { doc: EpcisInput; results: (EpcisRecord | Refused)[] } {
  const doc = readEpcis(input);
  return { doc, results: doc.events.map((cut) => eventRecord(cut, doc)) };
}

const HASH_ID_RE = /^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/;

/**
 * Whether an event's hash may depend on the document it came in: an extension field (a key with
 * a prefix, which the document may declare or list in its ignoreFields) or a compact value
 * (`prefix:x`, not a URN or URL) whose namespace only the document's @context may give.
 */
function needsDocument(v: Json): boolean {
  if (typeof v === 'string') return /^[A-Za-z][\w.+-]*:/.test(v) && !/^(?:urn|https?):/i.test(v);
  if (Array.isArray(v)) return v.some(needsDocument);
  if (isObject(v)) return Object.entries(v).some(([k, x]) => (k !== '@context' && k.includes(':')) || needsDocument(x));
  return false;
}

/**
 * Checks a record of kind `epcis` as a node takes it in (fail closed: the index must not hold
 * what the event does not say): the payload is one valid EPCIS 2.0 event, and the metadata the
 * index and readers rely on (epcis.type, epcis.time, epcis.bizStep, epcis.disposition, every
 * id.NNNN) is what that event gives, nothing more. The hash id must have its form; its value
 * is the sender's, computed with the document's namespaces, which the event alone may not carry.
 * A payload encrypted before it left (meta enc) cannot be read and is not checked.
 */
export function checkEpcisRecord(payload: Uint8Array, meta: [string, string][]): void {
  const get = (k: string) => meta.find(([x]) => x === k)?.[1];
  if (get('enc') !== undefined) return;
  const fail = (why: string) => {
    throw UrchainError.BAD_INPUT(`epcis record: ${why}`);
  };
  let doc: EpcisInput;
  try {
    doc = readEpcis(payload);
  } catch (e) {
    return fail(`the payload is not an EPCIS event (${(e as Error).message})`);
  }
  if (doc.shape !== 'event') fail('the payload must be one event, not a document');
  const rec = eventRecord(doc.events[0], doc, get(HASH_META_KEY) ?? ''); // the sender's hash id, not recomputed
  if (isRefused(rec)) return fail(`${rec.error.path}: ${rec.error.message}`);
  if (!HASH_ID_RE.test(get(HASH_META_KEY) ?? '')) fail(`meta ${HASH_META_KEY} must be a CBV 2.0 event hash id (ni:///sha-256;<64 hex>?ver=CBV2.0)`);
  // An event that needs nothing from its document has one hash id, and it must be the claimed one:
  // otherwise a record could claim another event's id and make that event a "duplicate", never stored.
  const event = doc.events[0].event;
  if (!needsDocument(event)) {
    const own = eventHashId(event, doc);
    if (own !== get(HASH_META_KEY)) fail(`meta ${HASH_META_KEY} is ${JSON.stringify(get(HASH_META_KEY))}, the event's hash id is ${JSON.stringify(own)}`);
  }
  for (const [k, v] of Object.entries(rec.meta)) if (k !== HASH_META_KEY && get(k) !== v) fail(`meta ${k} is ${JSON.stringify(get(k) ?? null)}, the event says ${JSON.stringify(v)}`);
  for (const [k] of meta) if ((/^id\.\d{4}$/.test(k) || k.startsWith('epcis.')) && !(k in rec.meta)) fail(`meta ${k}: the event names nothing for it`);
}
