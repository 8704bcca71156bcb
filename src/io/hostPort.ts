/**
 * @module io/hostPort
 * HOST:PORT as every flag that names an address takes it (--api, --listen, --seed, --profichain,
 * a broker's --listen): a host name, an IPv4 address or a bracketed IPv6 address, a colon, and a
 * port of 0-65535 (0: any free port). The one parser, so every flag accepts the same forms; and
 * the one test of whether a host is reachable from this machine only.
 */
import net from 'node:net';
import { UrchainError } from '../errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses HOST:PORT; `what` names the flag in the error (BAD_INPUT). */
export function parseHostPort(s: string, what = '--api'): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  if (!m) throw UrchainError.BAD_INPUT(`${what} ${JSON.stringify(s)}: expected HOST:PORT, e.g. 127.0.0.1:7400`);
  const port = Number(m[3]);
  if (port > 65535) throw UrchainError.BAD_INPUT(`${what}: port ${port} out of range`);
  return { host: m[1] ?? m[2], port };
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped and written out) and the name localhost: only this machine reaches them. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h) || /^(0{1,4}:){7}0{0,3}1$/.test(h);
  return false;
}
