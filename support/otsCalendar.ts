/**
 * An OpenTimestamps calendar in process, for tests and the README's offline demo. It speaks the
 * protocol of opentimestamps-server (transparency/otsCalendar) and builds its answers the way
 * that server does:
 *
 *   POST /digest         d -> prepend(4-byte submission index) -> append(8-byte MAC) = commitment,
 *                        answered as that path ending in a pending attestation naming this calendar
 *   confirm()            every unconfirmed commitment goes into a merkle tree (pairs joined by
 *                        append/prepend then sha256, python's make_merkle_tree), the tip into a
 *                        transaction of a new block of the shared SyntheticBitcoin
 *   GET /timestamp/HEX   200 with the path from that commitment to a bitcoin attestation once
 *                        confirmed; 404 "Pending confirmation in Bitcoin blockchain" before;
 *                        404 "Not found" for a commitment it never made
 *
 * `failing = true` makes it answer 500 to everything (a calendar that is down but reachable).
 * POST /confirm does confirm() over HTTP and GET /headers serves the headers file, for the demo.
 * Run as a program (`node dist/support/otsCalendar.js [COUNT]`), it starts COUNT
 * calendars (default 2) on one shared chain, prints their URLs one a line and runs until stopped.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { concat, toHex } from '../src/codec/bytes.js';
import { sha256 } from '../src/crypto/hash.js';
import { addAttestation, addOp, applyOp, serializeTimestamp, type Op, type Timestamp } from '../src/transparency/ots.js';
import { listen, closeServer } from '../src/io/listen.js';
import { SyntheticBitcoin } from './bitcoin.js';

/** python-opentimestamps' LitecoinBlockHeaderAttestation tag. */
const LITECOIN_TAG = Uint8Array.from([0x06, 0x86, 0x9a, 0x0d, 0x73, 0xd7, 0x1b, 0x45]);

export class TestCalendar {
  url = '';
  failing = false;
  /** Answer GET /timestamp with a Litecoin attestation only (no Bitcoin one): tests of upgrade. */
  answerUnknown = false;
  /** Requests answered, by route: tests see what a command asked. */
  readonly hits = { digest: 0, timestamp: 0 };
  private readonly key = crypto.randomBytes(32);
  private next = 0;
  private readonly pending: { commitment: Uint8Array }[] = [];
  /** Commitment hex -> its timestamp down to a bitcoin attestation. */
  private readonly done = new Map<string, Timestamp>();
  private readonly made = new Set<string>();
  private server?: http.Server;

  constructor(readonly chain: SyntheticBitcoin) {}

  static async start(chain: SyntheticBitcoin): Promise<TestCalendar> {
    const c = new TestCalendar(chain);
    c.server = http.createServer((req, res) => void c.handle(req, res));
    c.url = `http://${await listen(c.server, { host: '127.0.0.1', port: 0 }, 'port')}`;
    return c;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await closeServer(this.server);
  }

  /** What POST /digest answers for `digest` (also records the commitment). */
  submit(digest: Uint8Array): Timestamp {
    const idx = Uint8Array.of(0, 0, this.next >> 8, this.next & 0xff);
    this.next++;
    const t: Timestamp = { items: [] };
    const prepended = applyOp({ op: 'prepend', arg: idx }, digest);
    const mac = sha256(concat(prepended, this.key)).slice(0, 8);
    const commitment = applyOp({ op: 'append', arg: mac }, prepended);
    addAttestation(addOp(addOp(t, { op: 'prepend', arg: idx }), { op: 'append', arg: mac }), { type: 'pending', uri: this.url });
    this.pending.push({ commitment });
    this.made.add(toHex(commitment));
    return t;
  }

  /** Confirms every pending commitment in one new block; returns its height (undefined: none). */
  confirm(): number | undefined {
    if (!this.pending.length) return undefined;
    const batch = this.pending.splice(0);
    // python-opentimestamps' make_merkle_tree: pair neighbours, carry an odd one up.
    let level = batch.map((p) => ({ msg: p.commitment, paths: [[] as Op[]], owners: [p.commitment] }));
    while (level.length > 1) {
      const next: typeof level = [];
      for (let i = 0; i + 1 < level.length; i += 2) {
        const [l, r] = [level[i], level[i + 1]];
        for (const p of l.paths) p.push({ op: 'append', arg: r.msg }, { op: 'sha256' });
        for (const p of r.paths) p.push({ op: 'prepend', arg: l.msg }, { op: 'sha256' });
        next.push({ msg: sha256(concat(l.msg, r.msg)), paths: [...l.paths, ...r.paths], owners: [...l.owners, ...r.owners] });
      }
      if (level.length % 2) next.push(level[level.length - 1]);
      level = next;
    }
    const tip = level[0];
    const mined = this.chain.mine([tip.msg]);
    tip.owners.forEach((c, i) => {
      const t: Timestamp = { items: [] };
      let node = t;
      for (const op of [...tip.paths[i], ...mined.paths[0]]) node = addOp(node, op);
      addAttestation(node, { type: 'bitcoin', height: mined.height });
      this.done.set(toHex(c), t);
    });
    return mined.height;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const d of req) parts.push(d as Buffer);
    const body = new Uint8Array(Buffer.concat(parts));
    const reply = (status: number, data: Uint8Array | string, type = 'application/octet-stream'): void => void res.writeHead(status, { 'content-type': type }).end(data);
    if (this.failing) return reply(500, 'calendar failing on purpose', 'text/plain');
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/digest') {
      this.hits.digest++;
      if (body.length < 1 || body.length > 64) return reply(400, 'digest too long', 'text/plain');
      return reply(200, serializeTimestamp(this.submit(body)));
    }
    const m = /^\/timestamp\/([0-9a-f]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      this.hits.timestamp++;
      if (this.answerUnknown && this.made.has(m[1])) return reply(200, serializeTimestamp({ items: [{ attestation: { type: 'unknown', tag: LITECOIN_TAG, payload: Uint8Array.of(1) } }] }));
      const t = this.done.get(m[1]);
      if (t) return reply(200, serializeTimestamp(t));
      return reply(404, this.made.has(m[1]) ? 'Pending confirmation in Bitcoin blockchain' : 'Not found', 'text/plain');
    }
    if (req.method === 'POST' && path === '/confirm') return reply(200, JSON.stringify({ height: this.confirm() ?? null }), 'application/json');
    if (req.method === 'GET' && path === '/headers') return reply(200, this.chain.headersFile());
    reply(404, 'Not found', 'text/plain');
  }
}

/** Starts `n` calendars on one new synthetic chain. */
export async function startCalendars(n = 2, chain = new SyntheticBitcoin()): Promise<{ chain: SyntheticBitcoin; calendars: TestCalendar[]; close(): Promise<void> }> {
  const calendars = await Promise.all(Array.from({ length: n }, () => TestCalendar.start(chain)));
  return { chain, calendars, close: async () => void (await Promise.all(calendars.map((c) => c.close()))) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const cals = await startCalendars(Number(process.argv[2] ?? 2));
  process.stdout.write(cals.calendars.map((c) => c.url).join('\n') + '\n');
  const stop = () => void cals.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

