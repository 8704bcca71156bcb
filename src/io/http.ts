/**
 * @module io/http
 * Answers of the HTTP servers (the node API and the broker): JSON bodies, and errors as
 * `{"error":{"code","message"}}` with the HTTP status the error table gives the code
 * (src/errors.ts). Request bodies are read with io/httpBody.
 */
import type http from 'node:http';
import { asUrchainError, type UrchainError } from '../errors.js';
import { drain } from './httpBody.js';

export { BodyBudget, readBody, readBodyThen, drain, expectsContinue, type ReadBodyOptions } from './httpBody.js';

/** Writes a JSON answer. */
export function send(res: http.ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendJson(res, status, JSON.stringify(body), headers);
}

/** As send, with the JSON already made (a string, or its UTF-8 bytes): a short string goes out with the headers in one write. */
export function sendJson(res: http.ServerResponse, status: number, json: string | Uint8Array, headers?: Record<string, string>): void {
  const length = typeof json === 'string' ? Buffer.byteLength(json) : json.length;
  // The usual answer has no headers of its own: no copy of an empty object for it.
  res.writeHead(status, headers ? { ...headers, 'content-type': 'application/json', 'content-length': length } : { 'content-type': 'application/json', 'content-length': length });
  res.end(json);
}

/** Where a server's bugs go unless it says otherwise. */
export const logToStderr = (e: Error): void => void process.stderr.write(`urchain: internal error in the HTTP API: ${e.stack ?? e.message}\n`);

/** An UrchainError as it is; anything else is a bug: logged (with its stack), and INTERNAL. */
export function knownError(e: unknown, log: (e: Error) => void = logToStderr): UrchainError {
  const err = asUrchainError(e);
  if (err.code === 'INTERNAL' && err.cause instanceof Error) log(err.cause);
  return err;
}

/** Answers an error. Anything but an UrchainError is a bug: logged, answered 500. */
export function sendError(res: http.ServerResponse, e: unknown, log: (e: Error) => void = logToStderr): void {
  const err = knownError(e, log);
  if (res.headersSent) return void res.destroy();
  const status = err.spec.http;
  const headers: Record<string, string> = {};
  if (status === 405 && typeof err.meta.allow === 'string') headers.allow = err.meta.allow;
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  if (status === 503) headers['retry-after'] = '1';
  const body = { error: { code: err.code, message: err.message } };
  const req = res.req as http.IncomingMessage | undefined;
  if (!req || req.complete) return send(res, status, body, headers);
  // The body has not been read to its end: read and drop it first, then answer and close, so the
  // client gets the answer and not a reset of a connection it is still writing to.
  headers.connection = 'close';
  void drain(req).then(() => {
    if (!res.headersSent && !res.destroyed) send(res, status, body, headers);
  });
}
