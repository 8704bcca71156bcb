/**
 * What a Profichain client may cost the node, and the protocol rules a hostile client tried to
 * break (issue 9): the connection cap, the frame deadline, the idle timeout, one byte budget
 * across clients, backpressure on a client that never reads, PING of the specified shape only,
 * record ids unique in flight, clientEph rules, CONFLICT passed through, the off-loopback warning,
 * one intake call and one write of answers per SUBMIT.
 * Each runs against a ProfichainServer in this process, over real sockets, with the intake of a
 * real node (LMDB) and limits small enough to reach quickly; the server's own byte count and the
 * bytes its connections actually hold are both checked.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import path from 'node:path';
import { tmpDir, vector, spawnCli, cleanupAfter } from '../helpers.js';
import { openSink } from '../../src/ingest/sink.js';
import { UrchainNode } from '../../src/node/node.js';
import { ProfichainServer } from '../../src/ingest/profichain/server.js';
import { ProfichainClient } from '../../src/ingest/profichain/client.js';
import type { ProfichainLimits } from '../../src/ingest/profichain/limits.js';
import { FrameReader, FrameType, frame, decodeBody, type Frame } from '../../src/ingest/profichain/frames.js';
import { asArray } from '../../src/codec/cbor.js';
import { UrchainError } from '../../src/errors.js';
import type { Intake } from '../../src/node/intake.js';
import type { RecordInput } from '../../src/contracts/records.js';
import { answerFrames, answerBody, type Answer } from '../../src/ingest/profichain/answers.js';

const L = suite('profichain limits');
const closing = cleanupAfter(L);
const MAX_PAYLOAD = 1_000_000;
let dir: string;
let node: UrchainNode;

L.before(async () => {
  dir = tmpDir();
  node = closing(await UrchainNode.start({ dataDir: path.join(dir, 'n'), api: false, blockTime: 60_000, maxPayload: MAX_PAYLOAD }));
});

async function serve(limits: Partial<ProfichainLimits> = {}, intake: Intake = node.intake, host = '127.0.0.1', warnings: string[] = []) {
  const s = await ProfichainServer.start({ listen: { host, port: 0 }, intake, key: node.key, chainId: new Uint8Array(32), maxPayload: MAX_PAYLOAD, limits, onWarning: (m) => warnings.push(m) });
  closing(s);
  return s;
}
const portOf = (s: ProfichainServer) => Number(s.address.slice(s.address.lastIndexOf(':') + 1));

/** A hand-driven client: raw bytes out, frames in, as an outside (or hostile) client would. */
class Raw {
  readonly sock: net.Socket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<void>;
  private waiting?: () => void;
  constructor(server: ProfichainServer) {
    this.sock = net.connect({ host: '127.0.0.1', port: portOf(server) });
    closing({ close: () => this.sock.destroy() }); // closed before its server (newest first): a server's close waits for its connections
    const reader = new FrameReader(1 << 24);
    this.sock.on('data', (d: Buffer) => {
      this.frames.push(...reader.push(d));
      this.waiting?.();
    });
    this.sock.on('error', () => undefined);
    this.closed = new Promise((r) => this.sock.on('close', () => (r(), this.waiting?.())));
  }
  /** The n-th frame received (0-based), once it is there; fails if the connection closes first. */
  async frame(n: number, ms = 10_000): Promise<Frame> {
    const deadline = Date.now() + ms;
    while (this.frames.length <= n) {
      if (this.sock.destroyed) throw new Error(`connection closed after ${this.frames.length} frame(s)`);
      if (Date.now() >= deadline) throw new Error(`no frame ${n} within ${ms} ms`);
      // Woken by the next data or close, or by the deadline.
      await new Promise<void>((r) => {
        const t = setTimeout(r, deadline - Date.now());
        this.waiting = () => (clearTimeout(t), r());
      });
    }
    return this.frames[n];
  }
  hello(tier1 = 0, eph: Uint8Array<ArrayBufferLike> = new Uint8Array(0)) {
    this.sock.write(frame(FrameType.HELLO, [[1], 'test', tier1, eph]));
  }
  async welcomed() {
    this.hello();
    assert.is((await this.frame(0)).type, FrameType.WELCOME);
  }
}

/** Resolves when `closed` does, or fails after `ms`. */
const within = (p: Promise<unknown>, ms: number, what: string) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);

/**
 * Polls in-process state until `cond` holds (state of this process, not a timing guess): the
 * Profichain server reports its counters only through stats(), with no event when they change.
 */
async function until(cond: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const errorOf = (f: Frame) => {
  assert.is(f.type, FrameType.ERROR, `expected an ERROR frame, got type 0x${f.type.toString(16)}`);
  return asArray(decodeBody(f), 3, 'ERROR') as [number, string, string];
};

L('connections beyond the cap get ERROR UNAVAILABLE and are closed; a freed slot is usable again', async () => {
  const s = await serve({ maxConnections: 3 });
  const first = [new Raw(s), new Raw(s), new Raw(s)];
  for (const r of first) await r.welcomed();
  const extra = new Raw(s);
  extra.hello();
  const [id, code, msg] = errorOf(await extra.frame(0));
  assert.equal([id, code], [0, 'UNAVAILABLE']);
  assert.match(msg, /too many Profichain connections \(limit 3\)/);
  await within(extra.closed, 3000, 'the refused connection closes');
  assert.is(s.stats().connections, 3);
  first[0].sock.destroy();
  await until(() => s.stats().connections === 2, 'the freed slot');
  await new Raw(s).welcomed();
});

L('a frame begun and never finished is closed at the frame deadline, and its bytes are released', async () => {
  const s = await serve({ frameTimeoutMs: 300 });
  const r = new Raw(s);
  await r.welcomed();
  const big = frame(FrameType.SUBMIT, [[1, 'record', [], new Uint8Array(900_000), '']]);
  r.sock.write(big.subarray(0, 400_000));
  await until(() => s.stats().heldBytes >= 400_000, 'the half frame is read');
  assert.ok(s.stats().bufferedBytes >= big.length, 'the whole frame is reserved once its length is known');
  const t0 = Date.now();
  await within(r.closed, 5000, 'the stalled connection closes');
  assert.ok(Date.now() - t0 < 5000);
  const [, code, msg] = errorOf(r.frames[1]);
  assert.is(code, 'TIMEOUT');
  assert.match(msg, /frame not complete within 0.3 s/);
  await until(() => s.stats().bufferedBytes === 0 && s.stats().connections === 0, 'the bytes are released');
});

L('a connection that sends nothing is closed at the idle timeout; the reference sink then reconnects', async () => {
  const s = await serve({ idleTimeoutMs: 300 });
  const r = new Raw(s);
  await r.welcomed();
  await within(r.closed, 5000, 'the idle connection closes');
  const [, code, msg] = errorOf(r.frames[1]);
  assert.is(code, 'TIMEOUT');
  assert.match(msg, /idle/);
  const sink = openSink({ profichain: s.address, baseDelayMs: 10 });
  try {
    assert.is((await sink.submit({ payload: Buffer.from('before the idle close') })).txId.length, 64);
    await until(() => s.stats().connections === 0, 'the sink connection closed for idleness');
    assert.is((await sink.submit({ payload: Buffer.from('after it') })).txId.length, 64);
  } finally {
    await sink.close();
  }
});

L('many clients with near-maximum frames: the bytes held stay within the budget, the rest wait in TCP and all finish', async () => {
  const limit = 3 * 1024 * 1024;
  const s = await serve({ bufferBytes: limit });
  const clients = Array.from({ length: 12 }, () => new Raw(s));
  for (const c of clients) await c.welcomed();
  const frames = clients.map((_, i) => frame(FrameType.SUBMIT, [[1, 'record', [], new Uint8Array(MAX_PAYLOAD - 100).fill(i), '']]));
  const granted = Math.floor(limit / frames[0].length);
  for (const [i, c] of clients.entries()) c.sock.write(frames[i].subarray(0, 600_000));
  await until(() => s.stats().paused === clients.length - granted, `${clients.length - granted} connections paused`);
  let peak = 0;
  let peakBudget = 0;
  const sample = () => {
    const st = s.stats();
    peak = Math.max(peak, st.heldBytes);
    peakBudget = Math.max(peakBudget, st.bufferedBytes);
  };
  sample();
  const timer = setInterval(sample, 5);
  try {
    for (const [i, c] of clients.entries()) c.sock.write(frames[i].subarray(600_000));
    for (const c of clients) assert.is((await c.frame(1, 30_000)).type, FrameType.RECEIPT, 'every frame gets through in the end');
  } finally {
    clearInterval(timer);
  }
  sample();
  assert.ok(peakBudget <= limit, `budget ${peakBudget} <= ${limit}`);
  // Held: the reserved frames, plus at most one socket read (64 KiB) per paused connection.
  assert.ok(peak >= 600_000 && peak <= limit + clients.length * 65_536, `held ${peak}`);
  await until(() => s.stats().bufferedBytes === 0, 'all bytes released after the receipts went out');
});

L('a client that never reads: the node stops reading it, its output stays bounded, and it is closed when output stalls', async () => {
  const hw = 64 * 1024;
  const s = await serve({ outputHighWater: hw, writeStallMs: 1500 });
  const r = new Raw(s);
  await r.welcomed();
  r.sock.pause(); // from here on the client reads nothing
  const pings = Buffer.concat(Array.from({ length: 100_000 }, (_, i) => frame(FrameType.PING, [i])));
  let peak = 0;
  let sawPause = false;
  const sample = () => {
    const st = s.stats();
    peak = Math.max(peak, st.heldBytes);
    sawPause ||= st.paused > 0;
  };
  const timer = setInterval(sample, 5);
  try {
    // Keep writing until the node has stopped reading (the client's own buffer backs up) or closed.
    while (!r.sock.destroyed && r.sock.writableLength < 16 * 1024 * 1024) {
      r.sock.write(pings);
      await new Promise((res) => setImmediate(res));
      sample();
    }
    await within(r.closed, 10_000, 'the stalled connection closes');
  } finally {
    clearInterval(timer);
  }
  assert.ok(sawPause, 'the node paused the connection');
  // High-water mark, plus the PONGs of one socket read (64 KiB of 7-byte PINGs), plus a read held.
  assert.ok(peak <= hw + 2 * 65_536 + 1024, `peak held ${peak}`);
  await until(() => s.stats().bufferedBytes === 0, 'released');
});

L('PING must be [n]: other bodies close the connection, [n] gets PONG [n]', async () => {
  const s = await serve();
  const ok = new Raw(s);
  await ok.welcomed();
  ok.sock.write(frame(FrameType.PING, [7]));
  const pong = await ok.frame(1);
  assert.is(pong.type, FrameType.PONG);
  assert.equal(decodeBody(pong), [7]);
  for (const body of [[new Uint8Array(100_000)], [1, 2], [], ['x']]) {
    const r = new Raw(s);
    await r.welcomed();
    r.sock.write(frame(FrameType.PING, body));
    await within(r.closed, 5000, 'a bad PING closes');
    assert.is(r.frames.length, 2, 'no PONG');
    assert.is(errorOf(r.frames[1])[0], 0);
  }
});

L('record ids are unique in flight: a SUBMIT repeating an id (in itself or while in flight) takes nothing in', async () => {
  const s = await serve();
  const before = node.intake.committedTxs;
  const r = new Raw(s);
  await r.welcomed();
  r.sock.write(frame(FrameType.SUBMIT, [[5, 'record', [], Buffer.from('first'), ''], [5, 'record', [], Buffer.from('second'), '']]));
  const [id, code, msg] = errorOf(await r.frame(1));
  assert.equal([id, code], [0, 'BAD_INPUT']);
  assert.match(msg, /record id 5 is already in flight/);
  await within(r.closed, 3000, 'closed');
  // Across frames: the second SUBMIT comes while the first is in flight (one write, one read).
  const r2 = new Raw(s);
  await r2.welcomed();
  r2.sock.write(Buffer.concat([frame(FrameType.SUBMIT, [[9, 'record', [], Buffer.from('a'), '']]), frame(FrameType.SUBMIT, [[9, 'record', [], Buffer.from('b'), '']])]));
  await within(r2.closed, 3000, 'closed');
  const kinds = r2.frames.map((f) => (f.type === FrameType.ERROR ? errorOf(f).slice(0, 2).join(' ') : f.type));
  assert.ok(kinds.includes('0 BAD_INPUT'), JSON.stringify(kinds));
  // A marker record: once it is durable, only it and the first record of r2 were taken in.
  const c = await ProfichainClient.connect({ host: '127.0.0.1', port: portOf(s) });
  await c.submit({ payload: Buffer.from('marker') });
  await c.close();
  assert.is(node.intake.committedTxs - before, 2, 'the marker and record 9 "a"; nothing of the SUBMIT with a repeated id');
});

L('HELLO: tier1 is 0 or 1, clientEph empty without tier 1, a small-order clientEph refused in a plain ERROR before WELCOME', async () => {
  const s = await serve();
  const refuse = async (tier1: number, eph: Uint8Array<ArrayBufferLike>, re: RegExp) => {
    const r = new Raw(s);
    r.hello(tier1, eph);
    const [id, code, msg] = errorOf(await r.frame(0));
    assert.equal([id, code], [0, 'BAD_INPUT']);
    assert.match(msg, re);
    assert.not.match(msg, /error:|routines|OpenSSL/i, 'no library internals');
    await within(r.closed, 3000, 'closed');
    assert.is(r.frames.length, 1, 'no WELCOME');
  };
  await refuse(0, new Uint8Array(32).fill(9), /clientEph: must be the empty byte string without tier 1/);
  await refuse(2, new Uint8Array(0), /tier1: expected 0 or 1/);
  // The points of small order on Curve25519 (RFC 7748 §6.1), some in non-canonical form.
  const p = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const smallOrder = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ];
  for (const h of smallOrder) await refuse(1, p(h), /clientEph is a point of small order/);
  // The page's vector is what the node answers, byte for byte.
  const v = vector('profichain.json');
  const r = new Raw(s);
  r.sock.write(Buffer.from(v.frames.helloSmallOrder, 'hex'));
  const f = await r.frame(0);
  assert.is(frame(f.type, f.body, true).toString('hex'), v.frames.errorSmallOrder);
  // The right shape still works both ways.
  for (const tier1 of [false, true]) {
    const c = await ProfichainClient.connect({ host: '127.0.0.1', port: portOf(s), tier1 });
    assert.is((await c.submit({ payload: Buffer.from(`tier1 ${tier1}`) })).durable, true);
    await c.close();
  }
});

L('an intake refusal keeps its code (CONFLICT for a reused idempotency key); an unknown failure, or a failed intake call, is STORE without internals', async () => {
  const fake = {
    maxPayload: MAX_PAYLOAD,
    acceptAll: async (rs: { payload: Uint8Array }[]) => {
      if (Buffer.from(rs[0].payload).toString() === 'reject all') throw new Error('EIO: the whole call failed, lmdb internals at /var/lib/x');
      return rs.map((r) =>
        Buffer.from(r.payload).toString() === 'conflict'
          ? new UrchainError('CONFLICT', 'idempotency key k was used for other content')
          : new Error('EIO: i/o error, lmdb internals at /var/lib/x'),
      );
    },
  } as unknown as Intake;
  const s = await serve({}, fake);
  const c = await ProfichainClient.connect({ host: '127.0.0.1', port: portOf(s) });
  try {
    const e1 = await c.submit({ payload: Buffer.from('conflict'), idemKey: 'k' }).then(() => undefined, (e) => e as UrchainError);
    assert.is(e1?.code, 'CONFLICT');
    const e2 = await c.submit({ payload: Buffer.from('other') }).then(() => undefined, (e) => e as UrchainError);
    assert.is(e2?.code, 'STORE');
    assert.not.match(e2!.message, /EIO|lmdb|\/var/);
    // An intake call that fails as a whole answers each of its records, as STORE without internals.
    const e3 = await c.submit({ payload: Buffer.from('reject all') }).then(() => undefined, (e) => e as UrchainError);
    assert.is(e3?.code, 'STORE');
    assert.not.match(e3!.message, /EIO|lmdb|\/var/);
  } finally {
    await c.close();
  }
});

L('a SUBMIT goes to the intake in one acceptAll call; its answers (receipts and errors) come in one socket write, in order', async () => {
  const calls: number[] = [];
  const counted = { acceptAll: (rs: RecordInput[]) => (calls.push(rs.length), node.intake.acceptAll(rs)) } as unknown as Intake;
  const s = await serve({}, counted);
  const r = new Raw(s);
  await r.welcomed();
  const chunks: number[] = [];
  r.sock.on('data', (d: Buffer) => chunks.push(d.length));
  const recs = Array.from({ length: 50 }, (_, i) => [i + 1, i === 7 ? 'Not A Kind' : 'record', [], Buffer.from(`one call ${i}`), '']);
  r.sock.write(frame(FrameType.SUBMIT, recs));
  const last = await r.frame(50);
  assert.equal(calls, [50], 'one call for the whole frame');
  assert.is(chunks.length, 1, 'all 50 answers in one write');
  const answers = r.frames.slice(1, 51).map((f) => ({ type: f.type, a: asArray(decodeBody(f), f.type === FrameType.RECEIPT ? 6 : 3, 'answer') }));
  assert.equal(answers.map((x) => x.a[0]), recs.map((x) => x[0]), 'one answer per record, in order');
  assert.is(answers[7].type, FrameType.ERROR);
  assert.is(answers[7].a[1], 'BAD_INPUT');
  assert.is(answers.filter((x) => x.type === FrameType.RECEIPT).length, 49);
  assert.is(new Set(answers.filter((x) => x.type === FrameType.RECEIPT).map((x) => Buffer.from(x.a[2] as Uint8Array).toString('hex'))).size, 1, 'one group commit');
  assert.is(last.type, FrameType.RECEIPT);
});

L('the answers of a SUBMIT in one buffer are byte for byte the frames encode() makes one by one', () => {
  const root = new Uint8Array(32).fill(9);
  const answers: Answer[] = [];
  for (let i = 0; i < 300; i++) {
    const id = [1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1][i % 10];
    if (i % 7 === 3) answers.push({ id, code: i % 2 ? 'CONFLICT' : 'STORE', message: i % 2 ? `ключ k${i} – used for other content` : 'x'.repeat(i) });
    else answers.push({ id, taken: { txId: new Uint8Array(32).fill(i & 255), batch: { root }, timestamp: [0, 23, 1_700_000_000_000, 2 ** 32 + 5][i % 4], seq: i * 1000, duplicate: i % 5 === 0 } });
  }
  const expected = Buffer.concat(
    answers.map((a) =>
      'taken' in a
        ? frame(FrameType.RECEIPT, [a.id, a.taken.txId, a.taken.batch.root, a.taken.timestamp, a.taken.seq, a.taken.duplicate ? 1 : 0])
        : frame(FrameType.ERROR, [a.id, a.code, a.message]),
    ),
  );
  assert.is(Buffer.from(answerFrames(answers)).toString('hex'), expected.toString('hex'));
  for (const a of answers.slice(0, 20)) {
    const { type, body } = answerBody(a);
    const one = frame(type, body, true);
    assert.is(one.toString('hex'), Buffer.from(answerFrames([a])).toString('hex'));
  }
});

L('off loopback the server warns who can then write; on loopback it does not', async () => {
  const loud: string[] = [];
  await serve({}, node.intake, '0.0.0.0', loud);
  assert.is(loud.length, 1);
  assert.match(loud[0], /anyone who can reach this port can write records/);
  const quiet: string[] = [];
  await serve({}, node.intake, '127.0.0.1', quiet);
  assert.is(quiet.length, 0);
});

L('a real node serving Profichain off loopback warns on stderr who can then write', async () => {
  const n = spawnCli(['node', 'run', '--data', path.join(dir, 'off'), '--api', '127.0.0.1:0', '--profichain', '0.0.0.0:0', '--json']);
  try {
    await n.until((lines) => lines.some((l) => l.event === 'started'));
    await n.until(() => /WARNING: Profichain listens on 0\.0\.0\.0:\d+, off loopback/.test(n.stderr()), 10_000);
    assert.match(n.stderr(), /anyone who can reach this port can write records/);
  } finally {
    await n.stop();
  }
});

L.run();
