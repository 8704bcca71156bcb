/**
 * @module io/nodeClient
 * HTTP client for a node's API (undici). Connection failures and 503 answers (the node took
 * nothing: busy or out of body budget) are retried with exponential back-off; a node's other
 * error answers are not (they would fail the same way again) and come back as UrchainError with
 * the node's code and message. A node that requires a token gets it as `Authorization: Bearer`,
 * read from `tokenFile` or else from the file $URCHAIN_API_TOKEN_FILE names.
 */
import type { Agent } from 'undici';
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

/**
 * undici, loaded on the first request: importing it costs more than the rest of a short command's
 * start (`urchain ingest send --help`, or a send that fails on its arguments, never needs it).
 */
let undici: Promise<typeof import('undici')> | undefined;
const loadUndici = () => (undici ??= import('undici'));

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN']);

export class NodeClient {
  readonly base: string;
  private agent?: Agent;
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
    const token = apiTokenFrom(o.tokenFile);
    if (token) this.auth = `Bearer ${token}`;
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: Uint8Array, contentType?: string): Promise<T> {
    /** Answers of a node that took nothing (503): retried like a refused connection. */
    const busy = new WeakSet<UrchainError>();
    const { request, Agent } = await loadUndici();
    this.agent ??= new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 10_000 });
    const agent = this.agent;
    const once = async (): Promise<T> => {
      const res = await request(this.base + path, {
        method,
        body: body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined,
        headers: { ...(contentType ? { 'content-type': contentType } : {}), ...(this.auth ? { authorization: this.auth } : {}) },
        dispatcher: agent,
        headersTimeout: this.o.timeoutMs ?? 60_000,
        bodyTimeout: this.o.timeoutMs ?? 60_000,
      });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw UrchainError.UNAVAILABLE(`${this.base} answered ${res.statusCode} with something that is not JSON`);
      }
      if (res.statusCode >= 400) {
        const err = (json as { error?: { code?: unknown; message?: string } }).error;
        const code = typeof err?.code === 'string' && Object.hasOwn(ERRORS, err.code) ? (err.code as ErrorCode) : 'UNAVAILABLE';
        const e = new UrchainError(code, err?.message ?? `HTTP ${res.statusCode}`);
        // 503: the node did not take the request (busy, or its body budget spent): safe to send again.
        if (res.statusCode === 503) busy.add(e);
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
      throw UrchainError.UNAVAILABLE(`cannot reach the node at ${this.base}: ${(e as NodeJS.ErrnoException).code || (e as Error).message}`);
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

  async close(): Promise<void> {
    await this.agent?.close();
  }
}
