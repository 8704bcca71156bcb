/**
 * @module node/api
 * The node's HTTP API (127.0.0.1 by default; urchain-api(7) is its contract). JSON out, errors
 * as `{"error":{"code","message"}}` with the HTTP status of the error table (src/errors.ts). Routes:
 *
 *   POST /v1/records          body = payload; query kind, product, type, source, meta.<k>=<v>, key
 *                             -> receipt, sent only once the record is durable
 *   POST /v1/records/batch    body = CBOR array of {payload, kind?, meta?, key?} -> {receipts}
 *   GET  /v1/status           chain, head, pending, node type and key
 *   GET  /v1/params           chain parameters and chain id
 *   GET  /v1/trust            the trust list for verifiers (urchain trust export --node)
 *   GET  /v1/blocks/:ref      ref = head | height | hash
 *   GET  /v1/txs/:id          ?payload=1 adds the payload (base64)
 *   GET  /v1/proofs/:id       ?stripped=1 leaves the payload out, ?countersigned=1 adds partners' countersignatures
 *   GET  /v1/entangled/:key   proofs of the entangle records holding that partner's checkpoints
 *   GET  /v1/products/:code   every record indexed under that product code or identifier (a GS1
 *                             identifier in either form: EPC URN or Digital Link), in chain order
 *   GET  /v1/peers            links, known peers and sync state (networked nodes)
 *   GET  /v1/health           liveness and readiness (node/telemetry): 200 when ready, else 503;
 *                             the one route that needs no token (it reveals no key, address or record)
 *   GET  /metrics             Prometheus text format 0.0.4 (node/telemetry, io/metrics)
 *   GET  /checkpoint          the chain's C2SP checkpoint, a signed note in text/plain (node/tlog);
 *                             ?depth=N covers the blocks N or more below the head
 *   GET|POST /graphql         GraphQL over HTTP, read-only, with --graphql (node/graphql/http)
 *
 * Request bodies are the only memory a client can make the node hold: each is capped (one
 * record, or four records' worth for a batch) and all bodies in flight share one budget
 * (io/httpBody), so a request that does not fit is refused (413 / 503) instead of buffered.
 */
import http from 'node:http';
import { decodeUntrusted, type UntrustedMap, type UntrustedValue } from '../codec/untrusted.js';
import { UrchainError, isUrchainError, badInput } from '../errors.js';
import { makeGuard, type Guard } from './apiGuard.js';
import { BodyBudget, readBody, readBodyThen, expectsContinue, send, sendJson, sendError, knownError, logToStderr } from '../io/http.js';
import { METRICS_CONTENT_TYPE } from '../io/metrics.js';
import type { Intake } from './intake.js';
import { Durable, receiptsJson } from './receipt.js';
import { MAX_BATCH_RECORDS, type RecordInput } from '../contracts/records.js';
import type { Query } from './query.js';
import { graphqlHandler, type GraphqlOptions } from './graphql/http.js';

/** Records in one batch request. */
export { MAX_BATCH_RECORDS };
/** CBOR data items in one batch body (records, their fields and metadata entries). */
export const MAX_BATCH_ITEMS = 400_000;
/** A batch body may be this many times the largest record. */
export const BATCH_BODY_FACTOR = 4;

export interface ApiDeps {
  intake: Intake;
  query: Query;
  status: () => unknown;
  /** Largest single-record body; a batch body may be BATCH_BODY_FACTOR times this. */
  maxBody: number;
  /** Bytes of request bodies held at once across all requests (default twice the batch limit). */
  maxBuffered?: number;
  /** Address the API is bound to (default 127.0.0.1): on loopback, Host and Origin are checked. */
  host?: string;
  /** Bearer token every request must carry (required off loopback, see apiGuard). */
  token?: string;
  /** Errors that are not UrchainErrors, i.e. bugs: logged here, answered with 500. */
  onError?: (e: Error) => void;
  /** Peer links and sync state (GET /v1/peers), when the node is networked. */
  peers?: () => unknown;
  /** The trust list verifiers need (GET /v1/trust): chain, authorities, every member's key. */
  trust?: () => unknown;
  /** Health checks (GET /v1/health); `ready` decides between 200 and 503. */
  health?: () => { ready: boolean };
  /** The metrics in the Prometheus text format (GET /metrics). */
  metrics?: () => string;
  /** The chain's C2SP checkpoint as a signed note (GET /checkpoint, node/tlog); `depth` from ?depth=N. */
  checkpoint?: (depth?: number) => string;
  /** Called once per answered request with its route (as routeOf names it) and status, for metrics. */
  onAnswered?: (route: string, status: number) => void;
  /** Serve GET|POST /graphql with these limits (node/graphql); absent: no /graphql. */
  graphql?: GraphqlOptions;
  /** Fetches a payload this node does not keep from an archive peer. */
  fetchPayload?: (txId: string) => Promise<Uint8Array | undefined>;
}

function recordFromQuery(q: URLSearchParams, payload: Uint8Array): RecordInput {
  const meta: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [k, v] of q) {
    if (seen.has(k)) throw badInput(`query parameter ${k} given twice`);
    seen.add(k);
    if (k.startsWith('meta.')) meta[k.slice(5)] = v;
    else if (k === 'product' || k === 'type' || k === 'source') meta[k] = v;
    else if (k !== 'kind' && k !== 'key') throw badInput(`unknown query parameter ${k}`);
  }
  return { payload, kind: q.get('kind') ?? undefined, meta, idemKey: q.get('key') ?? undefined };
}

/** null and undefined stand for an absent field (generic encoders write undefined for one). */
const opt = (v: UntrustedValue) => (v === null ? undefined : v);

function recordFromCbor(x: UntrustedValue, i: number): RecordInput {
  if (!x || typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array) throw badInput(`batch[${i}]: expected a map {payload, kind?, meta?, key?}`);
  // One pass over the map's own keys (it has no prototype): no key list, no set of names.
  let payload: UntrustedValue;
  let kind: UntrustedValue;
  let meta: UntrustedValue;
  let key: UntrustedValue;
  for (const k in x as UntrustedMap) {
    const v = (x as UntrustedMap)[k];
    if (k === 'payload') payload = v;
    else if (k === 'kind') kind = opt(v);
    else if (k === 'meta') meta = opt(v);
    else if (k === 'key') key = opt(v);
    else throw badInput(`batch[${i}]: unknown field ${JSON.stringify(k)}`);
  }
  if (!(payload instanceof Uint8Array)) throw badInput(`batch[${i}].payload: expected a byte string`);
  if (kind !== undefined && typeof kind !== 'string') throw badInput(`batch[${i}].kind: expected text`);
  if (key !== undefined && typeof key !== 'string') throw badInput(`batch[${i}].key: expected text`);
  if (meta !== undefined) {
    if (typeof meta !== 'object' || Array.isArray(meta) || meta instanceof Uint8Array) throw badInput(`batch[${i}].meta: expected a map of text to text`);
    for (const k in meta as UntrustedMap) if (typeof (meta as UntrustedMap)[k] !== 'string') throw badInput(`batch[${i}].meta.${k}: expected text`);
  }
  return { payload, kind, meta: meta as Record<string, string> | undefined, idemKey: key };
}

/** Decodes a batch body strictly: no shared references, at most MAX_BATCH_RECORDS records. */
export function decodeBatch(body: Uint8Array): RecordInput[] {
  let arr: UntrustedValue;
  try {
    // Tag 64 (a byte string marked as a Uint8Array) is what cbor-x writes by default for payloads.
    arr = decodeUntrusted(body, { maxItems: MAX_BATCH_ITEMS, maxBytes: body.length, tags: [64], copy: false });
  } catch (e) {
    throw badInput(`batch: ${(e as Error).message}`);
  }
  if (!Array.isArray(arr) || arr.length === 0 || arr.length > MAX_BATCH_RECORDS) throw badInput(`batch: expected a CBOR array of 1-${MAX_BATCH_RECORDS} records`);
  return arr.map(recordFromCbor);
}

const budgets = new WeakMap<http.Server, BodyBudget>();
/** The body budget of an API server (for tests and metrics). */
export const bodyBudget = (s: http.Server) => budgets.get(s);

export function createApi(d: ApiDeps): http.Server {
  const guard = makeGuard(d.host ?? '127.0.0.1', d.token);
  // Health probes (systemd, a load balancer, Kubernetes) carry no token: /v1/health is served
  // without one, still behind the Host and Origin checks, and answers nothing sensitive.
  const probeGuard = makeGuard(d.host ?? '127.0.0.1', undefined);
  const budget = new BodyBudget(d.maxBuffered ?? 2 * BATCH_BODY_FACTOR * d.maxBody);
  const log = d.onError ?? logToStderr;
  const answered = d.onAnswered;
  const gql = d.graphql ? graphqlHandler(d.query, d.graphql, log) : undefined;
  // One listener for every answer (not a closure per request): the response knows its request.
  const count = answered && function (this: http.ServerResponse) {
    answered(routeOf(this.req.url), this.statusCode);
  };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (count) res.on('finish', count);
    if (req.method === 'POST' && oneRecord(d, guard, budget, req, res, log)) return;
    void handle(d, isHealth(req.url) ? probeGuard : guard, budget, req, res, gql).catch((e) => sendError(res, e, log));
  };
  const server = http.createServer({ keepAliveTimeout: 30_000 }, onRequest);
  // A client that asks first gets a refusal before it sends a body; readBody tells it to go on.
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    expectsContinue(req);
    onRequest(req, res);
  });
  budgets.set(server, budget);
  return server;
}

/** Whether a request target is the health route exactly (anything else goes through the token check). */
const isHealth = (target: string | undefined) => target !== undefined && target.startsWith('/v1/health') && /^\/v1\/health(\?[^#]*)?$/.test(target);

/** A request target as a route with its arguments left out ("/v1/txs/:id"), "other" for no route: few label values. */
export function routeOf(target: string | undefined): string {
  const t = target ?? '/';
  const q = t.indexOf('?');
  const path = q < 0 ? t : t.slice(0, q);
  if (path === '/v1/records' || path === '/v1/records/batch') return path; // the routes under load
  const p = path.split('/').filter(Boolean);
  if (p.length === 1 && (p[0] === 'metrics' || p[0] === 'checkpoint' || p[0] === 'graphql')) return `/${p[0]}`;
  if (!methodsFor(p)) return 'other';
  return p[2] === undefined || p[1] === 'records' ? `/${p.join('/')}` : `/v1/${p[1]}/${ARG[p[1]] ?? ':arg'}`;
}
const ARG: Record<string, string> = { blocks: ':ref', txs: ':id', proofs: ':id', entangled: ':key', products: ':code' };

const GET = ['GET', 'HEAD'];
/** Methods a path takes, undefined for no such path. */
function methodsFor(p: string[]): string[] | undefined {
  if ((p[0] === 'metrics' || p[0] === 'checkpoint') && p.length === 1) return GET;
  if (p[0] === 'graphql' && p.length === 1) return ['GET', 'POST'];
  if (p[0] !== 'v1') return undefined;
  const [what, arg, ...rest] = p.slice(1);
  if (rest.length) return undefined;
  switch (what) {
    case 'records':
      return arg === undefined || arg === 'batch' ? ['POST'] : undefined;
    case 'status':
    case 'params':
    case 'trust':
    case 'peers':
    case 'health':
      return arg === undefined ? GET : undefined;
    case 'blocks':
      return GET;
    case 'txs':
    case 'proofs':
    case 'entangled':
    case 'products':
      return arg === undefined ? undefined : GET;
  }
  return undefined;
}

/**
 * POST /v1/records with its exact target (`/v1/records` or `/v1/records?…`): the route that takes
 * one record per request, and so the one whose per-request cost counts most. Callbacks from the
 * body to the receipt, no promise or await on the way; the same checks, answers and errors as the
 * general path (handle), which takes every other target. False when the target is another.
 */
function oneRecord(d: ApiDeps, guard: Guard, budget: BodyBudget, req: http.IncomingMessage, res: http.ServerResponse, log: (e: Error) => void): boolean {
  const t = req.url ?? '';
  const q = t.indexOf('?');
  if (q < 0 ? t !== '/v1/records' : q !== 11 || !t.startsWith('/v1/records') || t.includes('#')) return false;
  const fail = (e: unknown) => sendError(res, e, log);
  try {
    guard.check(req);
  } catch (e) {
    fail(e);
    return true;
  }
  readBodyThen(
    req,
    d.maxBody,
    { budget, res },
    (payload) => {
      let rec: RecordInput;
      try {
        rec = q < 0 ? { payload } : recordFromQuery(new URLSearchParams(t.slice(q + 1)), payload);
      } catch (e) {
        return fail(e);
      }
      d.intake.acceptThen(rec, (r) => answer(res, r, fail), fail);
    },
    fail,
  );
  return true;
}

/** A receipt's answer. It must not throw: the intake calls it in the loop that answers a whole commit. */
function answer(res: http.ServerResponse, r: Durable, fail: (e: unknown) => void): void {
  try {
    // A string: Node writes a short answer together with its headers, in one write.
    sendJson(res, 200, r.json());
  } catch (e) {
    fail(e);
  }
}

/** POST /v1/records (`query` given) and /v1/records/batch: receipts once the records are durable. */
async function records(d: ApiDeps, budget: BodyBudget, req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams | undefined) {
  if (query) {
    const payload = await readBody(req, d.maxBody, { budget, res });
    return sendJson(res, 200, (await d.intake.accept(recordFromQuery(query, payload))).json());
  }
  const recs = decodeBatch(await readBody(req, BATCH_BODY_FACTOR * d.maxBody, { budget, res }));
  const results = await d.intake.acceptAll(recs);
  // A record the node refuses gets its error in its place; the others are stored regardless.
  // One buffer for the whole answer, the same bytes as JSON.stringify of {receipts: [...]}.
  const parts = results.map((r) => {
    if (r instanceof Durable) return r;
    const e = knownError(r, d.onError ?? logToStderr);
    return JSON.stringify({ error: { code: e.code, message: e.message } });
  });
  return sendJson(res, 200, receiptsJson(parts, '{"receipts":[', ']}'));
}

async function handle(d: ApiDeps, guard: Guard, budget: BodyBudget, req: http.IncomingMessage, res: http.ServerResponse, gql?: ReturnType<typeof graphqlHandler>) {
  guard.check(req);
  // The batch route carries load: its exact target skips the URL parser (anything else, a
  // trailing slash or an escape, takes the general path below and ends in the same place).
  // POST /v1/records with its exact target never comes here (oneRecord).
  if (req.method === 'POST' && req.url) {
    const t = req.url;
    const q = t.indexOf('?');
    if ((q < 0 ? t : t.slice(0, q)) === '/v1/records/batch' && !t.includes('#')) return records(d, budget, req, res, undefined);
  }
  let url: URL;
  let parts: string[];
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
    parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw badInput(`malformed request target ${JSON.stringify((req.url ?? '').slice(0, 200))} (a bad %-escape?)`);
  }
  const allowed = methodsFor(parts);
  if (!allowed) throw UrchainError.NOT_FOUND(`no route ${url.pathname}`);
  if (!allowed.includes(req.method ?? '')) throw UrchainError.NOT_ALLOWED(`${req.method} is not allowed on ${url.pathname}; use ${allowed.join(' or ')}`, { allow: allowed.join(', ') });
  if (parts[0] === 'metrics') {
    if (!d.metrics) throw UrchainError.NOT_FOUND('this server keeps no metrics');
    const text = d.metrics();
    res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    return void res.end(text);
  }
  if (parts[0] === 'graphql') {
    if (!gql) throw UrchainError.NOT_FOUND('this node serves no GraphQL: start it with --graphql');
    return gql(req, res, url, budget);
  }
  if (parts[0] === 'checkpoint') {
    if (!d.checkpoint) throw UrchainError.NOT_FOUND('this server signs no checkpoints');
    const depth = url.searchParams.get('depth');
    if (depth !== null && !/^\d{1,9}$/.test(depth)) throw badInput(`depth ${JSON.stringify(depth.slice(0, 20))}: expected a whole number`);
    const text = d.checkpoint(depth === null ? undefined : Number(depth));
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    return void res.end(text);
  }
  const flag = (k: string) => ['1', 'true', 'yes'].includes(url.searchParams.get(k) ?? '');
  const arg = parts[2] ?? '';
  switch (parts[1]) {
    case 'records':
      return records(d, budget, req, res, arg === 'batch' ? undefined : url.searchParams);
    case 'status':
      return send(res, 200, d.status());
    case 'params':
      return send(res, 200, d.query.params());
    case 'trust':
      if (!d.trust) throw UrchainError.NOT_FOUND('this node gives no trust list');
      return send(res, 200, d.trust());
    case 'blocks':
      return send(res, 200, d.query.block(parts[2] ?? 'head', { txIds: !flag('noTxs') }));
    case 'txs':
      return send(res, 200, d.query.tx(arg, { payload: flag('payload') }));
    case 'proofs':
      if (flag('countersigned')) return send(res, 200, d.query.countersignedProof(arg, { stripped: flag('stripped') }));
      try {
        return send(res, 200, d.query.proof(arg, { stripped: flag('stripped') }));
      } catch (e) {
        // A thin node keeps no payloads of others: fetch it from an archive and prove with it.
        if (flag('stripped') || !d.fetchPayload || !isUrchainError(e, 'NOT_FOUND') || e.meta.missing !== 'payload') throw e;
        const payload = await d.fetchPayload(arg);
        if (!payload) throw e;
        return send(res, 200, d.query.proof(arg, { payload }));
      }
    case 'health': {
      if (!d.health) throw UrchainError.NOT_FOUND('this server runs no health checks');
      const h = d.health();
      return send(res, h.ready ? 200 : 503, h, { 'cache-control': 'no-store' });
    }
    case 'peers':
      if (!d.peers) throw UrchainError.NOT_FOUND('this node runs without peer links (start it with --listen or --seed)');
      return send(res, 200, d.peers());
    case 'entangled':
      return send(res, 200, { proofs: d.query.entangled(arg.toLowerCase(), Math.min(64, Number(url.searchParams.get('limit') ?? 16) || 16)) });
    case 'products':
      return send(res, 200, d.query.trace(arg));
  }
  throw UrchainError.NOT_FOUND(`no route ${url.pathname}`);
}
