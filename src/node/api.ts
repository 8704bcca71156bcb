/**
 * @module node/api
 * The node's local HTTP API (127.0.0.1 by default). JSON out, errors as
 * `{"error":{"code","message"}}` with a matching status. Routes:
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
 *   GET  /v1/products/:code   every record with that product code, in chain order
 *   GET  /v1/peers            links, known peers and sync state (networked nodes)
 */
import http from 'node:http';
import { decode as cborDecode } from 'cbor-x';
import { UrchainError, badInput } from '../errors.js';
import type { Intake, RecordInput } from './intake.js';
import type { Query } from './query.js';

export interface ApiDeps {
  intake: Intake;
  query: Query;
  status: () => unknown;
  maxBody: number;
  /** Peer links and sync state (GET /v1/peers), when the node is networked. */
  peers?: () => unknown;
  /** The trust list verifiers need (GET /v1/trust): chain, authorities, every member's key. */
  trust?: () => unknown;
  /** Fetches a payload this node does not keep from an archive peer. */
  fetchPayload?: (txId: string) => Promise<Uint8Array | undefined>;
}

const STATUS: Record<string, number> = {
  BAD_INPUT: 400,
  BAD_ENCODING: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  EXISTS: 409,
  UNAVAILABLE: 503,
  STORE: 503,
  BAD_SIGNATURE: 401,
  FORBIDDEN: 403,
  REPLAY: 409,
};

export function send(res: http.ServerResponse, status: number, body: unknown) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

export function sendError(res: http.ServerResponse, e: unknown) {
  const err = e instanceof UrchainError ? e : new UrchainError('STORE', (e as Error).message ?? String(e));
  if (res.headersSent) return res.destroy();
  send(res, STATUS[err.code] ?? 500, { error: { code: err.code, message: err.message } });
}

export function readBody(req: http.IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) return reject(new UrchainError('TOO_LARGE', `body of ${declared} bytes exceeds the limit of ${max}`));
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > max) {
        reject(new UrchainError('TOO_LARGE', `body exceeds the limit of ${max} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const b = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    });
    req.on('error', reject);
  });
}

function recordFromQuery(q: URLSearchParams, payload: Uint8Array): RecordInput {
  const meta: Record<string, string> = {};
  for (const [k, v] of q) {
    if (k.startsWith('meta.')) meta[k.slice(5)] = v;
    else if (k === 'product' || k === 'type' || k === 'source') meta[k] = v;
    else if (k !== 'kind' && k !== 'key') throw badInput(`unknown query parameter ${k}`);
  }
  return { payload, kind: q.get('kind') ?? undefined, meta, idemKey: q.get('key') ?? undefined };
}

function recordFromCbor(x: unknown, i: number): RecordInput {
  const o = x as { payload?: unknown; kind?: unknown; meta?: unknown; key?: unknown };
  if (!o || typeof o !== 'object' || !(o.payload instanceof Uint8Array)) throw badInput(`batch[${i}]: expected {payload: bytes, ...}`);
  if (o.kind !== undefined && typeof o.kind !== 'string') throw badInput(`batch[${i}].kind: expected text`);
  if (o.key !== undefined && typeof o.key !== 'string') throw badInput(`batch[${i}].key: expected text`);
  if (o.meta !== undefined && (typeof o.meta !== 'object' || o.meta === null || Array.isArray(o.meta))) throw badInput(`batch[${i}].meta: expected a map of text`);
  return { payload: o.payload, kind: o.kind as string | undefined, meta: o.meta as Record<string, string> | undefined, idemKey: o.key as string | undefined };
}

export function createApi(d: ApiDeps): http.Server {
  return http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    void handle(d, req, res).catch((e) => sendError(res, e));
  });
}

async function handle(d: ApiDeps, req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'v1') throw new UrchainError('NOT_FOUND', `no route ${url.pathname}`);
  const route = `${req.method} ${parts.slice(1, 3).join('/')}`;
  const flag = (k: string) => ['1', 'true', 'yes'].includes(url.searchParams.get(k) ?? '');
  if (req.method === 'POST' && parts[1] === 'records' && parts.length === 2) {
    const payload = await readBody(req, d.maxBody);
    return send(res, 200, await d.intake.submit(recordFromQuery(url.searchParams, payload)));
  }
  if (route === 'POST records/batch') {
    const body = await readBody(req, d.maxBody * 4);
    let arr: unknown;
    try {
      arr = cborDecode(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    } catch (e) {
      throw badInput(`batch: body is not CBOR (${(e as Error).message})`);
    }
    if (!Array.isArray(arr) || arr.length === 0 || arr.length > 100_000) throw badInput('batch: expected a CBOR array of 1-100000 records');
    const recs = arr.map(recordFromCbor);
    const results = await Promise.allSettled(recs.map((r) => d.intake.submit(r)));
    return send(res, 200, {
      receipts: results.map((r) =>
        r.status === 'fulfilled' ? r.value : { error: { code: (r.reason as UrchainError).code ?? 'STORE', message: (r.reason as Error).message } },
      ),
    });
  }
  if (req.method !== 'GET') throw new UrchainError('NOT_FOUND', `no route ${req.method} ${url.pathname}`);
  switch (parts[1]) {
    case 'status':
      return send(res, 200, d.status());
    case 'params':
      return send(res, 200, d.query.params());
    case 'trust':
      if (!d.trust) throw new UrchainError('NOT_FOUND', 'this node gives no trust list');
      return send(res, 200, d.trust());
    case 'blocks':
      return send(res, 200, d.query.block(parts[2] ?? 'head', { txIds: !flag('noTxs') }));
    case 'txs':
      return send(res, 200, d.query.tx(parts[2] ?? '', { payload: flag('payload') }));
    case 'proofs':
      if (flag('countersigned')) return send(res, 200, d.query.countersignedProof(parts[2] ?? '', { stripped: flag('stripped') }));
      try {
        return send(res, 200, d.query.proof(parts[2] ?? '', { stripped: flag('stripped') }));
      } catch (e) {
        // A thin node keeps no payloads of others: fetch it from an archive and prove with it.
        if (!(e instanceof UrchainError) || e.code !== 'NOT_FOUND' || !d.fetchPayload || !/payload/.test(e.message)) throw e;
        const payload = await d.fetchPayload(parts[2] ?? '');
        if (!payload) throw e;
        return send(res, 200, d.query.proof(parts[2] ?? '', { payload }));
      }
    case 'peers':
      if (!d.peers) throw new UrchainError('NOT_FOUND', 'this node runs without peer links (start it with --listen or --seed)');
      return send(res, 200, d.peers());
    case 'entangled':
      return send(res, 200, { proofs: d.query.entangled((parts[2] ?? '').toLowerCase(), Math.min(64, Number(url.searchParams.get('limit') ?? 16) || 16)) });
    case 'products':
      return send(res, 200, d.query.trace(parts[2] ?? ''));
  }
  throw new UrchainError('NOT_FOUND', `no route ${url.pathname}`);
}

export function parseHostPort(s: string, what = '--api'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  if (!m) throw badInput(`${what} ${JSON.stringify(s)}: expected HOST:PORT, e.g. 127.0.0.1:7400`);
  const port = Number(m[3]);
  if (port > 65535) throw badInput(`${what}: port ${port} out of range`);
  return { host: m[1] ?? m[2], port };
}
