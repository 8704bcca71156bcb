/**
 * @module io/nodeClient
 * HTTP client for a node's API, on node:http. A short command (`urchain ingest send`, `status`,
 * `prove --node`) makes one request: loading undici cost it a third of a second and its WebAssembly
 * parser another half second at exit (first request 530 ms with undici, 175 ms with fetch, on a
 * busy 2-core box); fetch refuses the ports the Fetch standard blocks (6000, 6665-6669, 10080, ...),
 * which a node's API may well use. node:http has neither cost nor limit. Connection failures and 503 answers (the node took
 * nothing: busy or out of body budget) are retried with exponential back-off; a node's other
 * error answers are not (they would fail the same way again) and come back as UrchainError with
 * the node's code and message. A node that requires a token gets it as `Authorization: Bearer`,
 * read from `tokenFile` or else from the file $URCHAIN_API_TOKEN_FILE names.
 */
import http from 'node:http';
import https from 'node:https';
import { apiTokenFrom } from './apiToken.js';
import { UrchainError, ERRORS, badInput, type ErrorCode } from '../errors.js';
import { retry } from './retry.js';
import type { Receipt, RecordInput } from '../contracts/records.js';

export interface ClientOptions {
  retries?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  /** File holding the node's API token (default: $URCHAIN_API_TOKEN_FILE when set). */
  tokenFile?: string;
}

/** The error code of a request the node did not answer in time. */
const NO_ANSWER = 'URCHAIN_NO_ANSWER';

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

export class NodeClient {
  readonly base: string;
  private readonly https: boolean;
  private readonly agent: http.Agent;
  private readonly auth?: string;
  constructor(
    url: string,
    private readonly o: ClientOptions = {},
  ) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw badInput(`--node ${JSON.stringify(url)}: expected a URL such as http://127.0.0.1:7400`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badInput(`--node: expected http:// or https://, got ${u.protocol}`);
    this.base = u.origin;
    this.https = u.protocol === 'https:';
    this.agent = new (this.https ? https : http).Agent({ keepAlive: true, maxSockets: 64 });
    const token = apiTokenFrom(o.tokenFile);
    if (token) this.auth = `Bearer ${token}`;
  }

  /** One request; the whole answer as text. No answer within the timeout: NO_ANSWER (not retried). */
  private request(method: string, path: string, body: Uint8Array | undefined, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const timeoutMs = this.o.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const req = (this.https ? https : http).request(this.base + path, { method, headers: body ? { ...headers, 'content-length': body.byteLength } : headers, agent: this.agent });
      // Its own code, never retried: the node may have taken the record and be slow to answer, and
      // sending it again would store it twice (a retry is safe only with an idempotency key).
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: NO_ANSWER })));
      req.on('error', reject);
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      });
      req.end(body);
    });
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: Uint8Array, contentType?: string, asText = false): Promise<T> {
    /** Answers of a node that took nothing (503): retried like a refused connection. */
    const busy = new WeakSet<UrchainError>();
    const once = async (): Promise<T> => {
      const res = await this.request(method, path, body, { ...(contentType ? { 'content-type': contentType } : {}), ...(this.auth ? { authorization: this.auth } : {}) });
      const text = res.body;
      if (asText && res.status < 400) return text as T;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw UrchainError.UNAVAILABLE(`${this.base} answered ${res.status} with something that is not JSON`);
      }
      if (res.status >= 400) {
        const err = (json as { error?: { code?: unknown; message?: string } }).error;
        const code = typeof err?.code === 'string' && Object.hasOwn(ERRORS, err.code) ? (err.code as ErrorCode) : 'UNAVAILABLE';
        const e = new UrchainError(code, err?.message ?? `HTTP ${res.status}`);
        // 503: the node did not take the request (busy, or its body budget spent): safe to send again.
        if (res.status === 503) busy.add(e);
        throw e;
      }
      return json as T;
    };
    try {
      return await retry(once, (e) => (e instanceof UrchainError ? busy.has(e) : RETRYABLE.has((e as NodeJS.ErrnoException).code ?? '')), {
        retries: this.o.retries ?? 5,
        baseDelayMs: this.o.baseDelayMs ?? 200,
        maxDelayMs: 5000,
      });
    } catch (e) {
      if (e instanceof UrchainError) throw e;
      if ((e as NodeJS.ErrnoException).code === NO_ANSWER) throw UrchainError.TIMEOUT(`the node at ${this.base} did not answer within ${(this.o.timeoutMs ?? 60_000) / 1000} s (a record sent may have been taken: send it again with the same --key to be sure)`);
      const why = (e as NodeJS.ErrnoException).code || (e as Error).message;
      throw UrchainError.UNAVAILABLE(`cannot reach the node at ${this.base}: ${why}`);
    }
  }

  submit(rec: RecordInput): Promise<Receipt> {
    const q = new URLSearchParams();
    if (rec.kind) q.set('kind', rec.kind);
    if (rec.idemKey) q.set('key', rec.idemKey);
    const meta = Array.isArray(rec.meta) ? Object.fromEntries(rec.meta) : (rec.meta ?? {});
    for (const [k, v] of Object.entries(meta)) q.set(['product', 'type', 'source'].includes(k) ? k : `meta.${k}`, v);
    return this.call('POST', `/v1/records?${q}`, rec.payload, 'application/octet-stream');
  }

  async submitBatch(recs: RecordInput[]): Promise<{ receipts: (Receipt | { error: { code: string; message: string } })[] }> {
    const { encodeBatch } = await import('./batchBody.js'); // cbor-x only for batches
    const body = encodeBatch(recs);
    return this.call('POST', '/v1/records/batch', body, 'application/cbor');
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.call('GET', path);
  }

  /** A GET whose answer is text (GET /checkpoint); errors are the API's JSON as for get. */
  getText(path: string): Promise<string> {
    return this.call('GET', path, undefined, undefined, true);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
