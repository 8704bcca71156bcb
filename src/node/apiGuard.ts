/**
 * @module node/apiGuard
 * Who may talk to the node's HTTP API. On a loopback address every local program may, but a web
 * page in a browser on the same machine must not: the browser would send its cross-site POST
 * (CSRF) or, after DNS rebinding, a request whose Host is the attacker's name. So on loopback the
 * Host must name a loopback address and an Origin, when sent, must be the API's own. Off loopback
 * the API requires a bearer token (`--api-token-file`), or the node refuses to start: anyone who
 * can reach the port could otherwise write records signed by the node's key.
 */
import http from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import { UrchainError, badInput } from '../errors.js';
import { readSecretFile } from '../io/keyfile.js';
import { isLoopback } from '../io/hostPort.js';

/** Environment variable naming the token file, for the node and for every client command. */
export const TOKEN_ENV = 'URCHAIN_API_TOKEN_FILE';
const MIN_TOKEN = 16;

/**
 * Reads a bearer token: the file's content without surrounding white space, at least 16
 * characters of visible ASCII. Like ssh with key files, a file readable by group or others is
 * refused, with the command that fixes it.
 */
export function readApiToken(file: string, what = '--api-token-file'): string {
  let text: string;
  try {
    // The rule every secret file follows (io/keyfile); a bad token file is bad input here.
    text = readSecretFile(file);
  } catch (e) {
    const why = e instanceof UrchainError ? e.message : (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw badInput(`${what} ${file}: ${why}`);
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN || !/^[\x21-\x7e]+$/.test(token))
    throw badInput(`${what} ${file}: expected one token of at least ${MIN_TOKEN} visible ASCII characters, e.g. from: openssl rand -hex 32`);
  return token;
}

/** The API token: from the given file, else from the file $URCHAIN_API_TOKEN_FILE names, else none (node and clients alike). */
export function apiTokenFrom(file?: string): string | undefined {
  if (file) return readApiToken(file);
  const env = process.env[TOKEN_ENV];
  return env ? readApiToken(env, TOKEN_ENV) : undefined;
}

/** Refuses to serve the API off loopback without a token. */
export function checkExposure(host: string, token: string | undefined, what = '--api'): void {
  if (!isLoopback(host) && !token)
    throw UrchainError.FORBIDDEN(
      `${what} ${host} is not a loopback address: anyone who reaches it could write records; give --api-token-file FILE (clients send Authorization: Bearer TOKEN) or serve on 127.0.0.1`,
    );
}

export interface Guard {
  /** Throws FORBIDDEN (403) or UNAUTHORIZED (401) for a request that may not be served. */
  check(req: http.IncomingMessage): void;
}

export function makeGuard(bindHost: string, token: string | undefined): Guard {
  const loopback = isLoopback(bindHost);
  const want = token ? createHash('sha256').update(token).digest() : undefined;
  return {
    check(req) {
      const host = req.headers.host;
      if (loopback) {
        const name = host ? hostName(host) : undefined;
        if (name === undefined || !isLoopback(name))
          throw UrchainError.FORBIDDEN(`Host ${JSON.stringify(host ?? '')} is not a loopback name; this API answers only requests addressed to 127.0.0.1, [::1] or localhost`);
      }
      const origin = req.headers.origin;
      // The API serves no pages, so an Origin other than its own is a browser sending a page's request.
      if (origin !== undefined && (!host || origin.toLowerCase() !== `http://${host.toLowerCase()}`))
        throw UrchainError.FORBIDDEN(`requests from web pages (Origin ${JSON.stringify(origin)}) are refused`);
      if (want) {
        const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
        const got = m ? createHash('sha256').update(m[1]).digest() : undefined;
        if (!got || !timingSafeEqual(got, want))
          throw UrchainError.UNAUTHORIZED(m ? 'wrong API token' : 'this API needs a token: send Authorization: Bearer TOKEN (clients: --api-token-file FILE or $URCHAIN_API_TOKEN_FILE)');
      }
    },
  };
}

/** The host part of a Host header ("127.0.0.1:7400", "[::1]:7400", "localhost"), undefined when malformed. */
function hostName(h: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1] : undefined;
}
