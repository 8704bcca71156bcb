/**
 * @module io/listen
 * Starting and stopping a listening server (the node API, the broker, the Profichain server, peer
 * links): one way to bind, to say which address was bound (the port may have been 0), and to
 * report an address in use as UNAVAILABLE naming the flag that sets it.
 */
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { UrchainError } from '../errors.js';
import type { HostPort } from './hostPort.js';

/** A bound address as HOST:PORT, IPv6 hosts in brackets. */
export function formatAddress(a: AddressInfo): string {
  return `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}

/**
 * Listens `server` (net, http or https) on `at` and resolves with the bound HOST:PORT. A failure
 * to bind is UNAVAILABLE; an address in use says to pick another with `flag`.
 */
export function listen(server: net.Server, at: HostPort, flag: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) =>
      reject(UrchainError.UNAVAILABLE(e.code === 'EADDRINUSE' ? `${at.host}:${at.port} is in use; pick another with ${flag}` : e.message, { address: `${at.host}:${at.port}` }));
    server.once('error', fail);
    server.listen(at.port, at.host, () => {
      server.off('error', fail);
      resolve(formatAddress(server.address() as AddressInfo));
    });
  });
}

/**
 * Stops a server: no new connections, and resolves once it is closed. Open connections are the
 * caller's to end first (an HTTP server's `closeAllConnections`, a TCP server's sockets). A
 * server that never listened resolves at once.
 */
export function closeServer(server: net.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
