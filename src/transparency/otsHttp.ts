/**
 * @module transparency/otsHttp
 * One small HTTP client for the anchoring code (OpenTimestamps calendars, a bitcoind's JSON-RPC):
 * node:http, not undici, because `urchain anchor` makes a few requests and exits (see
 * io/nodeClient); an overall deadline per request (not an idle timer), a cap on the answer's size, Basic authentication from
 * the URL's user:password. Kept apart so the offline verifier never loads it.
 */
import http from 'node:http';
import https from 'node:https';
import { UrchainError } from '../errors.js';

export const MAX_ANSWER = 10_000;
export interface HttpAnswer {
  status: number;
  body: Uint8Array;
}

/**
 * One HTTP request with a deadline and a cap on the answer's size (a server that sends more is
 * cut off: BAD_REPLY). Shared by the calendar client and the bitcoind header source.
 */
export function httpRequest(url: string, o: { method?: string; body?: Uint8Array; headers?: Record<string, string>; timeoutMs?: number; maxBytes?: number } = {}): Promise<HttpAnswer> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(UrchainError.BAD_INPUT(`${JSON.stringify(url)}: not a URL`));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.reject(UrchainError.BAD_INPUT(`${url}: expected http:// or https://`));
  const timeoutMs = o.timeoutMs ?? 30_000;
  const maxBytes = o.maxBytes ?? MAX_ANSWER;
  const headers: Record<string, string | number> = { 'user-agent': 'urchain', ...o.headers };
  if (u.username || u.password) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  if (o.body) headers['content-length'] = o.body.byteLength;
  const where = `${u.protocol}//${u.host}`;
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request(u, { method: o.method ?? 'GET', headers, agent: false });
    // A deadline for the whole exchange, not an idle timer: a server that drips one byte a
    // second would keep an idle timer from ever firing.
    const deadline = setTimeout(() => req.destroy(UrchainError.TIMEOUT(`${where} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(deadline);
      reject(e instanceof UrchainError ? e : UrchainError.UNAVAILABLE(`cannot reach ${where}: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      let n = 0;
      res.on('data', (d: Buffer) => {
        n += d.length;
        if (n > maxBytes) return void req.destroy(UrchainError.BAD_REPLY(`${where} answered more than ${maxBytes} bytes`));
        parts.push(d);
      });
      res.on('error', (e) => {
        clearTimeout(deadline);
        reject(e instanceof UrchainError ? e : UrchainError.UNAVAILABLE(`${where}: ${e.message}`));
      });
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(parts)) });
      });
    });
    req.end(o.body);
  });
}
