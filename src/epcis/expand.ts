/**
 * @module epcis/expand
 * The little JSON-LD an EPCIS event hash needs, from the shipped context (epcis/context.ts) and
 * the document's own `@context`: no network, no general JSON-LD processor.
 *
 * - Values of `@vocab`-typed properties (bizStep, disposition, bizTransaction and source/
 *   destination types, persistentDisposition set/unset, error reason, sensor report type,
 *   exception, component) are expanded through the property's scoped context: `shipping` under
 *   bizStep is https://ref.gs1.org/cbv/BizStep-shipping. Only expansions into the CBV and GS1
 *   web vocabularies replace the value (CBV 2.0: bare values stand for those IRIs); anything
 *   else stays as written.
 * - Namespaces the document declares in `@context` ({"example": "https://ns.example.com/epcis/"})
 *   turn `example:x` into `{https://ns.example.com/epcis/}x` as a key (a user extension's name)
 *   and `https://ns.example.com/epcis/x` as a value, the forms the CBV 2.0 pre-hash string uses.
 */
import { EPCIS_CONTEXT, EPCIS_CONTEXT_URLS, type ContextObject, type TermDefinition } from './context.js';
import { isObject, type Json } from './json.js';

/** Namespaces a document declares: prefix -> IRI. */
export type Namespaces = Map<string, string>;

interface Scope {
  terms: Map<string, TermDefinition>;
}

const VOCABS = ['https://ref.gs1.org/cbv/', 'https://gs1.org/voc/'];

/** Scopes made from a scope and a context object, kept: the same few are made for every event. */
const derived = new WeakMap<Scope, WeakMap<object, Scope>>();

function withContext(scope: Scope, ctx: ContextObject | ContextObject[] | undefined): Scope {
  if (!ctx) return scope;
  const known = derived.get(scope)?.get(ctx);
  if (known) return known;
  const terms = new Map(scope.terms);
  for (const c of Array.isArray(ctx) ? ctx : [ctx]) for (const [k, v] of Object.entries(c)) if (!k.startsWith('@') && (typeof v === 'string' || isObject(v))) terms.set(k, v as TermDefinition);
  const made = { terms };
  (derived.get(scope) ?? derived.set(scope, new WeakMap()).get(scope)!).set(ctx, made);
  return made;
}

const ROOT: Scope = withContext({ terms: new Map() }, EPCIS_CONTEXT);
/** The root scope with a document's namespaces, once per document. */
const rootFor = new WeakMap<Namespaces, Scope>();

/** A compact IRI `prefix:rest` whose prefix the scope defines as a string, expanded; else the text. */
function expandIri(scope: Scope, s: string): string {
  const i = s.indexOf(':');
  if (i <= 0 || s.startsWith('//', i + 1)) return s;
  const p = scope.terms.get(s.slice(0, i));
  return typeof p === 'string' && !p.startsWith('@') ? p + s.slice(i + 1) : s;
}

function vocabValue(scope: Scope, s: string): string {
  const t = scope.terms.get(s);
  const iri = expandIri(scope, typeof t === 'string' ? t : isObject(t) && typeof t['@id'] === 'string' ? t['@id'] : s);
  return VOCABS.some((v) => iri.startsWith(v)) ? iri : s;
}

/**
 * The namespaces declared by a document's `@context` (its objects; URLs of the EPCIS context
 * are the shipped one, other URLs cannot be fetched here and declare nothing).
 */
export function namespacesOf(context: Json | undefined): Namespaces {
  const ns: Namespaces = new Map();
  for (const c of Array.isArray(context) ? context : context === undefined ? [] : [context]) {
    if (isObject(c)) for (const [k, v] of Object.entries(c)) if (typeof v === 'string') ns.set(k, v);
  }
  return ns;
}

/** Are all URL entries of a `@context` the EPCIS 2.0 context (the only one that ships)? */
export function unknownContexts(context: Json | undefined): string[] {
  const list = Array.isArray(context) ? context : context === undefined ? [] : [context];
  return list.filter((c): c is string => typeof c === 'string' && !EPCIS_CONTEXT_URLS.includes(c));
}

/** `prefix:rest` with a declared prefix, as a key (`{ns}rest`) or as a value (`nsrest`). */
export function namespaced(ns: Namespaces, s: string, asValue: boolean): string {
  const i = s.indexOf(':');
  if (i < 0) return s;
  const iri = ns.get(s.slice(0, i));
  if (iri === undefined) return s;
  return asValue ? iri + s.slice(i + 1) : `{${iri}}${s.slice(i + 1)}`;
}

/**
 * A copy of an event with every bare or compact vocabulary value expanded (see the module
 * comment); keys, numbers and everything else unchanged.
 */
export function expandEvent(event: Json, ns: Namespaces): Json {
  let root = ROOT;
  if (ns.size) root = rootFor.get(ns) ?? rootFor.set(ns, withContext(ROOT, Object.fromEntries(ns))).get(ns)!;
  const walk = (v: Json, scope: Scope): Json => {
    if (Array.isArray(v)) return v.map((x) => walk(x, scope));
    if (!isObject(v)) return v;
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) {
      const def = scope.terms.get(k);
      const inner = isObject(def) ? withContext(scope, def['@context'] as ContextObject | ContextObject[] | undefined) : scope;
      const vocab = isObject(def) && def['@type'] === '@vocab';
      const one = (y: Json): Json => (vocab && typeof y === 'string' ? vocabValue(inner, y) : walk(y, inner));
      out[k] = Array.isArray(x) ? x.map(one) : one(x);
    }
    return out;
  };
  return walk(event, root);
}
