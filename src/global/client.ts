/**
 * @module global/client
 * Broker client: every request signed (global/auth.ts); connection failures retried with
 * exponential back-off, then a clear "broker unreachable" error; broker refusals passed on
 * with their code.
 */
import { request, Agent } from 'undici';
import fs from 'node:fs';
import { signRequest } from './auth.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { UrchainError, badInput, type ErrorCode } from '../errors.js';

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN']);

export class BrokerClient {
  readonly base: string;
  private agent: Agent;
  constructor(
    url: string,
    private readonly key: KeyPair,
    /** ca: a PEM file of the broker's certificate authority, for a private PKI. */
    private readonly o: { retries?: number; baseDelayMs?: number; ca?: string } = {},
  ) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw badInput(`--broker ${JSON.stringify(url)}: expected a URL such as https://broker.example:7443`);
    }
    this.base = u.origin;
    this.agent = new Agent({ connections: 4, connect: this.o.ca ? { ca: fs.readFileSync(this.o.ca) } : undefined });
  }

  async call<T>(method: 'GET' | 'POST', path: string, body: Uint8Array = new Uint8Array(0)): Promise<T> {
    let delay = this.o.baseDelayMs ?? 250;
    for (let attempt = 0; ; attempt++) {
      try {
        // Signed anew on every attempt: a retried request must not reuse a nonce.
        const headers = signRequest(this.key, method, path, body);
        const res = await request(this.base + path, { method, headers, body: method === 'POST' ? Buffer.from(body) : undefined, dispatcher: this.agent });
        const json = (await res.body.json().catch(() => ({}))) as { error?: { code: ErrorCode; message: string } };
        if (res.statusCode >= 400) throw new UrchainError(json.error?.code ?? 'UNAVAILABLE', `broker: ${json.error?.message ?? `HTTP ${res.statusCode}`}`);
        return json as T;
      } catch (e) {
        if (e instanceof UrchainError) throw e;
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (!RETRYABLE.has(code) || attempt >= (this.o.retries ?? 4))
          throw new UrchainError('UNAVAILABLE', `broker at ${this.base} unreachable after ${attempt + 1} attempt(s): ${code || (e as Error).message}`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 8000);
      }
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
