/**
 * @module global/witnessRoute
 * The broker as a C2SP witness (c2sp.org/tlog-witness): `POST /add-checkpoint` answers exactly
 * as transparency/witness says (status codes, 409 body, cosignature lines), and
 * `GET /<hex SHA-256 of origin>/checkpoint` serves the last checkpoint it cosigned for a log
 * (the spec's monitoring read). Neither needs a broker signature: a witness authenticates the
 * log's checkpoint signature, nothing else, so any C2SP log client can use it.
 *
 * Which logs it witnesses comes from a JSON file (`broker serve --witness-logs FILE`):
 *
 *   {"logs": [{"origin": "urchain.example/plant-a/3a7f338488a649ac", "key": "<vkey>"}, ...]}
 *
 * `key` is the log's signed-note verifier key (`urchain checkpoint --json` prints it as
 * verifierKey, `urchain trust export` as checkpointKeys); its name is usually the origin, but
 * only `origin` decides which checkpoints it signs. An origin may be listed with several keys.
 */
import http from 'node:http';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { KeyPair } from '../crypto/ed25519.js';
import { readBody } from '../io/http.js';
import { readJsonFile } from '../io/jsonFile.js';
import { badInput } from '../errors.js';
import { parseVerifierKey, type NoteKey, MAX_NOTE_BYTES } from '../transparency/note.js';
import { Witness, type WitnessedLog } from '../transparency/witness.js';

export interface WitnessOptions {
  /** The witness's name (its cosigner key name, a schema-less URL). */
  name: string;
  key: KeyPair;
  logs: WitnessedLog[];
}

/** Reads a --witness-logs file strictly: every entry an origin and a verifier key. */
export function loadWitnessLogs(file: string): WitnessedLog[] {
  const j = readJsonFile(file, 'witness logs file') as { logs?: unknown } | null;
  const hint = `${file}: expected {"logs": [{"origin": "...", "key": "<verifier key>"}]}`;
  if (!j || typeof j !== 'object' || !Array.isArray(j.logs) || !j.logs.length || Object.keys(j).some((k) => k !== 'logs')) throw badInput(hint);
  const byOrigin = new Map<string, NoteKey[]>();
  j.logs.forEach((e: unknown, i: number) => {
    const o = e as { origin?: unknown; key?: unknown };
    if (!o || typeof o !== 'object' || typeof o.origin !== 'string' || !o.origin || o.origin.includes('\n') || typeof o.key !== 'string' || Object.keys(o).some((k) => k !== 'origin' && k !== 'key'))
      throw badInput(`${hint} (logs[${i}])`);
    const k = parseVerifierKey(o.key);
    byOrigin.set(o.origin, [...(byOrigin.get(o.origin) ?? []), k]);
  });
  return [...byOrigin].map(([origin, keys]) => ({ origin, keys }));
}

/** The broker's witness: state in DATA/witness.json, logs as configured. */
export function brokerWitness(dataDir: string, o: WitnessOptions): Witness {
  const logs = new Map(o.logs.map((l) => [l.origin, l.keys]));
  return new Witness(o.name, o.key, path.join(dataDir, 'witness.json'), (origin) => logs.get(origin));
}

const originHash = (origin: string) => createHash('sha256').update(origin).digest('hex');

/**
 * Serves the witness routes; true when the request was one of them (answered), false to let
 * the broker's own routes run.
 */
export async function witnessRoute(w: Witness | undefined, logs: readonly WitnessedLog[], req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<boolean> {
  const reply = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (pathname === '/add-checkpoint') {
    if (!w) return reply(404, 'this broker is not a witness (broker serve --witness-key)\n'), true;
    if (req.method !== 'POST') return res.setHeader('allow', 'POST'), reply(405, 'POST only\n'), true;
    // Proof lines (63 x 45 bytes) and "old N" on top of the largest note urchain reads.
    const bytes = await readBody(req, MAX_NOTE_BYTES + 4096);
    let body: string;
    try {
      body = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      return reply(400, 'the body is not UTF-8\n'), true;
    }
    const a = w.add(body);
    reply(a.status, a.body, a.contentType);
    return true;
  }
  const m = /^\/([0-9a-f]{64})\/checkpoint$/.exec(pathname);
  if (m && req.method === 'GET' && w) {
    const log = logs.find((l) => originHash(l.origin) === m[1]);
    const last = log && w.latest(log.origin);
    if (!last) return reply(404, 'no checkpoint cosigned for that origin\n'), true;
    reply(200, last.note);
    return true;
  }
  return false;
}
