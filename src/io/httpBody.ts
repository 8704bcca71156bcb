/**
 * @module io/httpBody
 * Request bodies of the HTTP servers (node API, broker): read within a per-request limit and,
 * for the node API, within one budget shared by all requests in flight, so a client cannot make
 * the process hold more than that (ten 64 MiB bodies once held 650 MB). A refused body is read to
 * its end and thrown away before the answer, so the client sees 413 or 503, not a reset.
 */
import http from 'node:http';
import { UrchainError } from '../errors.js';

/** Bytes and time spent discarding a refused body before answering anyway. */
const DRAIN_BYTES = 256 * 1024 * 1024;
const DRAIN_MS = 10_000;
/** Requests that sent `Expect: 100-continue` and have not been told to go on: no body is coming. */
const awaitingContinue = new WeakSet<http.IncomingMessage>();

/** Marks a request that sent `Expect: 100-continue`: readBody tells it to go on, a refusal needs no drain. */
export function expectsContinue(req: http.IncomingMessage): void {
  awaitingContinue.add(req);
}

/** Reads and drops the rest of a refused body (bounded), so the answer is not lost in a reset. */
export function drain(req: http.IncomingMessage): Promise<void> {
  if (req.complete || awaitingContinue.has(req) || req.destroyed) return Promise.resolve();
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > DRAIN_BYTES) return Promise.resolve(); // too much to swallow: answer, then the close may reset
  return new Promise((resolve) => {
    let n = 0;
    const done = () => {
      clearTimeout(t);
      req.off('data', count);
      resolve();
    };
    const count = (c: Buffer) => {
      n += c.length;
      if (n > DRAIN_BYTES) done();
    };
    const t = setTimeout(done, DRAIN_MS);
    req.on('data', count);
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

/** Bytes of request bodies held at once, shared by all requests of one server. */
export class BodyBudget {
  used = 0;
  peak = 0;
  constructor(readonly limit: number) {}
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    if (this.used > this.peak) this.peak = this.used;
    return true;
  }
  give(n: number): void {
    this.used -= n;
  }
}

export interface ReadBodyOptions {
  /** Shared budget: the body's bytes are taken from it and given back when `res` closes. */
  budget?: BodyBudget;
  res?: http.ServerResponse;
}

/** Reads a request body of at most `max` bytes (TOO_LARGE beyond, UNAVAILABLE when the budget is spent). */
export function readBody(req: http.IncomingMessage, max: number, o: ReadBodyOptions = {}): Promise<Uint8Array> {
  return new Promise((resolve, reject) => readBodyThen(req, max, o, resolve, reject));
}

/**
 * As readBody, with callbacks instead of a promise: the node API's hot route reads a record's body
 * with no promise and no await in its way. Exactly one of `done` and `fail` is called, once.
 */
export function readBodyThen(req: http.IncomingMessage, max: number, o: ReadBodyOptions, done: (body: Uint8Array) => void, fail: (e: UrchainError) => void): void {
  const raw = req.headers['content-length'];
  const declared = raw === undefined ? undefined : Number(raw);
  if (declared !== undefined && declared > max) return fail(UrchainError.TOO_LARGE(`body of ${declared} bytes exceeds the limit of ${max}`));
  const budget = o.budget;
  let held = 0;
  const release = () => {
    budget?.give(held);
    held = 0;
  };
  // Only bytes taken from a budget need giving back when the answer is done.
  if (budget) o.res?.once('close', release);
  const busy = () => UrchainError.UNAVAILABLE(`the node holds ${budget!.used} bytes of other requests' bodies (limit ${budget!.limit}); retry later`);
  // With a declared length the whole body is reserved at once and read into one buffer.
  let buf: Buffer | undefined;
  if (declared !== undefined) {
    if (budget && !budget.take(declared)) return fail(busy());
    held = declared;
    buf = Buffer.allocUnsafe(declared);
  }
  let chunks: Buffer[] = [];
  let n = 0;
  let failed = false;
  const refuse = (e: UrchainError) => {
    failed = true;
    chunks = [];
    buf = undefined;
    release();
    fail(e);
  };
  req.on('data', (c: Buffer) => {
    if (failed) return; // being drained
    n += c.length;
    if (n > max) return refuse(UrchainError.TOO_LARGE(`body exceeds the limit of ${max} bytes`));
    if (buf) c.copy(buf, n - c.length);
    else {
      if (budget && !budget.take(c.length)) return refuse(busy());
      held += c.length;
      chunks.push(c);
    }
  });
  req.on('end', () => {
    if (failed) return;
    failed = true; // over: a later 'error' must not answer a second time
    const b = buf ? buf.subarray(0, n) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    chunks = [];
    done(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  });
  req.on('error', (e) => failed || refuse(UrchainError.UNAVAILABLE(`request body: ${e.message}`)));
  if (awaitingContinue.delete(req)) o.res?.writeContinue();
}
