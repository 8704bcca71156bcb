/**
 * @module global/broker
 * The store-and-forward broker between networks (DESIGN decision 9): a mailbox per registered
 * network, durable in LMDB. It checks who posts and who fetches by request signature
 * (global/auth.ts) and every envelope's sender signature, but holds only ciphertext: it cannot
 * read a checkpoint. A message stays until its receiver acknowledges it.
 *
 *   POST /v1/messages   body = envelope (CBOR)        -> {id}
 *   GET  /v1/messages[?max=N]  N = 1..100, default 100 -> {messages: [{id, envelope (base64)}]}
 *   POST /v1/ack        body = {"ids": [...]}          -> {acked}
 *   GET  /v1/health                                   -> {ok: true} (unsigned)
 *   POST /add-checkpoint, GET /<origin hash>/checkpoint  the C2SP witness, when configured
 *                      (unsigned: global/witnessRoute)
 *   GET  /metrics      Prometheus text format 0.0.4 (unsigned; loopback clients only: it names
 *                      the registered networks and how much mail waits for each)
 *
 * Buckets: networks (key hex -> {name, added}), mail ("<to hex>:<id>" -> envelope),
 * nonces (nonce hex -> expiry ms).
 */
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { open, type RootDatabase, type Database } from 'lmdb';
import { parseEnvelope, MAX_ENVELOPE } from './envelope.js';
import { verifyRequest, MAX_SKEW_MS } from './auth.js';
import { send, sendError, readBody } from '../io/http.js';
import { Registry, METRICS_CONTENT_TYPE } from '../io/metrics.js';
import { parseHostPort, isLoopback } from '../io/hostPort.js';
import { listen, closeServer } from '../io/listen.js';
import { toHex, toBase64, equal, fromHex } from '../codec/bytes.js';
import { UrchainError, badInput } from '../errors.js';
import { brokerWitness, witnessRoute, type WitnessOptions } from './witnessRoute.js';
import type { Witness } from '../transparency/witness.js';

export interface BrokerOptions {
  dataDir: string;
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  /** Also act as a C2SP witness for these logs (POST /add-checkpoint). */
  witness?: WitnessOptions;
  onWarn?: (msg: string) => void;
}

export class BrokerStore {
  private env: RootDatabase;
  readonly networks: Database<string, string>;
  readonly mail: Database<Buffer, string>;
  readonly nonces: Database<number, string>;
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 }); // the broker's alone, like a node's data folder
    this.env = open({ path: path.join(dir, 'broker.lmdb'), maxDbs: 8, overlappingSync: true, compression: false, permissionsMode: 0o600 } as never);
    this.networks = this.env.openDB({ name: 'networks', encoding: 'json' } as never) as never;
    this.mail = this.env.openDB({ name: 'mail', encoding: 'binary' } as never) as never;
    this.nonces = this.env.openDB({ name: 'nonces', encoding: 'ordered-binary' } as never) as never;
  }
  async addNetwork(keyHex: string, name: string): Promise<boolean> {
    fromHex(keyHex, 32, 'chain key');
    const existed = this.networks.get(keyHex) !== undefined;
    await this.networks.put(keyHex, JSON.stringify({ name, added: new Date().toISOString() }));
    await this.env.flushed;
    return !existed;
  }
  isRegistered(keyHex: string): boolean {
    return this.networks.get(keyHex) !== undefined;
  }
  list(): { key: string; name: string }[] {
    return [...this.networks.getRange({})].map(({ key, value }) => ({ key: String(key), name: JSON.parse(String(value)).name }));
  }
  /** Records a nonce; false if it was seen before (a replay). Durable before the request is served. */
  async useNonce(nonce: string, now: number): Promise<boolean> {
    let fresh = false;
    await this.env.transaction(() => {
      if (this.nonces.get(nonce) !== undefined) return;
      this.nonces.putSync(nonce, now + 2 * MAX_SKEW_MS);
      fresh = true;
    });
    await this.env.flushed;
    return fresh;
  }
  async expireNonces(now: number): Promise<void> {
    const old = [...this.nonces.getRange({})].filter(({ value }) => (value as number) < now).map(({ key }) => String(key));
    if (old.length) await this.env.transaction(() => old.forEach((k) => this.nonces.removeSync(k)));
  }
  async deliver(toHexKey: string, envelope: Uint8Array): Promise<string> {
    const id = `${Date.now().toString().padStart(15, '0')}-${randomBytes(6).toString('hex')}`;
    await this.mail.put(`${toHexKey}:${id}`, Buffer.from(envelope));
    await this.env.flushed;
    return id;
  }
  /** Messages waiting for each registered network (read at scrape time; mailboxes stay small). */
  depths(): { key: string; name: string; messages: number }[] {
    return this.list().map((n) => ({ ...n, messages: this.mail.getKeysCount({ start: `${n.key}:`, end: `${n.key};` }) }));
  }
  fetch(toHexKey: string, max = 100): { id: string; envelope: Uint8Array }[] {
    const out: { id: string; envelope: Uint8Array }[] = [];
    for (const { key, value } of this.mail.getRange({ start: `${toHexKey}:`, end: `${toHexKey};` })) {
      out.push({ id: String(key).slice(toHexKey.length + 1), envelope: new Uint8Array(value as Buffer) });
      if (out.length >= max) break;
    }
    return out;
  }
  async ack(toHexKey: string, ids: string[]): Promise<number> {
    let n = 0;
    await this.env.transaction(() => {
      for (const id of ids) if (this.mail.removeSync(`${toHexKey}:${id}`)) n++;
    });
    await this.env.flushed;
    return n;
  }
  size(): number {
    try {
      return fs.statSync(path.join(this.dir, 'broker.lmdb')).size;
    } catch {
      return 0;
    }
  }
  async close(): Promise<void> {
    await this.env.close();
  }
}

/** Routes as the request counter names them; anything else counts as "other" (bounded label values). */
const ROUTES = new Set(['POST /v1/messages', 'GET /v1/messages', 'POST /v1/ack', 'GET /v1/health', 'GET /metrics', 'POST /add-checkpoint']);

export class Broker {
  url = '';
  private server!: http.Server;
  private timer?: NodeJS.Timeout;
  witness?: Witness;
  private witnessOptions?: WitnessOptions;
  readonly metrics = new Registry();
  private readonly requests = this.metrics.counter('urchain_broker_requests_total', 'HTTP requests answered, by route and status code.', { labelled: true });
  private readonly delivered = this.metrics.counter('urchain_broker_messages_delivered_total', 'Envelopes accepted into a mailbox.');
  private readonly acked = this.metrics.counter('urchain_broker_messages_acked_total', 'Envelopes removed after their receiver acknowledged them.');
  private constructor(readonly store: BrokerStore) {
    const m = this.metrics;
    m.gauge('urchain_broker_networks', 'Networks registered at this broker.', () => store.list().length);
    m.gauge('urchain_broker_queue_messages', 'Envelopes waiting for each registered network (network: its chain key, first 16 hex digits; name: as registered).', () =>
      store.depths().map((d) => [{ network: d.key.slice(0, 16), name: d.name }, d.messages]),
    );
    m.gauge('urchain_broker_store_bytes', 'Bytes the broker store takes on disk.', () => store.size());
    m.processMetrics();
  }

  static async start(o: BrokerOptions): Promise<Broker> {
    const { host, port } = parseHostPort(o.listen, '--listen');
    // Both or neither: a certificate without its key (or the reverse) must not fall back to plain HTTP.
    if (!!o.tlsCert !== !!o.tlsKey) throw badInput(`${o.tlsCert ? '--tls-cert' : '--tls-key'} given without ${o.tlsCert ? '--tls-key' : '--tls-cert'}: HTTPS needs both the certificate and its private key`);
    const tls = !!(o.tlsCert && o.tlsKey);
    if (!tls && !isLoopback(host))
      throw badInput(`plain HTTP is allowed only on loopback; give --tls-cert and --tls-key to listen on ${host}`);
    if (!tls) o.onWarn?.('serving plain HTTP on loopback: fine for a test, use --tls-cert/--tls-key between companies');
    const b = new Broker(new BrokerStore(o.dataDir));
    if (o.witness) {
      b.witnessOptions = o.witness;
      b.witness = brokerWitness(o.dataDir, o.witness);
    }
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      res.once('finish', () => b.countRequest(req, res.statusCode));
      void b.handle(req, res).catch((e) => sendError(res, e));
    };
    b.server = tls ? https.createServer({ cert: fs.readFileSync(o.tlsCert!), key: fs.readFileSync(o.tlsKey!) }, handler) : http.createServer(handler);
    try {
      b.url = `${tls ? 'https' : 'http'}://${await listen(b.server, { host, port }, '--listen')}`;
    } catch (e) {
      await b.store.close(); // the broker never ran: free its store for the next start
      throw e;
    }
    b.timer = setInterval(() => void b.store.expireNonces(Date.now()), 60_000);
    return b;
  }

  private countRequest(req: http.IncomingMessage, status: number) {
    // Runs in a 'finish' listener, outside any catch: nothing here may throw on a hostile target
    // (new URL throws on `GET //`), or one request would end the broker.
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    this.requests.labels({ route: ROUTES.has(route) ? route : 'other', code: String(status) }).inc();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://broker');
    } catch {
      throw badInput('malformed request target');
    }
    if (await witnessRoute(this.witness, this.witnessOptions?.logs ?? [], req, res, url.pathname)) return;
    if (req.method === 'GET' && url.pathname === '/v1/health') return send(res, 200, { ok: true, networks: this.store.list().length });
    if (req.method === 'GET' && url.pathname === '/metrics') {
      // Unsigned like health, but it names every network and its traffic: served to this machine
      // only (a Prometheus on the host, or one reaching it through an SSH tunnel).
      if (!isLoopback(req.socket.remoteAddress ?? '')) throw UrchainError.FORBIDDEN('/metrics is served to loopback clients only');
      const text = this.metrics.render();
      res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    const body = await readBody(req, MAX_ENVELOPE + 4096);
    // The signature covers the target exactly as sent (path and query), not a parsed form of it.
    const auth = verifyRequest(req.headers, req.method ?? '', req.url ?? '/', body);
    const me = toHex(auth.key);
    if (!this.store.isRegistered(me)) throw UrchainError.FORBIDDEN(`network ${me.slice(0, 16)}… is not registered at this broker`);
    if (!(await this.store.useNonce(auth.nonce, Date.now()))) throw UrchainError.REPLAY('request nonce seen before: replayed request refused');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'POST /v1/messages') {
      const e = parseEnvelope(body);
      if (!equal(e.from, auth.key)) throw UrchainError.FORBIDDEN('envelope sender is not the key that signed the request');
      const to = toHex(e.to);
      if (!this.store.isRegistered(to)) throw UrchainError.FORBIDDEN(`receiver ${to.slice(0, 16)}… is not registered at this broker`);
      const id = await this.store.deliver(to, body);
      this.delivered.inc();
      return send(res, 200, { id, to });
    }
    if (route === 'GET /v1/messages') {
      const maxText = url.searchParams.get('max') ?? '100';
      const max = /^[0-9]{1,3}$/.test(maxText) ? Number(maxText) : 0;
      if (max < 1 || max > 100) throw badInput(`max ${JSON.stringify(maxText)}: expected 1 to 100`);
      return send(res, 200, { messages: this.store.fetch(me, max).map((m) => ({ id: m.id, envelope: toBase64(m.envelope) })) });
    }
    if (route === 'POST /v1/ack') {
      let ids: unknown;
      try {
        ids = JSON.parse(Buffer.from(body).toString('utf8')).ids;
      } catch {
        throw badInput('ack: expected {"ids": [...]}');
      }
      if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw badInput('ack: expected {"ids": [...]}');
      const acked = await this.store.ack(me, ids as string[]);
      this.acked.inc(acked);
      return send(res, 200, { acked });
    }
    throw UrchainError.NOT_FOUND(`no route ${route}`);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.server.closeAllConnections?.();
    await closeServer(this.server);
    await this.store.close();
  }
}
