/**
 * @module epcis/document
 * Cuts an EPCIS 2.0 JSON(-LD) input into its events. Three shapes are accepted:
 *
 *   EPCISDocument       events in `epcisBody.eventList`
 *   EPCISQueryDocument  events in `epcisBody.queryResults.resultsBody.eventList`
 *   a single event      an object whose `type` is one of the five event types
 *
 * Each event comes with its JSON path in the input and its exact text: the characters from its
 * opening `{` to its closing `}` as they stand in the input (whitespace, key order and escapes
 * untouched), so the record's payload is the event's bytes as received. The document's
 * namespaces (`@context` objects) come along: an event's hash and its user extensions need them.
 */
import { badInput } from '../errors.js';
import { parseJson, isObject, type Json } from './json.js';
import { namespacesOf, unknownContexts, type Namespaces } from './expand.js';

export const EVENT_TYPES = ['ObjectEvent', 'AggregationEvent', 'TransactionEvent', 'TransformationEvent', 'AssociationEvent'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface CutEvent {
  /** Position in the input's event list (0 for a single event). */
  index: number;
  /** JSON path of the event in the input, e.g. `$.epcisBody.eventList[3]`. */
  path: string;
  /** The parsed event (or whatever stands at that place, when it is not even an object). */
  event: Json;
  /** The event's text exactly as in the input (undefined when it is not an object). */
  text?: string;
}

export interface EpcisInput {
  shape: 'EPCISDocument' | 'EPCISQueryDocument' | 'event';
  namespaces: Namespaces;
  /** `@context` URLs other than the EPCIS 2.0 context: nothing is fetched, so they declare nothing. */
  unknownContexts: string[];
  events: CutEvent[];
  /**
   * Top-level event fields the document asks to leave out of the hash: a convention of the
   * reference hash implementation (`<prefix>:ignoreFields` on the document, or on its
   * queryResults, with the prefix bound to https://repository-x.example.com/), honoured so the
   * same documents give the same ids. Empty for ordinary documents.
   */
  ignoreFields: string[];
}

const IGNORE_NS = 'https://repository-x.example.com/';

function ignoreFieldsOf(where: Json | undefined, ns: Namespaces): string[] {
  if (!isObject(where)) return [];
  for (const [prefix, iri] of ns) {
    const list = iri === IGNORE_NS ? where[`${prefix}:ignoreFields`] : undefined;
    if (Array.isArray(list)) return list.filter((x): x is string => typeof x === 'string');
  }
  return [];
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads an EPCIS input; throws BAD_INPUT (with the JSON path) when the document itself is unusable. */
export function readEpcis(input: Uint8Array | string): EpcisInput {
  let text: string;
  try {
    text = typeof input === 'string' ? input : decoder.decode(input);
  } catch {
    throw badInput('EPCIS input: not valid UTF-8', { path: '$' });
  }
  const { value, spans } = parseJson(text);
  if (!isObject(value)) throw badInput('$: expected an EPCIS document or event (a JSON object)', { path: '$' });
  const context = value['@context'];
  const namespaces = namespacesOf(context);
  const base = { namespaces, unknownContexts: unknownContexts(context), ignoreFields: ignoreFieldsOf(value, namespaces) };
  const cut = (list: Json[], path: string): CutEvent[] =>
    list.map((event, index) => {
      const span = isObject(event) ? spans.get(event) : undefined;
      return { index, path: `${path}[${index}]`, event, text: span && text.slice(span[0], span[1]) };
    });
  const body = value.epcisBody;
  if (value.type === 'EPCISDocument') {
    const list = isObject(body) ? body.eventList : undefined;
    if (!Array.isArray(list)) throw badInput('$.epcisBody.eventList: an EPCISDocument needs its events in an array here', { path: '$.epcisBody.eventList' });
    return { shape: 'EPCISDocument', ...base, events: cut(list, '$.epcisBody.eventList') };
  }
  if (value.type === 'EPCISQueryDocument') {
    const results = isObject(body) ? body.queryResults : undefined;
    const rb = isObject(results) ? results.resultsBody : undefined;
    const list = isObject(rb) ? rb.eventList : undefined;
    const path = '$.epcisBody.queryResults.resultsBody.eventList';
    if (!Array.isArray(list)) throw badInput(`${path}: an EPCISQueryDocument needs its events in an array here`, { path });
    return { shape: 'EPCISQueryDocument', ...base, ignoreFields: ignoreFieldsOf(results, namespaces), events: cut(list, path) };
  }
  if (typeof value.type === 'string' && (EVENT_TYPES as readonly string[]).includes(value.type)) {
    const [a, b] = spans.get(value)!;
    return { shape: 'event', ...base, events: [{ index: 0, path: '$', event: value, text: text.slice(a, b) }] };
  }
  throw badInput(`$.type: expected EPCISDocument, EPCISQueryDocument or one of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(value.type ?? null)}`, { path: '$.type' });
}
