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
import { UrchainError } from '../errors.js';
import { TOKEN_ENV, apiTokenFrom, readApiToken } from '../io/apiToken.js';
import { isLoopback } from '../io/hostPort.js';

/** The token is read by io/apiToken (clients read it the same way); re-exported for the node's callers. */
export { TOKEN_ENV, apiTokenFrom, readApiToken };

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
  // The last Host found to name a loopback address: a client sends the same one every time.
  let loopbackHost: string | undefined;
  return {
    check(req) {
      const host = req.headers.host;
      if (loopback && (host === undefined || host !== loopbackHost)) {
        const name = host ? hostName(host) : undefined;
        if (name === undefined || !isLoopback(name))
          throw UrchainError.FORBIDDEN(`Host ${JSON.stringify(host ?? '')} is not a loopback name; this API answers only requests addressed to 127.0.0.1, [::1] or localhost`);
        loopbackHost = host;
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
