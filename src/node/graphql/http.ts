/**
 * @module node/graphql/http
 * GraphQL over HTTP (the GraphQL-over-HTTP draft of the GraphQL Foundation) for `/graphql`, with
 * graphql-js 16 as the engine. The node's API routes requests here after its token and origin
 * checks (node/apiGuard), so /graphql needs what every route needs.
 *
 *   GET  /graphql?query=…&variables=JSON&operationName=…   a query only: a mutation is 405
 *   POST /graphql   content-type application/json, {"query", "variables"?, "operationName"?}
 *
 * The answer's media type follows Accept: application/graphql-response+json (also for no Accept,
 * as the draft says since 2025, and for * / *) or application/json; anything else is 406. Status
 * codes per the draft: with application/graphql-response+json a request that fails before
 * execution (bad JSON, a parse or validation error, a limit) is 400 and an executed one 200, errors
 * or not; with application/json a request with well-formed parameters is 200 whatever its GraphQL
 * errors (a malformed one is 400 in both). Errors follow the GraphQL spec:
 * `{"errors": [{"message", "locations"?, "path"?, "extensions": {"code"}}], "data"?}`, the code
 * being urchain's error code (src/errors.ts) or one of this API's limits (node/graphql/limits).
 *
 * Read-only: the schema has no mutation type, and a mutation or subscription is refused before
 * validation with a clear message (405 on GET, as the draft requires).
 */
import type http from 'node:http';
import { parse, validate, execute, specifiedRules, getOperationAST, defaultFieldResolver, GraphQLError, type ValidationRule, type GraphQLFieldResolver } from 'graphql';
import { readBody, type BodyBudget } from '../../io/http.js';
import { asUrchainError, isUrchainError } from '../../errors.js';
import type { Query } from '../query.js';
import { urchainSchema } from './schema.js';
import { checkLimits, DEFAULT_LIMITS, type GraphqlLimits } from './limits.js';
import { makeContext, Root, type GqlContext } from './resolvers.js';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

export type GraphqlOptions = Partial<GraphqlLimits>;

/** One answer: status, media type, body, extra headers. */
interface Answer {
  status: number;
  type: string;
  body: { errors?: unknown[]; data?: unknown };
  headers?: Record<string, string>;
}

/** Refuses __schema and __type (introspection off), each with code INTROSPECTION_DISABLED. */
const NoIntrospection: ValidationRule = (ctx) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type')
      ctx.reportError(new GraphQLError(`introspection is switched off on this node (--graphql-introspection false): ${node.name.value} is not answered`, { nodes: [node], extensions: { code: 'INTROSPECTION_DISABLED' } }));
  },
});

/** The media type to answer in, from an Accept header; undefined when none we serve is acceptable. */
function negotiate(accept: string | undefined): string | undefined {
  if (!accept || !accept.trim()) return GRAPHQL_RESPONSE;
  let best: { type: string; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qp = params.find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!(q > 0)) continue;
    const type = range === 'application/json' ? 'application/json' : range === GRAPHQL_RESPONSE || range === '*/*' || range === 'application/*' ? GRAPHQL_RESPONSE : undefined;
    if (type && (!best || q > best.q)) best = { type, q };
  }
  return best?.type;
}

/** An HTTP request that is not a well-formed GraphQL-over-HTTP request: its status in either media type. */
function refuse(type: string, status: number, code: string, message: string, headers?: Record<string, string>): Answer {
  return { status, type, body: { errors: [{ message, extensions: { code } }] }, headers };
}

/** Errors of an executed query: urchain's codes kept, a defect hidden (and logged), one TIMEOUT at most. */
function shapeErrors(errors: readonly GraphQLError[], log: (e: Error) => void): GraphQLError[] {
  const out: GraphQLError[] = [];
  let timedOut = false;
  for (const e of errors) {
    const orig = e.originalError;
    if (!orig || orig instanceof GraphQLError) {
      out.push(e);
      continue;
    }
    const u = asUrchainError(orig);
    if (u.code === 'TIMEOUT') {
      if (timedOut) continue;
      timedOut = true;
    }
    if (u.code === 'INTERNAL' && !isUrchainError(orig)) log(orig);
    out.push(new GraphQLError(u.code === 'INTERNAL' ? 'internal error (logged by the node)' : u.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, extensions: { code: u.code } }));
  }
  return out;
}

/** Every field first checks the time budget. */
const timedResolver: GraphQLFieldResolver<unknown, GqlContext> = (source, args, ctx, info) => {
  ctx.tick();
  return defaultFieldResolver(source, args, ctx, info);
};

export interface GraphqlRequest {
  method: string;
  accept?: string;
  contentType?: string;
  /** GET: the URL's parameters; POST: the body. */
  search: URLSearchParams;
  body?: Uint8Array;
}

/** Runs one GraphQL-over-HTTP request against `query` within `limits` (no I/O: the handler and tests use it). */
export function runGraphql(query: Query, limits: GraphqlLimits, r: GraphqlRequest, log: (e: Error) => void = () => {}): Answer {
  const type = negotiate(r.accept);
  if (!type) return refuse('application/json', 406, 'NOT_ACCEPTABLE', `Accept ${JSON.stringify(r.accept)}: this endpoint answers ${GRAPHQL_RESPONSE} or application/json`);
  let params: { query?: unknown; variables?: unknown; operationName?: unknown };
  if (r.method === 'GET') {
    const v = r.search.get('variables');
    let variables: unknown;
    try {
      variables = v === null ? undefined : JSON.parse(v);
    } catch {
      return refuse(type, 400, 'BAD_REQUEST', 'variables: not JSON');
    }
    params = { query: r.search.get('query') ?? undefined, variables, operationName: r.search.get('operationName') ?? undefined };
  } else {
    if (!/^application\/json\s*(;|$)/i.test(r.contentType ?? '')) return refuse(type, 415, 'UNSUPPORTED_MEDIA_TYPE', `content-type ${JSON.stringify(r.contentType ?? '')}: send application/json`);
    try {
      params = JSON.parse(Buffer.from(r.body ?? new Uint8Array()).toString('utf8'));
    } catch {
      return refuse(type, 400, 'BAD_REQUEST', 'the body is not JSON');
    }
    if (!params || typeof params !== 'object' || Array.isArray(params)) return refuse(type, 400, 'BAD_REQUEST', 'the body must be a JSON object {"query", "variables"?, "operationName"?}');
  }
  const { query: text, variables, operationName } = params;
  if (typeof text !== 'string' || !text) return refuse(type, 400, 'BAD_REQUEST', 'query: expected a GraphQL document as a string');
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return refuse(type, 400, 'BAD_REQUEST', 'variables: expected a JSON object');
  if (operationName != null && typeof operationName !== 'string') return refuse(type, 400, 'BAD_REQUEST', 'operationName: expected a string');
  const fail = (errors: readonly GraphQLError[]): Answer => ({ status: type === GRAPHQL_RESPONSE ? 400 : 200, type, body: { errors: errors.map((e) => e.toJSON()) } });

  let doc;
  try {
    doc = parse(text, { maxTokens: limits.maxTokens, noLocation: false });
  } catch (e) {
    if (!(e instanceof GraphQLError)) throw e;
    return fail([new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })]);
  }
  const op = getOperationAST(doc, (operationName as string | undefined) ?? null);
  if (op && op.operation !== 'query') {
    const msg = `this API is read-only: ${op.operation} operations are refused`;
    if (r.method === 'GET') return refuse(type, 405, 'READ_ONLY', msg, { allow: 'POST' });
    return fail([new GraphQLError(msg, { nodes: [op], extensions: { code: 'READ_ONLY' } })]);
  }
  const { schema, fieldTypes } = urchainSchema();
  const invalid = validate(schema, doc, limits.introspection ? specifiedRules : [...specifiedRules, NoIntrospection]);
  if (invalid.length) return fail(invalid.map((e) => (e.extensions.code ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }))));
  if (!op) return fail([new GraphQLError(operationName ? `no operation named ${JSON.stringify(operationName)}` : 'several operations: name one with operationName', { extensions: { code: 'BAD_REQUEST' } })]);
  const limited = checkLimits(doc, op, (variables ?? {}) as Record<string, unknown>, limits, fieldTypes);
  if (limited.errors.length) return fail(limited.errors);

  const ctx = makeContext(query, limits);
  const result = execute({ schema, document: doc, rootValue: new Root(ctx), contextValue: ctx, variableValues: variables as Record<string, unknown> | undefined, operationName: operationName as string | undefined, fieldResolver: timedResolver });
  if (result instanceof Promise) throw new Error('graphql: a resolver returned a promise; the store is synchronous');
  // Variables that do not coerce fail before execution: no data, a request error.
  if (!('data' in result) || result.data === undefined) return fail((result.errors ?? []).map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_REQUEST' } })));
  const errors = result.errors ? shapeErrors(result.errors, log) : undefined;
  return { status: 200, type, body: { ...(errors?.length ? { errors: errors.map((e) => e.toJSON()) } : {}), data: result.data } };
}

/** The limits in force: the defaults, with what `o` sets. */
export function resolveLimits(o: GraphqlOptions = {}): GraphqlLimits {
  const l: GraphqlLimits = { ...DEFAULT_LIMITS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  return { ...l, defaultPage: Math.min(l.defaultPage, l.maxPage) }; // a smaller cap lowers the default page too
}

/** The /graphql route for the node's API (node/api calls it after its guard). */
export function graphqlHandler(query: Query, o: GraphqlOptions = {}, log: (e: Error) => void = () => {}) {
  const limits = resolveLimits(o);
  // Queries run on the node's one thread, each up to its time budget: a cap on those in progress
  // keeps a burst of heavy queries from holding the thread (and ingest with it) for long.
  let inProgress = 0;
  return async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, budget?: BodyBudget): Promise<void> => {
    let a: Answer;
    if (inProgress >= limits.maxConcurrent) {
      a = refuse(negotiate(req.headers.accept) ?? 'application/json', 503, 'UNAVAILABLE', `${limits.maxConcurrent} GraphQL queries are in progress on this node, the most it runs at once: try again shortly`, { 'retry-after': '1', connection: 'close' });
    } else {
      inProgress++;
      try {
        let body: Uint8Array | undefined;
        if (req.method === 'POST') body = await readBody(req, limits.maxRequestBytes, { budget, res });
        a =
          req.method === 'GET' && url.search.length > limits.maxRequestBytes
            ? refuse(negotiate(req.headers.accept) ?? 'application/json', 413, 'TOO_LARGE', `the query string is over ${limits.maxRequestBytes} bytes: POST the query instead`)
            : runGraphql(query, limits, { method: req.method ?? 'GET', accept: req.headers.accept, contentType: req.headers['content-type'], search: url.searchParams, body }, log);
      } finally {
        inProgress--;
      }
    }
    const text = JSON.stringify(a.body);
    res.writeHead(a.status, { ...a.headers, 'content-type': `${a.type}; charset=utf-8`, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  };
}
