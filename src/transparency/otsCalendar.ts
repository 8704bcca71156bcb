/**
 * @module transparency/otsCalendar
 * Client of the OpenTimestamps calendar protocol (what opentimestamps-server speaks):
 *
 *   POST {calendar}/digest              body: the digest (raw bytes, at most 64)
 *        200: a timestamp (no file header) whose root message is that digest, ending in a
 *             pending attestation naming the calendar's URI
 *   GET  {calendar}/timestamp/{hex}     hex: a commitment (the message at a pending attestation)
 *        200: the timestamp from that commitment on, now ending in a bitcoin attestation
 *        404: not known, or not confirmed yet (the body says which; both mean "ask again later")
 *
 * Requests send `Accept: application/vnd.opentimestamps.v1` as the reference client does. Answers
 * are read up to MAX_ANSWER bytes and parsed strictly (transparency/ots); a calendar that answers
 * anything else fails with BAD_REPLY, one that does not answer with UNAVAILABLE or TIMEOUT.
 */
import { toHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import { parseTimestamp, type Timestamp } from './ots.js';
import { httpRequest } from './otsHttp.js';

/** The public calendars the reference client uses by default (opentimestamps-client). */
export const PUBLIC_CALENDARS = [
  'https://a.pool.opentimestamps.org',
  'https://b.pool.opentimestamps.org',
  'https://a.pool.eternitywall.com',
  'https://ots.btc.catallaxy.com',
];
const ACCEPT = 'application/vnd.opentimestamps.v1';

/**
 * Hosts `anchor upgrade` asks besides the calendars configured: the public calendars' aggregators
 * answer with pending attestations naming their backing calendars (a.pool.opentimestamps.org with
 * alice.btc.calendar.opentimestamps.org, …), so these are the reference client's default
 * whitelist. https only; `*.` is one or more labels.
 */
export const UPGRADE_WHITELIST = ['https://*.calendar.opentimestamps.org', 'https://*.calendar.eternitywall.com', 'https://*.calendar.catallaxy.com'];

/**
 * Whether `anchor upgrade` may ask the calendar a pending attestation names: a .ots carries URIs
 * that a calendar (or whoever wrote the file) chose, and asking any of them would let it point
 * urchain at internal hosts. Allowed: an origin of the configured calendars (a loopback one only
 * when configured), of the public calendars, or one the whitelist matches.
 */
export function calendarAllowed(uri: string, configured: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.search || u.hash || u.username || u.password) return false;
  for (const c of [...configured, ...PUBLIC_CALENDARS]) if (new URL(c).origin === u.origin) return true;
  if (u.protocol !== 'https:' || u.port) return false;
  return UPGRADE_WHITELIST.some((w) => {
    const suffix = w.slice('https://*'.length); // ".calendar.opentimestamps.org"
    return u.hostname.endsWith(suffix) && /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(u.hostname.slice(0, -suffix.length));
  });
}

/** A calendar URL without its trailing slash; http only to a loopback host (tests, a local calendar). */
export function calendarUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw UrchainError.BAD_INPUT(`calendar ${JSON.stringify(url)}: expected a URL such as https://a.pool.opentimestamps.org`);
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname);
  if (!(u.protocol === 'https:' || (u.protocol === 'http:' && loopback))) throw UrchainError.BAD_INPUT(`calendar ${url}: expected https:// (plain http only to a loopback address)`);
  if (u.search || u.hash || u.username || u.password) throw UrchainError.BAD_INPUT(`calendar ${url}: no query, fragment or credentials`);
  return u.href.replace(/\/+$/, '');
}

export interface CalendarOptions {
  timeoutMs?: number;
}

/** Submits a digest; the calendar's timestamp of it (pending until the calendar confirms). */
export async function submitDigest(calendar: string, digest: Uint8Array, o: CalendarOptions = {}): Promise<Timestamp> {
  const base = calendarUrl(calendar);
  if (digest.length < 1 || digest.length > 64) throw UrchainError.BAD_INPUT(`calendar digest: expected 1 to 64 bytes, got ${digest.length}`);
  const res = await httpRequest(`${base}/digest`, { method: 'POST', body: digest, headers: { accept: ACCEPT, 'content-type': 'application/x-www-form-urlencoded' }, timeoutMs: o.timeoutMs });
  if (res.status !== 200) throw (res.status >= 500 ? UrchainError.UNAVAILABLE : UrchainError.BAD_REPLY)(`calendar ${base} answered ${res.status} to POST /digest`);
  return parseAnswer(base, res.body, digest);
}

/**
 * The upgraded timestamp of a commitment, or null while the calendar has none (404: pending or
 * unknown, which the protocol does not tell apart by status).
 */
export async function fetchTimestamp(calendar: string, commitment: Uint8Array, o: CalendarOptions = {}): Promise<Timestamp | null> {
  const base = calendarUrl(calendar);
  const res = await httpRequest(`${base}/timestamp/${toHex(commitment)}`, { headers: { accept: ACCEPT }, timeoutMs: o.timeoutMs });
  if (res.status === 404) return null;
  if (res.status !== 200) throw (res.status >= 500 ? UrchainError.UNAVAILABLE : UrchainError.BAD_REPLY)(`calendar ${base} answered ${res.status} to GET /timestamp`);
  return parseAnswer(base, res.body, commitment);
}

function parseAnswer(base: string, body: Uint8Array, msg: Uint8Array): Timestamp {
  try {
    return parseTimestamp(body, msg);
  } catch (e) {
    throw UrchainError.BAD_REPLY(`calendar ${base} answered something that is not a timestamp: ${(e as Error).message}`);
  }
}
