/**
 * @module epcis/validate
 * Checks one event against EPCIS 2.0 (the JSON schema of github.com/gs1/EPCIS, written out here
 * as a table so the first problem comes with a plain message and its JSON path). What it checks:
 * the five event types and the fields each may carry, required fields (eventTime with a time
 * zone, eventTimeZoneOffset, action except for TransformationEvent, parentID of an
 * AssociationEvent, the business transactions of a TransactionEvent), the shape of every
 * structure (quantity elements, readPoint/bizLocation, business transactions, sources and
 * destinations, persistentDisposition, sensor elements and reports, errorDeclaration), URIs
 * where URIs belong, and that any other field is a namespaced user extension (`prefix:name`).
 */
import { isObject, pathJoin, type Json } from './json.js';
import { EVENT_TYPES } from './document.js';

export interface EventProblem {
  path: string;
  message: string;
}

type Check = (v: Json, path: string) => EventProblem | undefined;

const problem = (path: string, message: string): EventProblem => ({ path, message });
const show = (v: Json) => (v === undefined ? 'nothing' : JSON.stringify(v).slice(0, 60));

const URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const OFFSET_RE = /^[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00)$/;
/** A user extension's key: a compact IRI or an IRI (EPCIS 2.0 §7.3.1 JSON binding, vocab-uri). */
const isExtensionKey = (k: string) => URI_RE.test(k);

const uri: Check = (v, p) => (typeof v === 'string' && URI_RE.test(v) ? undefined : problem(p, `expected a URI, got ${show(v)}`));
const text: Check = (v, p) => (typeof v === 'string' && v.length > 0 ? undefined : problem(p, `expected text, got ${show(v)}`));
const num: Check = (v, p) => (typeof v === 'number' ? undefined : problem(p, `expected a number, got ${show(v)}`));
const bool: Check = (v, p) => (typeof v === 'boolean' ? undefined : problem(p, `expected true or false, got ${show(v)}`));
const hex: Check = (v, p) => (typeof v === 'string' && /^[A-Fa-f0-9]+$/.test(v) ? undefined : problem(p, `expected hex digits, got ${show(v)}`));
const time: Check = (v, p) => {
  if (typeof v !== 'string' || !TIME_RE.test(v)) return problem(p, `expected a date-time with a time zone (e.g. 2024-05-01T10:00:00.000+02:00), got ${show(v)}`);
  return Number.isNaN(Date.parse(v)) ? problem(p, `not a valid date-time: ${show(v)}`) : undefined;
};
const offset: Check = (v, p) => (typeof v === 'string' && OFFSET_RE.test(v) ? undefined : problem(p, `expected a time zone offset such as +01:00, got ${show(v)}`));
const oneOf =
  (...allowed: string[]): Check =>
  (v, p) =>
    typeof v === 'string' && allowed.includes(v) ? undefined : problem(p, `expected one of ${allowed.join(', ')}, got ${show(v)}`);
/** A CBV value: a bare term (`shipping`) or a URI. */
const vocab: Check = (v, p) => (typeof v === 'string' && (URI_RE.test(v) || /^[A-Za-z0-9_-]+$/.test(v)) ? undefined : problem(p, `expected a CBV term or a URI, got ${show(v)}`));

function list(item: Check, o: { min?: number } = {}): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return problem(p, `expected an array, got ${show(v)}`);
    if (v.length < (o.min ?? 0)) return problem(p, `expected at least ${o.min} element(s)`);
    for (let i = 0; i < v.length; i++) {
      const e = item(v[i], pathJoin(p, i));
      if (e) return e;
    }
    return undefined;
  };
}

/** An object with these fields; `open`: other keys allowed when they are namespaced extensions. */
function obj(fields: Record<string, Check>, o: { required?: string[]; open?: boolean; atLeastOne?: string[] } = {}): Check {
  return (v, p) => {
    if (!isObject(v)) return problem(p, `expected an object, got ${show(v)}`);
    for (const r of o.required ?? []) if (!(r in v)) return problem(pathJoin(p, r), `required, missing`);
    if (o.atLeastOne && !o.atLeastOne.some((k) => k in v)) return problem(p, `expected at least one of ${o.atLeastOne.join(', ')}`);
    for (const [k, x] of Object.entries(v)) {
      const at = pathJoin(p, k);
      const check = fields[k];
      if (check) {
        const e = check(x, at);
        if (e) return e;
      } else if (!(o.open && isExtensionKey(k))) return problem(at, o.open ? 'unknown field (a user extension needs a namespace prefix, e.g. example:myField)' : 'unknown field');
    }
    return undefined;
  };
}

const quantityElement = obj({ epcClass: uri, quantity: num, uom: (v, p) => (typeof v === 'string' && /^[A-Z0-9]{2,3}$/.test(v) ? undefined : problem(p, `expected a UN/CEFACT unit code (2-3 of A-Z 0-9), got ${show(v)}`)) }, { required: ['epcClass'] });
const place = obj({ id: uri }, { required: ['id'], open: true });
const bizTransaction = obj({ type: vocab, bizTransaction: uri }, { required: ['bizTransaction'] });
const sourceDest = (name: string) => obj({ type: vocab, [name]: uri }, { required: ['type', name] });
const persistentDisposition = obj({ set: list(vocab, { min: 1 }), unset: list(vocab, { min: 1 }) }, { atLeastOne: ['set', 'unset'] });
const sensorMetadata = obj({ time, startTime: time, endTime: time, deviceID: uri, deviceMetadata: uri, rawData: uri, dataProcessingMethod: uri, bizRules: uri }, { open: true });
const sensorReport = obj(
  {
    type: vocab, exception: vocab, deviceID: uri, deviceMetadata: uri, rawData: uri, dataProcessingMethod: uri, bizRules: uri, time, microorganism: uri, chemicalSubstance: uri,
    coordinateReferenceSystem: uri, value: num, component: vocab, stringValue: (v, p) => (typeof v === 'string' ? undefined : problem(p, `expected text, got ${show(v)}`)),
    booleanValue: bool, hexBinaryValue: hex, uriValue: uri, minValue: num, maxValue: num, meanValue: num, sDev: num, percRank: num, percValue: num, uom: text,
  },
  { open: true },
);
const sensorElement = obj({ sensorMetadata, sensorReport: list(sensorReport, { min: 1 }) }, { required: ['sensorReport'], open: true });
const errorDeclaration = obj({ declarationTime: time, reason: vocab, correctiveEventIDs: list(uri) }, { required: ['declarationTime'], open: true });
const ilmd: Check = (v, p) => (isObject(v) ? undefined : problem(p, `expected an object, got ${show(v)}`));

const COMMON: Record<string, Check> = {
  '@context': () => undefined,
  type: () => undefined,
  eventTime: time,
  recordTime: time,
  eventTimeZoneOffset: offset,
  eventID: uri,
  certificationInfo: (v, p) => (Array.isArray(v) ? list(uri)(v, p) : uri(v, p)),
  errorDeclaration,
};
const WHERE_WHY: Record<string, Check> = {
  bizStep: vocab, disposition: vocab, readPoint: place, bizLocation: place,
  bizTransactionList: list(bizTransaction), sourceList: list(sourceDest('source')), destinationList: list(sourceDest('destination')), sensorElementList: list(sensorElement),
};
const action = oneOf('ADD', 'OBSERVE', 'DELETE');

const FIELDS: Record<string, { fields: Record<string, Check>; required: string[] }> = {
  ObjectEvent: { fields: { action, epcList: list(uri), quantityList: list(quantityElement), persistentDisposition, ilmd }, required: ['action'] },
  AggregationEvent: { fields: { action, parentID: uri, childEPCs: list(uri), childQuantityList: list(quantityElement) }, required: ['action'] },
  TransactionEvent: { fields: { action, parentID: uri, epcList: list(uri), quantityList: list(quantityElement), bizTransactionList: list(bizTransaction, { min: 1 }) }, required: ['action', 'bizTransactionList'] },
  TransformationEvent: {
    fields: { inputEPCList: list(uri), inputQuantityList: list(quantityElement), outputEPCList: list(uri), outputQuantityList: list(quantityElement), transformationID: uri, persistentDisposition, ilmd },
    required: [],
  },
  AssociationEvent: { fields: { action, parentID: uri, childEPCs: list(uri), childQuantityList: list(quantityElement) }, required: ['action', 'parentID'] },
};

/** The whole check of each event type. */
const TYPES: Record<string, Check> = Object.fromEntries(
  Object.entries(FIELDS).map(([type, t]) => [type, obj({ ...COMMON, ...WHERE_WHY, ...t.fields }, { required: ['eventTime', 'eventTimeZoneOffset', ...t.required], open: true })]),
);

/** The first problem of an event (path relative to `path`), or undefined when it is valid EPCIS 2.0. */
export function validateEvent(event: Json, path = '$'): EventProblem | undefined {
  if (!isObject(event)) return problem(path, `expected an event (a JSON object), got ${show(event)}`);
  const check = Object.hasOwn(TYPES, event.type as string) ? TYPES[event.type as string] : undefined;
  if (!check) return problem(pathJoin(path, 'type'), `expected one of ${EVENT_TYPES.join(', ')}, got ${show(event.type)}`);
  return check(event, path);
}
