/**
 * @module ingest/profichain/client
 * The reference Profichain client (urchain-profichain(7)): connects, says HELLO (optionally with
 * tier-1 session encryption and a pinned node key), and submits records, many in flight at once;
 * each promise resolves with the node's durable receipt or rejects with the node's error.
 *
 * Under load the client sends many records per SUBMIT (the frame has always held a list): a
 * record submitted while none is in flight goes out at once, alone, so a lone record waits for
 * nothing; records submitted while others are in flight are gathered until the end of the
 * current event-loop turn and go out together, in frames of at most MAX_FRAME_RECORDS records
 * and MAX_GATHERED_BYTES (or the node's maxFrame) bytes. The node takes a SUBMIT's records into one group commit
 * (connection.ts), so one frame costs it one read, one decode and usually one batch signature.
 */
import net from 'node:net';
import { FrameReader, FrameType, frame, decodeBody, PROTOCOL_VERSION, type Frame } from './frames.js';
import { SealedChannel, clientKeys } from './session.js';
import { x25519KeyPair } from '../../crypto/seal.js';
import { asArray, asUint, asBytes, asText, type CborValue } from '../../codec/cbor.js';
import { toHex, equal } from '../../codec/bytes.js';
import { normalizeMeta, type Meta } from '../../chain/transaction.js';
import { UrchainError, ERRORS, type ErrorCode } from '../../errors.js';
import { parseHostPort, type HostPort } from '../../io/hostPort.js';
import type { RecordInput, Receipt } from '../../contracts/records.js';
import { chunk } from '../batch.js';

/**
 * The receipt a RECEIPT frame carries (with the chain and node key of the WELCOME): the fields
 * of a node's receipt the frame holds, and how it came.
 */
export type ProfichainReceipt = Pick<Receipt, 'txId' | 'chainId' | 'origin' | 'batchRoot' | 'timestamp' | 'seq' | 'durable' | 'duplicate'> & {
  via: 'profichain';
  tier1: boolean;
};

export interface ConnectOptions {
  host: string;
  port: number;
  tier1?: boolean;
  /** Pin the node's ed25519 key: the session fails unless the node proves it holds it. */
  nodeKey?: Uint8Array;
  name?: string;
  timeoutMs?: number;
  /** Gather records submitted while others are in flight into shared SUBMIT frames (default true; false: one frame per record, as before). */
  gather?: boolean;
}

/** HOST:PORT of a Profichain server (io/hostPort, named --profichain in errors). */
export const parseAddress = (s: string): HostPort => parseHostPort(s, '--profichain');

/** Records per coalesced SUBMIT frame, at most (the node takes up to 65536; see urchain-profichain(7)). */
export const MAX_FRAME_RECORDS = 1024;
/**
 * Bytes of a coalesced SUBMIT frame, at most (or the node's maxFrame, when smaller). The node
 * reads a frame whole before its first record goes on, so large frames of large records only
 * add latency: records of 1 KiB still go some 230 to a frame, records of 100 KiB two.
 */
export const MAX_GATHERED_BYTES = 256 * 1024;
/** CBOR around one record in a SUBMIT besides its payload, kind, meta and key: id, array heads, lengths. */
const RECORD_FRAMING = 32;

type Queued = { body: CborValue; bytes: number };

export class ProfichainClient {
  private reader = new FrameReader(64 * 1024 * 1024);
  private channel?: SealedChannel;
  private nextId = 1;
  private waiting = new Map<number, { resolve: (r: ProfichainReceipt) => void; reject: (e: Error) => void }>();
  private fatal?: Error;
  /** Records submitted while others were in flight, sent together at the end of this turn. */
  private queued: Queued[] = [];
  private flushing = false;
  /** SUBMIT frames written (how well records were coalesced, for tests and the bench). */
  framesSent = 0;
  chainId: Uint8Array = new Uint8Array(0);
  nodeKey: Uint8Array = new Uint8Array(0);
  /** The chain id and node key as every receipt gives them, made once. */
  private chainIdHex = '';
  private nodeKeyHex = '';
  maxFrame = 0;
  private constructor(
    private readonly sock: net.Socket,
    readonly tier1: boolean,
    private readonly gather: boolean,
  ) {}

  static connect(o: ConnectOptions): Promise<ProfichainClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: o.host, port: o.port });
      const c = new ProfichainClient(sock, !!o.tier1, o.gather ?? true);
      const eph = o.tier1 ? x25519KeyPair() : undefined;
      const timer = setTimeout(() => {
        sock.destroy();
        reject(UrchainError.UNAVAILABLE(`no WELCOME from ${o.host}:${o.port}`));
      }, o.timeoutMs ?? 10_000);
      let welcomed = false;
      sock.setNoDelay(true);
      sock.on('connect', () => sock.write(frame(FrameType.HELLO, [[PROTOCOL_VERSION], o.name ?? 'urchain', o.tier1 ? 1 : 0, eph ? eph.public : new Uint8Array(0)])));
      sock.on('error', (e: NodeJS.ErrnoException) => {
        const err = UrchainError.UNAVAILABLE(`profichain ${o.host}:${o.port}: ${e.code ?? e.message}`);
        if (!welcomed) {
          clearTimeout(timer);
          reject(err);
        }
        c.failAll(err);
      });
      sock.on('close', () => {
        c.fatal ??= UrchainError.UNAVAILABLE('connection closed by the node');
        c.failAll(c.fatal);
      });
      sock.on('data', (chunk: Buffer) => {
        try {
          for (const f of c.reader.push(chunk)) {
            if (!welcomed) {
              if (f.type === FrameType.ERROR) throw c.errorFrom(f);
              if (f.type !== FrameType.WELCOME) throw UrchainError.BAD_REPLY('expected WELCOME');
              const a = asArray(decodeBody(f), 6, 'WELCOME');
              asUint(a[0], 'version');
              c.nodeKey = asBytes(a[1], 'nodeKey', 32);
              c.chainId = asBytes(a[2], 'chainId', 32);
              c.maxFrame = asUint(a[3], 'maxFrame');
              [c.chainIdHex, c.nodeKeyHex] = [toHex(c.chainId), toHex(c.nodeKey)];
              if (o.nodeKey && !equal(o.nodeKey, c.nodeKey)) throw UrchainError.BAD_SIGNATURE(`node key ${toHex(c.nodeKey).slice(0, 16)}… is not the pinned one`);
              if (eph) {
                if (asUint(a[4], 'tier1') !== 1) throw UrchainError.BAD_REPLY('node refused session encryption');
                // With a pinned key the derivation uses the pinned key: only its holder can follow.
                c.channel = new SealedChannel(clientKeys(eph.secret, eph.public, asBytes(a[5], 'nodeEph', 32), o.nodeKey ?? c.nodeKey));
              }
              welcomed = true;
              clearTimeout(timer);
              resolve(c);
              continue;
            }
            c.onFrame(f);
          }
        } catch (e) {
          clearTimeout(timer);
          if (!welcomed) reject(e);
          c.fatal = e as Error;
          sock.destroy();
        }
      });
    });
  }

  private errorFrom(f: Frame): UrchainError {
    const a = asArray(decodeBody(f), 3, 'ERROR');
    const code = asText(a[1], 'code');
    // A code this version does not know has no row in the error table: not a reply it can read.
    return new UrchainError(Object.hasOwn(ERRORS, code) ? (code as ErrorCode) : 'BAD_REPLY', `node: ${asText(a[2], 'message')}`);
  }

  private onFrame(f: Frame) {
    let inner = f;
    if (this.channel) {
      if (f.type !== FrameType.SEALED) throw UrchainError.BAD_REPLY('expected SEALED frames');
      inner = this.channel.open(f.body);
    }
    if (inner.type === FrameType.RECEIPT) {
      const a = asArray(decodeBody(inner), 6, 'RECEIPT');
      const id = asUint(a[0], 'id');
      const w = this.waiting.get(id);
      if (!w) return;
      this.waiting.delete(id);
      w.resolve({
        txId: toHex(asBytes(a[1], 'txId', 32)),
        chainId: this.chainIdHex,
        origin: this.nodeKeyHex,
        batchRoot: toHex(asBytes(a[2], 'batchRoot', 32)),
        timestamp: asUint(a[3], 'timestamp'),
        seq: asUint(a[4], 'seq'),
        durable: true,
        ...(asUint(a[5], 'duplicate') === 1 ? { duplicate: true as const } : {}),
        via: 'profichain',
        tier1: this.tier1,
      });
    } else if (inner.type === FrameType.ERROR) {
      const a = asArray(decodeBody(inner), 3, 'ERROR');
      const id = asUint(a[0], 'id');
      const err = this.errorFrom(inner);
      if (id === 0) {
        // The node closed an idle or stalled connection: like a dropped one, a new connection
        // carries on (callers retry UNAVAILABLE).
        this.fatal = err.code === 'TIMEOUT' ? UrchainError.UNAVAILABLE(err.message) : err;
        this.failAll(this.fatal);
      } else {
        this.waiting.get(id)?.reject(err);
        this.waiting.delete(id);
      }
    }
  }

  private failAll(e: Error) {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private sendInner(type: number, body: CborValue) {
    const inner = frame(type, body);
    this.sock.write(this.channel ? frame(FrameType.SEALED, this.channel.seal(type, inner.subarray(5)), true) : inner);
  }

  /** One record's SUBMIT entry and a promise for its receipt (registered under a new id). */
  private entry(r: RecordInput): { q: Queued; p: Promise<ProfichainReceipt> } {
    const id = this.nextId++;
    const meta: Meta = normalizeMeta(r.meta ?? []);
    const kind = r.kind ?? 'record';
    const key = r.idemKey ?? '';
    let bytes = RECORD_FRAMING + r.payload.length + kind.length + 3 * key.length;
    for (const [k, v] of meta) bytes += 3 * (k.length + v.length) + 4; // UTF-8: at most 3 bytes per UTF-16 unit
    const p = new Promise<ProfichainReceipt>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    return { q: { body: [id, kind, meta, r.payload, key], bytes }, p };
  }

  /** Submits records in one SUBMIT frame, as given; one promise per record. */
  submitMany(recs: RecordInput[]): Promise<ProfichainReceipt>[] {
    if (this.fatal) return recs.map(() => Promise.reject(this.fatal));
    const es = recs.map((r) => this.entry(r));
    this.sendSubmit(es.map((e) => e.q.body));
    return es.map((e) => e.p);
  }

  /**
   * Submits one record: at once when nothing is in flight, else with the other records of this
   * event-loop turn in one SUBMIT (see the module comment).
   */
  submit(r: RecordInput): Promise<ProfichainReceipt> {
    if (this.fatal) return Promise.reject(this.fatal);
    const idle = this.waiting.size === 0 || !this.gather;
    const { q, p } = this.entry(r);
    if (idle) this.sendSubmit([q.body]);
    else this.enqueue(q);
    return p;
  }

  /**
   * Submits records to go out together at the end of this turn, in as few SUBMIT frames as the
   * limits allow (whether or not others are in flight); one promise per record.
   */
  submitAll(recs: RecordInput[]): Promise<ProfichainReceipt>[] {
    if (this.fatal) return recs.map(() => Promise.reject(this.fatal));
    return recs.map((r) => {
      const { q, p } = this.entry(r);
      this.enqueue(q);
      return p;
    });
  }

  private enqueue(q: Queued) {
    this.queued.push(q);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  /** Sends what was queued this turn, in frames within MAX_FRAME_RECORDS and MAX_GATHERED_BYTES (a larger record alone). */
  private flush() {
    this.flushing = false;
    const q = this.queued;
    this.queued = [];
    if (this.fatal || !q.length) return; // the records were rejected with it (failAll)
    const maxBytes = Math.min(MAX_GATHERED_BYTES, (this.maxFrame || Infinity) - 64);
    for (const run of chunk(q, MAX_FRAME_RECORDS, maxBytes, (x) => x.bytes)) this.sendSubmit(run.map((x) => x.body));
  }

  private sendSubmit(body: CborValue[]) {
    this.framesSent++;
    this.sendInner(FrameType.SUBMIT, body);
  }

  /** Raw access for tests and tools: writes bytes as they are. */
  writeRaw(b: Uint8Array): void {
    this.sock.write(b);
  }

  get inFlight(): number {
    return this.waiting.size;
  }

  close(): Promise<void> {
    return new Promise((r) => {
      if (this.sock.destroyed) return r();
      this.sock.once('close', () => r());
      this.sock.end();
      setTimeout(() => this.sock.destroy(), 2000).unref();
    });
  }
}
