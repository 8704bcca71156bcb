/**
 * @module ingest/profichain/connection
 * One Profichain connection on the node side: HELLO and WELCOME, SUBMIT through the node's intake
 * to a RECEIPT or ERROR per record, PING and PONG, within the limits of limits.ts. Anything
 * malformed gets an ERROR with id 0 and the connection is closed; nothing of a malformed SUBMIT is
 * taken in, because a SUBMIT is checked whole before its first record goes to the intake.
 *
 * Memory: a frame is read only once its full length is reserved in the shared budget (else the
 * socket is paused and the sender waits in TCP), must then arrive within the frame deadline, and
 * is released when handled; payloads in flight and unsent answers are charged until they are
 * gone. The socket is also paused while too much output is unsent or too many records are in
 * flight; output that does not drain in time closes the connection.
 *
 * A SUBMIT's records go to the intake in one call (`acceptAll`), so they join one group commit
 * (node/intake batches what arrives within a turn): one signature and one durable write for the
 * frame, unless it is larger than the intake's batch limit. Their answers go out together once
 * the last is settled, as the frames of answers.ts in one buffer and one socket write (a sealed
 * session seals each answer in a frame of its own, as the protocol has it).
 */
import type net from 'node:net';
import { FrameReader, FrameType, frame, decodeBody, PROTOCOL_VERSION, type Frame } from './frames.js';
import { SealedChannel, nodeKeys } from './session.js';
import { RECORD_OVERHEAD, type ByteBudget, type ProfichainLimits } from './limits.js';
import { x25519KeyPair } from '../../crypto/seal.js';
import { asArray, asUint, asBytes, asText, type CborValue } from '../../codec/cbor.js';
import { UrchainError } from '../../errors.js';
import type { RecordInput } from '../../contracts/records.js';
import type { KeyPair } from '../../crypto/ed25519.js';
import { answerBody, answerFrames, type Answer, type Taken } from './answers.js';

/**
 * What Profichain needs of the node: its intake (node/intake), which answers a set of records,
 * each once it is durable, with its raw receipt fields (no hex) or its error, in order.
 */
export interface RecordIntake {
  acceptAll(recs: readonly RecordInput[]): Promise<(Taken | Error)[]>;
}

export interface ConnectionContext {
  intake: RecordIntake;
  key: KeyPair;
  chainId: Uint8Array;
  maxFrame: number;
  limits: ProfichainLimits;
  budget: ByteBudget;
  onError: (e: Error) => void;
}

type PauseReason = 'budget' | 'output' | 'records';
const timeout = (msg: string) => UrchainError.TIMEOUT(msg);
const secs = (ms: number) => `${ms / 1000} s`;

export class Connection {
  private reader = new FrameReader(256); // HELLO is small; the real limit applies after it
  private channel?: SealedChannel;
  private open = false;
  private closed = false;
  private inFlight = new Set<number>();
  private reserved = 0;
  private outCharged = 0;
  private paused = new Set<PauseReason>();
  private waiter?: () => boolean;
  private lastActive = Date.now();
  private timers: { hello?: NodeJS.Timeout; frame?: NodeJS.Timeout; idle?: NodeJS.Timeout; stall?: NodeJS.Timeout } = {};

  constructor(
    private readonly sock: net.Socket,
    private readonly c: ConnectionContext,
  ) {
    this.timers.hello = setTimeout(() => this.fail(timeout(`no HELLO within ${secs(c.limits.helloTimeoutMs)}`)), c.limits.helloTimeoutMs);
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('drain', () => this.resume('output'));
    sock.on('error', () => undefined);
    sock.on('close', () => this.onClose());
  }

  get isPaused(): boolean {
    return this.paused.size > 0;
  }

  /** Bytes this connection holds in the node right now: frames partly read, output not yet written out. */
  get held(): number {
    return this.reader.pending + this.sock.writableLength;
  }

  private onData(chunk: Buffer) {
    if (this.closed) return;
    this.lastActive = Date.now();
    try {
      let done = 0;
      for (const f of this.reader.push(chunk)) {
        done++;
        this.handle(f);
        // Released after handling: the payloads now in flight are charged first, so a waiting
        // frame never takes bytes that are still held.
        this.release();
        if (this.closed) return;
      }
      if (done) this.clearTimer('frame');
      if (this.reader.pending === 0) return this.clearTimer('frame');
      const need = this.reader.expected;
      if (this.open && this.reserved === 0 && need > 0 && !this.reserve(need)) return;
      this.armFrameTimer();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** Reserves the frame being read in the shared budget, or pauses until it fits. */
  private reserve(need: number): boolean {
    if (this.c.budget.tryTake(need)) {
      this.reserved = need;
      return true;
    }
    this.pause('budget');
    this.waiter = () => {
      if (this.closed) return true;
      if (!this.c.budget.takeIfFits(need)) return false;
      this.reserved = need;
      this.waiter = undefined;
      this.resume('budget');
      return true;
    };
    this.c.budget.wait(this.waiter);
    return false;
  }

  private release() {
    if (this.reserved === 0) return;
    const n = this.reserved;
    this.reserved = 0;
    this.c.budget.give(n);
  }

  private pause(why: PauseReason) {
    if (this.paused.has(why)) return;
    this.paused.add(why);
    this.sock.pause();
    this.clearTimer('frame'); // the node, not the client, holds the frame up now
    if (why === 'output')
      this.timers.stall = setTimeout(() => {
        this.c.onError(timeout(`output not read by the client for ${secs(this.c.limits.writeStallMs)}`));
        this.closed = true;
        this.sock.destroy();
      }, this.c.limits.writeStallMs);
  }

  private resume(why: PauseReason) {
    if (!this.paused.delete(why)) return;
    if (why === 'output') this.clearTimer('stall');
    if (this.paused.size > 0 || this.closed) return;
    this.sock.resume();
    this.armFrameTimer();
  }

  private armFrameTimer() {
    if (this.closed || !this.open || this.paused.size > 0 || this.reader.pending === 0 || this.timers.frame) return;
    const ms = this.c.limits.frameTimeoutMs;
    this.timers.frame = setTimeout(() => this.fail(timeout(`frame not complete within ${secs(ms)} of its first byte`)), ms);
  }

  private armIdleTimer(wait = this.c.limits.idleTimeoutMs) {
    const ms = this.c.limits.idleTimeoutMs;
    this.timers.idle = setTimeout(() => {
      const left = this.lastActive + ms - Date.now();
      if (this.inFlight.size > 0 || this.reader.pending > 0 || this.paused.size > 0) this.armIdleTimer();
      else if (left > 0) this.armIdleTimer(left);
      else this.fail(timeout(`idle for ${secs(ms)} (send PING to hold an idle connection)`));
    }, wait);
  }

  private clearTimer(t: keyof Connection['timers']) {
    clearTimeout(this.timers[t]);
    this.timers[t] = undefined;
  }

  /**
   * Answers settled in one turn go out in one write: the records of a SUBMIT share a group commit,
   * so their receipts come all at once, and a write per receipt cost more than the receipt itself.
   */
  private corked = false;

  private send(type: number, body: CborValue) {
    if (this.closed) return;
    const inner = frame(type, body);
    this.write(this.channel ? frame(FrameType.SEALED, this.channel.seal(type, inner.subarray(5)), true) : inner);
  }

  /** Writes frames made ready (charged to the budget until written out). */
  private write(out: Uint8Array) {
    if (this.closed) return;
    if (!this.corked) {
      this.corked = true;
      this.sock.cork();
      process.nextTick(() => {
        this.corked = false;
        this.sock.uncork();
      });
    }
    const n = out.length;
    this.outCharged += n;
    this.c.budget.force(n);
    this.sock.write(out, () => {
      if (this.outCharged < n) return; // released at close already
      this.outCharged -= n;
      this.c.budget.give(n);
    });
    if (this.sock.writableLength > this.c.limits.outputHighWater) this.pause('output');
  }

  private fail(e: Error) {
    if (this.closed) return;
    const err = e instanceof UrchainError ? e : UrchainError.BAD_INPUT('malformed input');
    this.c.onError(e instanceof UrchainError ? e : UrchainError.BAD_INPUT(e.message));
    try {
      this.send(FrameType.ERROR, [0, err.code, err.message]);
    } catch {
      /* the socket may be gone */
    }
    this.closed = true;
    this.sock.end();
    setTimeout(() => this.sock.destroy(), 1000).unref();
  }

  private onClose() {
    this.closed = true;
    for (const t of Object.keys(this.timers) as (keyof Connection['timers'])[]) this.clearTimer(t);
    this.release();
    if (this.waiter) this.c.budget.cancel(this.waiter);
    const out = this.outCharged;
    this.outCharged = 0;
    this.c.budget.give(out);
  }

  private handle(f: Frame) {
    if (!this.open) return this.hello(f);
    let inner: Frame = f;
    if (this.channel) {
      if (f.type !== FrameType.SEALED) throw UrchainError.BAD_INPUT('this session is encrypted: only SEALED frames');
      inner = this.channel.open(f.body);
    }
    if (inner.type === FrameType.SUBMIT) this.submit(decodeBody(inner));
    else if (inner.type === FrameType.PING) {
      const n = asUint(asArray(decodeBody(inner), 1, 'PING')[0], 'PING n');
      this.send(FrameType.PONG, [n]);
    } else throw UrchainError.BAD_INPUT(`unexpected frame type 0x${inner.type.toString(16)}`);
  }

  private hello(f: Frame) {
    if (f.type !== FrameType.HELLO) throw UrchainError.BAD_INPUT('expected HELLO first');
    const a = asArray(decodeBody(f), 4, 'HELLO');
    const versions = a[0];
    if (!Array.isArray(versions) || versions.length === 0) throw UrchainError.BAD_INPUT('HELLO versions: expected a non-empty array of unsigned integers');
    versions.forEach((v) => asUint(v, 'HELLO version'));
    if (!versions.includes(PROTOCOL_VERSION)) throw UrchainError.BAD_INPUT(`no common protocol version (this node speaks ${PROTOCOL_VERSION})`);
    asText(a[1], 'clientName');
    const tier1 = asUint(a[2], 'tier1');
    if (tier1 > 1) throw UrchainError.BAD_INPUT(`HELLO tier1: expected 0 or 1, got ${tier1}`);
    const o = this.c;
    if (tier1 === 1) {
      const clientEph = asBytes(a[3], 'clientEph', 32);
      const eph = x25519KeyPair();
      // Derived before WELCOME: a small-order clientEph is refused in a plain ERROR, not after it.
      const keys = nodeKeys(o.key.secretKey, o.key.publicKey, eph.secret, eph.public, clientEph);
      this.send(FrameType.WELCOME, [PROTOCOL_VERSION, o.key.publicKey, o.chainId, o.maxFrame, 1, eph.public]);
      this.channel = new SealedChannel(keys);
    } else {
      if (asBytes(a[3], 'clientEph').length !== 0) throw UrchainError.BAD_INPUT('HELLO clientEph: must be the empty byte string without tier 1');
      this.send(FrameType.WELCOME, [PROTOCOL_VERSION, o.key.publicKey, o.chainId, o.maxFrame, 0, new Uint8Array(0)]);
    }
    this.reader.setMax(o.maxFrame);
    this.open = true;
    this.clearTimer('hello');
    this.armIdleTimer();
  }

  /** Checks the whole SUBMIT first, so a bad record or a repeated id takes nothing of it in. */
  private submit(body: CborValue) {
    const max = this.c.limits.maxInFlight;
    if (!Array.isArray(body) || body.length === 0) throw UrchainError.BAD_INPUT('SUBMIT: expected a non-empty array of records');
    if (body.length > max) throw UrchainError.BAD_INPUT(`SUBMIT: at most ${max} records in one frame, got ${body.length}`);
    const recs: { id: number; rec: RecordInput }[] = [];
    const ids = new Set<number>();
    for (const r of body) {
      const x = asArray(r, 5, 'record');
      const id = asUint(x[0], 'id');
      if (id === 0) throw UrchainError.BAD_INPUT('record id 0 is reserved for the connection');
      if (ids.has(id) || this.inFlight.has(id)) throw UrchainError.BAD_INPUT(`record id ${id} is already in flight on this connection: ids must be unique among records in flight`);
      ids.add(id);
      if (!Array.isArray(x[2])) throw UrchainError.BAD_INPUT('record meta: expected an array of [key, value]');
      const meta = x[2].map((p) => {
        const kv = asArray(p, 2, 'meta entry');
        return [asText(kv[0], 'meta key'), asText(kv[1], 'meta value')] as [string, string];
      });
      const key = asText(x[4], 'key');
      recs.push({ id, rec: { payload: asBytes(x[3], 'payload'), kind: asText(x[1], 'kind'), meta, idemKey: key || undefined } });
    }
    this.take(recs);
    if (this.inFlight.size >= max) this.pause('records');
  }

  /** Hands a checked SUBMIT's records to the intake at once; answers each when all are settled. */
  private take(recs: { id: number; rec: RecordInput }[]) {
    let charge = 0;
    for (const { id, rec } of recs) {
      charge += rec.payload.length + RECORD_OVERHEAD;
      this.inFlight.add(id);
    }
    this.c.budget.force(charge);
    const settle = (results: (Taken | Error)[]) => {
      const answers: Answer[] = new Array(recs.length);
      for (let i = 0; i < recs.length; i++) {
        const id = recs[i].id;
        this.inFlight.delete(id);
        const r = results[i];
        if (!(r instanceof Error)) answers[i] = { id, taken: r };
        // A known refusal keeps its code (CONFLICT, TOO_LARGE, STORE, ...); anything else is a store failure, without internals.
        else if (r instanceof UrchainError) answers[i] = { id, code: r.code, message: r.message };
        else {
          this.c.onError(r);
          answers[i] = { id, code: 'STORE', message: 'the node could not store the record' };
        }
      }
      this.c.budget.give(charge);
      if (!this.channel) this.write(answerFrames(answers));
      else
        for (const a of answers) {
          const { type, body } = answerBody(a);
          this.write(frame(FrameType.SEALED, this.channel.seal(type, body), true));
        }
      if (this.inFlight.size < this.c.limits.maxInFlight / 2) this.resume('records');
    };
    // The intake answers every record; should it throw or reject instead, each record gets that error.
    const failAll = (e: unknown) => settle(recs.map(() => (e instanceof Error ? e : new Error(String(e)))));
    let p: Promise<(Taken | Error)[]>;
    try {
      p = this.c.intake.acceptAll(recs.map((r) => r.rec));
    } catch (e) {
      return failAll(e);
    }
    p.then(settle, failAll);
  }
}
