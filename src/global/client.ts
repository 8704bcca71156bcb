/**
 * @module global/client
 * Broker client: every request signed (global/auth.ts); connection failures retried with
 * exponential back-off, then a clear "broker unreachable" error; broker refusals passed on
 * with their code. Every call has a deadline (connect, retries and the whole answer): a broker
 * that accepts the connection and never answers is an error after `timeoutMs`, not a hang.
 * Broker answers are untrusted: a body that is not JSON, is too large, or does not have the
 * shape the route promises is a one-line BAD_REPLY error, never a raw TypeError.
 */
import { request, Agent } from 'undici';
import fs from 'node:fs';
import { signRequest } from './auth.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { UrchainError, badInput, type ErrorCode } from '../errors.js';
import { retry } from '../io/retry.js';

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN']);
/** Default deadline of one broker call, retries included. */
export const BROKER_TIMEOUT_MS = 30_000;
/** At most 100 envelopes of 1 MiB, base64: anything larger is not a broker answer. */
export const MAX_REPLY = 150 * 1024 * 1024;
/** Codes a broker may answer with; anything else (or BAD_INPUT, which would read as our usage error) becomes BAD_REPLY/UNAVAILABLE. */
const PASSED_ON = new Set<ErrorCode>(['BAD_SIGNATURE', 'NOT_FOUND', 'TOO_LARGE', 'STORE', 'UNAVAILABLE', 'CONFLICT', 'FORBIDDEN', 'REPLAY', 'RATE_LIMITED']);

export interface BrokerClientOptions {
  retries?: number;
  baseDelayMs?: number;
  /** ca: a PEM file of the broker's certificate authority, for a private PKI. */
  ca?: string;
  /** Deadline of one call, retries included (default BROKER_TIMEOUT_MS). */
  timeoutMs?: number;
}

export class BrokerClient {
  readonly base: string;
  private agent: Agent;
  private readonly timeoutMs: number;
  constructor(
    url: string,
    private readonly key: KeyPair,
    private readonly o: BrokerClientOptions = {},
  ) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw badInput(`--broker ${JSON.stringify(url)}: expected a URL such as https://broker.example:7443`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badInput(`--broker: expected https:// (or http:// on loopback), got ${u.protocol}`);
    this.base = u.origin;
    this.timeoutMs = o.timeoutMs ?? BROKER_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw badInput('--timeout: expected a positive duration');
    this.agent = new Agent({
      connections: 4,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connect: { timeout: this.timeoutMs, ...(this.o.ca ? { ca: fs.readFileSync(this.o.ca) } : {}) },
    });
  }

  /**
   * One signed call. `check` turns the parsed JSON of a 2xx answer into T or throws (with what
   * was expected); without it the JSON is returned unchecked.
   */
  async call<T>(method: 'GET' | 'POST', target: string, body: Uint8Array = new Uint8Array(0), check?: (j: unknown) => T): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    let attempts = 0;
    const once = async (): Promise<T> => {
      attempts++;
      const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
      try {
        // Signed anew on every attempt: a retried request must not reuse a nonce.
        const headers = signRequest(this.key, method, target, body);
        const res = await request(this.base + target, { method, headers, body: method === 'POST' ? Buffer.from(body) : undefined, dispatcher: this.agent, signal });
        const json = await this.readJson(res.body, res.statusCode);
        if (res.statusCode >= 400) {
          const err = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
          const code = typeof err?.code === 'string' && PASSED_ON.has(err.code as ErrorCode) ? (err.code as ErrorCode) : 'UNAVAILABLE';
          const msg = typeof err?.message === 'string' ? oneLine(err.message) : `HTTP ${res.statusCode}`;
          throw new UrchainError(code, `broker: ${msg}`);
        }
        if (res.statusCode !== 200) throw this.badReply(`HTTP ${res.statusCode}`);
        if (!check) return json as T;
        try {
          return check(json);
        } catch (e) {
          throw this.badReply((e as Error).message);
        }
      } catch (e) {
        if (e instanceof UrchainError) throw e;
        if (signal.aborted || Date.now() >= deadline || isTimeout(e))
          throw UrchainError.UNAVAILABLE(`broker at ${this.base} did not answer within ${fmtMs(this.timeoutMs)} (--timeout)`);
        throw e; // a connection failure: retried while RETRYABLE, reported below
      }
    };
    try {
      return await retry(once, (e) => !(e instanceof UrchainError) && RETRYABLE.has((e as NodeJS.ErrnoException).code ?? ''), {
        retries: this.o.retries ?? 4,
        baseDelayMs: this.o.baseDelayMs ?? 250,
        maxDelayMs: 8000,
        deadline,
      });
    } catch (e) {
      if (e instanceof UrchainError) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (Date.now() >= deadline) throw UrchainError.UNAVAILABLE(`broker at ${this.base} unreachable within ${fmtMs(this.timeoutMs)} (--timeout): ${code}`);
      throw UrchainError.UNAVAILABLE(`broker at ${this.base} unreachable after ${attempts} attempt(s): ${code || oneLine((e as Error).message)}`);
    }
  }

  /** The whole body, bounded, parsed as JSON. */
  private async readJson(body: AsyncIterable<Buffer> & { destroy(): void }, status: number): Promise<unknown> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of body) {
      n += c.length;
      if (n > MAX_REPLY) {
        body.destroy();
        throw this.badReply(`answer larger than ${MAX_REPLY} bytes`);
      }
      chunks.push(c);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw this.badReply(`HTTP ${status} with a body that is not JSON`);
    }
  }

  private badReply(what: string): UrchainError {
    return UrchainError.BAD_REPLY(`broker at ${this.base} answered something that is not the broker protocol: ${what}`);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function isTimeout(e: unknown): boolean {
  const x = e as { name?: string; code?: string };
  return x?.name === 'AbortError' || x?.name === 'TimeoutError' || x?.code === 'UND_ERR_HEADERS_TIMEOUT' || x?.code === 'UND_ERR_BODY_TIMEOUT' || x?.code === 'UND_ERR_ABORTED';
}

const oneLine = (s: string) => s.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 300);
const fmtMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
