/**
 * @module ingest/opcua
 * OPC UA ingest: subscribes to variables of an OPC UA server (node-opcua client) and turns their
 * data changes into records — one sample per record, or `batch` samples of one variable per
 * record, as in the paper's 1/10/100/1000-sample runs. Each record's payload is JSON
 * ({source, nodeId, samples: [{value, sourceTimestamp, serverTimestamp, status}]}) and its
 * metadata names the source, node id, first source timestamp and status, so `urchain trace`
 * and proofs show where a value came from.
 *
 * Nothing received is dropped: a sample stays in memory until the record holding it has a
 * durable receipt. A record whose sink is unreachable is retried until it goes through (with a
 * per-record idempotency key, so a retry after a lost receipt is not taken in twice); when the
 * OPC UA server restarts, node-opcua reconnects and restores the session and subscription.
 * node-opcua is loaded only when this runs (it is large), with its log lines sent to stderr.
 */
import { createRequire } from 'node:module';
import { format } from 'node:util';
import type * as OpcUa from 'node-opcua';
import { sha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/seal.js';
import { concat, toHex, utf8 } from '../codec/bytes.js';
import { UrchainError, asUrchainError, badInput } from '../errors.js';
import type { RecordInput, Receipt } from '../contracts/records.js';

/** What OPC UA ingest keeps of a receipt (HTTP and Profichain receipts both have it). */
type SampleReceipt = Pick<Receipt, 'txId' | 'duplicate'>;

export interface Sample {
  value: unknown;
  sourceTimestamp: string | null;
  serverTimestamp: string | null;
  status: string;
}

export interface OpcuaRecord {
  nodeId: string;
  samples: number;
  firstSourceTimestamp: string | null;
  receipt: SampleReceipt;
}

export interface OpcuaIngestOptions {
  endpoint: string;
  nodeIds: string[];
  submit: (r: RecordInput) => Promise<SampleReceipt>;
  /** Samples of one variable per record (default 1). */
  batch?: number;
  /** A partial batch older than this goes out anyway (ms; default 5000, 0 = only full batches). */
  maxWaitMs?: number;
  samplingInterval?: number;
  publishingInterval?: number;
  kind?: string;
  meta?: Record<string, string>;
  /** Folder for node-opcua's certificate store (its default when absent). */
  pki?: string;
  securityMode?: string;
  securityPolicy?: string;
  onRecord?: (r: OpcuaRecord) => void;
  onState?: (state: 'connected' | 'connection-lost' | 'reconnected' | 'session-restored', detail?: string) => void;
  onError?: (e: Error) => void;
}

export const MAX_IN_FLIGHT = 256;
/** Read results that mean a node id can never give samples (a wrong id, not a passing state). */
const NOT_A_SOURCE = new Set(['BadNodeIdUnknown', 'BadNodeIdInvalid', 'BadAttributeIdInvalid', 'BadNotReadable', 'BadUserAccessDenied']);

let loaded: typeof OpcUa | undefined;
/** Loads node-opcua on first use, routing its logger to stderr (it writes to stdout otherwise). */
export function opcua(): typeof OpcUa {
  if (loaded) return loaded;
  const req = createRequire(import.meta.url);
  const dbg = req(req.resolve('node-opcua-debug', { paths: [req.resolve('node-opcua')] })) as {
    setWarningLogger(f: (ctx: unknown, ...a: unknown[]) => void): void;
    setErrorLogger(f: (ctx: unknown, ...a: unknown[]) => void): void;
  };
  const toStderr = (level: string) => (_ctx: unknown, ...a: unknown[]) => {
    const text = format(...a);
    if (/NODE-OPCUA-W27|security-revert=CVE-2023-46809/.test(text)) return; // RSA PKCS#1 v1.5 notice; we use no RSA padding
    if (process.env.URCHAIN_OPCUA_LOG || level === 'error') process.stderr.write(`opcua ${level}: ${text.split('\n')[0]}\n`);
  };
  dbg.setWarningLogger(toStderr('warning'));
  dbg.setErrorLogger(toStderr('error'));
  loaded = req('node-opcua') as typeof OpcUa;
  return loaded;
}

interface Pending {
  rec: RecordInput;
  nodeId: string;
  samples: number;
  first: string | null;
}

export class OpcuaIngest {
  private client?: OpcUa.OPCUAClient;
  private session?: OpcUa.ClientSession;
  private subscription?: OpcUa.ClientSubscription;
  private buffers = new Map<string, { samples: Sample[]; since: number }>();
  private queue: Pending[] = [];
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private drained: (() => void)[] = [];
  private readonly runId = randomBytes(16);
  private counter = 0;
  samplesIn = 0;
  recordsOut = 0;
  samplesOut = 0;
  failed = 0;

  private constructor(private readonly o: OpcuaIngestOptions) {}

  static async start(o: OpcuaIngestOptions): Promise<OpcuaIngest> {
    if (!/^opc\.tcp:\/\/[^/\s]+/.test(o.endpoint)) throw badInput(`--endpoint ${JSON.stringify(o.endpoint)}: expected opc.tcp://HOST:PORT[/path]`);
    if (o.nodeIds.length === 0) throw badInput('give at least one --node-id');
    if (o.batch !== undefined && (!Number.isInteger(o.batch) || o.batch < 1 || o.batch > 100_000)) throw badInput('--batch: expected 1 to 100000 samples');
    const ua = opcua();
    for (const id of o.nodeIds) {
      try {
        ua.resolveNodeId(id);
      } catch {
        throw badInput(`--node-id ${JSON.stringify(id)}: not an OPC UA node id (e.g. ns=1;s=Temperature or i=2258)`);
      }
    }
    const ing = new OpcuaIngest(o);
    await ing.connect(ua);
    return ing;
  }

  private async connect(ua: typeof OpcUa) {
    const o = this.o;
    const mode = o.securityMode ? (ua.MessageSecurityMode as unknown as Record<string, number>)[o.securityMode] : ua.MessageSecurityMode.None;
    if (mode === undefined) throw badInput(`--security-mode: expected None, Sign or SignAndEncrypt`);
    const policy = o.securityPolicy ? (ua.SecurityPolicy as unknown as Record<string, string>)[o.securityPolicy] : ua.SecurityPolicy.None;
    if (policy === undefined) throw badInput(`--security-policy: expected one of ${Object.keys(ua.SecurityPolicy).join(', ')}`);
    this.client = ua.OPCUAClient.create({
      applicationName: 'urchain ingest opcua',
      endpointMustExist: false,
      keepSessionAlive: true,
      securityMode: mode as OpcUa.MessageSecurityMode,
      securityPolicy: policy as OpcUa.SecurityPolicy,
      // Reconnect for ever: a machine's server restarting is routine, not a reason to stop.
      connectionStrategy: { maxRetry: -1, initialDelay: 250, maxDelay: 5000 },
      ...(o.pki ? { clientCertificateManager: new ua.OPCUACertificateManager({ rootFolder: o.pki, automaticallyAcceptUnknownCertificate: true }) } : {}),
    });
    this.client.on('connection_lost', () => o.onState?.('connection-lost'));
    this.client.on('connection_reestablished', () => o.onState?.('reconnected'));
    try {
      await withTimeout(this.client.connect(o.endpoint), 15_000, `no OPC UA server answers at ${o.endpoint}`);
      this.session = await this.client.createSession();
    } catch (e) {
      await this.client.disconnect().catch(() => undefined);
      throw e instanceof UrchainError ? e : UrchainError.UNAVAILABLE(`OPC UA ${o.endpoint}: ${(e as Error).message}`);
    }
    this.session.on('session_restored', () => o.onState?.('session-restored'));
    await this.checkNodes(ua);
    this.subscription = await this.session.createSubscription2({
      requestedPublishingInterval: o.publishingInterval ?? 100,
      requestedMaxKeepAliveCount: 10,
      requestedLifetimeCount: 600,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    for (const nodeId of o.nodeIds) {
      const item = await this.subscription.monitor(
        { nodeId, attributeId: ua.AttributeIds.Value },
        { samplingInterval: o.samplingInterval ?? 100, queueSize: 1000, discardOldest: false },
        ua.TimestampsToReturn.Both,
      );
      // The server may still refuse the item itself (the read above passed): that is as final.
      const sc = (item as unknown as { statusCode?: OpcUa.StatusCode }).statusCode;
      if (sc && sc.isNotGood()) await this.refuse(`--node-id ${JSON.stringify(nodeId)}: ${o.endpoint} refuses to monitor it (${sc.name})`);
      item.on('changed', (dv: OpcUa.DataValue) => this.onSample(nodeId, dv));
      item.on('err', (msg: string) => o.onError?.(UrchainError.UNAVAILABLE(`OPC UA ${nodeId}: ${msg}`)));
    }
    o.onState?.('connected', o.endpoint);
    const wait = o.maxWaitMs ?? 5000;
    if (wait > 0) this.timer = setInterval(() => this.flushOld(wait), Math.min(wait, 1000));
  }

  /**
   * Reads each variable once before subscribing: a node id the server does not know (or that
   * is not a readable variable) would otherwise be monitored in silence with 0 samples for ever.
   */
  private async checkNodes(ua: typeof OpcUa) {
    const values = await this.session!.read(this.o.nodeIds.map((nodeId) => ({ nodeId, attributeId: ua.AttributeIds.Value })));
    for (const [i, dv] of values.entries()) {
      const name = dv.statusCode?.name ?? 'Good';
      if (!NOT_A_SOURCE.has(name)) continue;
      const why = name === 'BadAttributeIdInvalid' ? 'is not a variable' : name === 'BadNodeIdUnknown' ? 'does not exist' : 'cannot be read';
      await this.refuse(`--node-id ${JSON.stringify(this.o.nodeIds[i])}: ${why} on ${this.o.endpoint} (${name})`);
    }
  }

  private async refuse(message: string): Promise<never> {
    await this.session?.close().catch(() => undefined);
    await this.client?.disconnect().catch(() => undefined);
    throw badInput(message);
  }

  private onSample(nodeId: string, dv: OpcUa.DataValue) {
    this.samplesIn++;
    const s: Sample = {
      value: dv.value?.value,
      sourceTimestamp: dv.sourceTimestamp ? dv.sourceTimestamp.toISOString() : null,
      serverTimestamp: dv.serverTimestamp ? dv.serverTimestamp.toISOString() : null,
      status: dv.statusCode?.name ?? 'Good',
    };
    const b = this.buffers.get(nodeId) ?? { samples: [], since: Date.now() };
    if (b.samples.length === 0) b.since = Date.now();
    b.samples.push(s);
    this.buffers.set(nodeId, b);
    if (b.samples.length >= (this.o.batch ?? 1)) this.cut(nodeId);
  }

  private flushOld(maxWaitMs: number) {
    const now = Date.now();
    for (const [nodeId, b] of this.buffers) if (b.samples.length && now - b.since >= maxWaitMs) this.cut(nodeId);
  }

  /** Turns a variable's buffered samples into a record and queues it. */
  private cut(nodeId: string) {
    const b = this.buffers.get(nodeId);
    if (!b || b.samples.length === 0) return;
    const samples = b.samples.splice(0);
    const payload = utf8(JSON.stringify({ source: this.o.endpoint, nodeId, samples }, jsonValue));
    const first = samples[0];
    const bad = samples.find((s) => s.status !== 'Good');
    const meta: Record<string, string> = {
      ...this.o.meta,
      source: this.o.endpoint,
      nodeId,
      status: bad ? bad.status : 'Good',
      samples: String(samples.length),
      type: 'application/json',
    };
    if (first.sourceTimestamp) meta.sourceTimestamp = first.sourceTimestamp;
    // Unique per record of this run; fixed across its retries, so a retry is never a second record.
    const idemKey = 'opcua:' + toHex(sha256(concat(this.runId, utf8(String(++this.counter)))).subarray(0, 20));
    this.queue.push({ rec: { payload, kind: this.o.kind, meta, idemKey }, nodeId, samples: samples.length, first: first.sourceTimestamp });
    this.pump();
  }

  private pump() {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length && !this.retryTimer) {
      const p = this.queue.shift()!;
      this.inFlight++;
      this.o.submit(p.rec).then(
        (receipt) => {
          this.inFlight--;
          this.recordsOut++;
          this.samplesOut += p.samples;
          this.o.onRecord?.({ nodeId: p.nodeId, samples: p.samples, firstSourceTimestamp: p.first, receipt });
          this.settle();
        },
        (x: unknown) => {
          this.inFlight--;
          const e = asUrchainError(x);
          if (e.spec.retry) {
            // The node is down, busy or could not store (the error table says a retry may work): keep the record and try again later.
            this.o.onError?.(new UrchainError(e.code, `${e.message}; keeping ${this.queue.length + 1} record(s) and retrying`));
            this.queue.unshift(p);
            this.retryTimer ??= setTimeout(() => {
              this.retryTimer = undefined;
              this.pump();
            }, 1000);
          } else {
            this.failed++;
            this.o.onError?.(new UrchainError(e.code, `record of ${p.samples} sample(s) of ${p.nodeId} refused: ${e.message}`));
          }
          this.settle();
        },
      );
    }
  }

  private settle() {
    this.pump();
    if (this.inFlight === 0 && this.queue.length === 0) for (const f of this.drained.splice(0)) f();
  }

  get pending(): number {
    return this.queue.length + this.inFlight + [...this.buffers.values()].reduce((n, b) => n + b.samples.length, 0);
  }

  /**
   * Stops the subscription, sends the partial batches, and waits until every record has its
   * receipt (or `timeoutMs` passes: then what is left is reported, not silently dropped).
   */
  async close(timeoutMs = 30_000): Promise<{ unsent: number }> {
    if (this.timer) clearInterval(this.timer);
    await this.subscription?.terminate().catch(() => undefined);
    for (const nodeId of this.buffers.keys()) this.cut(nodeId);
    if (this.inFlight || this.queue.length) {
      await Promise.race([new Promise<void>((r) => this.drained.push(r)), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.session?.close().catch(() => undefined);
    await this.client?.disconnect().catch(() => undefined);
    const unsent = this.queue.reduce((n, p) => n + p.samples, 0);
    return { unsent };
  }
}

/** JSON for OPC UA values: bytes as base64, 64-bit integers as decimal strings, dates as ISO. */
function jsonValue(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data))
    return Buffer.from((v as { data: number[] }).data).toString('base64');
  return v;
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(UrchainError.UNAVAILABLE(message)), ms)))]).finally(() => clearTimeout(t));
}
