/**
 * @module ingest/profichain/server
 * The node side of Profichain: a TCP server that takes records in through the node's intake and
 * answers each with a RECEIPT once it is durable. Many records may be in flight on one
 * connection; receipts come back as their commits finish, matched by id. Anything malformed — a
 * frame over the limit, an unknown type, bad CBOR, a wrong key, a replayed sealed frame — gets an
 * ERROR with id 0 and that connection is closed; the node and its other clients carry on.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { FrameReader, FrameType, frame, decodeBody, PROTOCOL_VERSION, type Frame } from './frames.js';
import { SealedChannel, nodeKeys } from './session.js';
import { x25519KeyPair } from '../../crypto/seal.js';
import { asArray, asUint, asBytes, asText, type CborValue } from '../../codec/cbor.js';
import { fromHex } from '../../codec/bytes.js';
import { UrchainError } from '../../errors.js';
import type { Intake } from '../../node/intake.js';
import type { KeyPair } from '../../crypto/ed25519.js';

export const HELLO_TIMEOUT_MS = 10_000;
export const MAX_IN_FLIGHT = 65_536;

export interface ProfichainServerOptions {
  listen: { host: string; port: number };
  intake: Intake;
  key: KeyPair;
  chainId: Uint8Array;
  maxPayload: number;
  onError?: (peer: string, e: Error) => void;
}

export class ProfichainServer {
  private server!: net.Server;
  private sockets = new Set<net.Socket>();
  address = '';
  connections = 0;
  private constructor(private readonly o: ProfichainServerOptions) {}

  static async start(o: ProfichainServerOptions): Promise<ProfichainServer> {
    const s = new ProfichainServer(o);
    s.server = net.createServer((sock) => s.accept(sock));
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new UrchainError('UNAVAILABLE', e.code === 'EADDRINUSE' ? `${o.listen.host}:${o.listen.port} is in use; pick another with --profichain` : e.message)),
      );
      s.server.listen(o.listen.port, o.listen.host, () => resolve());
    });
    const a = s.server.address() as AddressInfo;
    s.address = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    return s;
  }

  get maxFrame(): number {
    return this.o.maxPayload + 64 * 1024;
  }

  private accept(sock: net.Socket) {
    this.sockets.add(sock);
    this.connections++;
    sock.setNoDelay(true);
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    const reader = new FrameReader(256); // HELLO is small; the real limit applies after it
    let channel: SealedChannel | undefined;
    let open = false;
    let inFlight = 0;
    let closed = false;
    const helloTimer = setTimeout(() => fail(new UrchainError('BAD_INPUT', 'no HELLO within 10 s')), HELLO_TIMEOUT_MS);

    const send = (type: number, body: CborValue) => {
      if (closed) return;
      const inner = frame(type, body);
      sock.write(channel ? frame(FrameType.SEALED, channel.seal(type, inner.subarray(5)), true) : inner);
    };
    const fail = (e: Error) => {
      if (closed) return;
      const err = e instanceof UrchainError ? e : new UrchainError('BAD_INPUT', e.message);
      this.o.onError?.(peer, err);
      try {
        send(FrameType.ERROR, [0, err.code, err.message]);
      } catch {
        /* the socket may be gone */
      }
      closed = true;
      sock.end();
      setTimeout(() => sock.destroy(), 1000).unref();
    };

    const hello = (f: Frame) => {
      if (f.type !== FrameType.HELLO) throw new UrchainError('BAD_INPUT', 'expected HELLO first');
      const a = asArray(decodeBody(f), 4, 'HELLO');
      const versions = a[0];
      if (!Array.isArray(versions) || !versions.includes(PROTOCOL_VERSION))
        throw new UrchainError('BAD_INPUT', `no common protocol version (this node speaks ${PROTOCOL_VERSION})`);
      asText(a[1], 'clientName');
      const tier1 = asUint(a[2], 'tier1') === 1;
      let nodeEph: Uint8Array = new Uint8Array(0);
      if (tier1) {
        const clientEph = asBytes(a[3], 'clientEph', 32);
        const eph = x25519KeyPair();
        nodeEph = eph.public;
        send(FrameType.WELCOME, [PROTOCOL_VERSION, this.o.key.publicKey, this.o.chainId, this.maxFrame, 1, nodeEph]);
        channel = new SealedChannel(nodeKeys(this.o.key.secretKey, this.o.key.publicKey, eph.secret, eph.public, clientEph));
      } else send(FrameType.WELCOME, [PROTOCOL_VERSION, this.o.key.publicKey, this.o.chainId, this.maxFrame, 0, nodeEph]);
      reader.setMax(this.maxFrame);
      open = true;
      clearTimeout(helloTimer);
    };

    const submit = (body: CborValue) => {
      if (!Array.isArray(body) || body.length === 0) throw new UrchainError('BAD_INPUT', 'SUBMIT: expected a non-empty array of records');
      for (const r of body) {
        const x = asArray(r, 5, 'record');
        const id = asUint(x[0], 'id');
        if (id === 0) throw new UrchainError('BAD_INPUT', 'record id 0 is reserved for the connection');
        const metaRaw = x[2];
        if (!Array.isArray(metaRaw)) throw new UrchainError('BAD_INPUT', 'record meta: expected an array of [key, value]');
        const meta = metaRaw.map((p) => {
          const kv = asArray(p, 2, 'meta entry');
          return [asText(kv[0], 'meta key'), asText(kv[1], 'meta value')] as [string, string];
        });
        const key = asText(x[4], 'key');
        inFlight++;
        if (inFlight >= MAX_IN_FLIGHT) sock.pause();
        this.o.intake
          .submit({ payload: asBytes(x[3], 'payload'), kind: asText(x[1], 'kind'), meta, idemKey: key || undefined })
          .then(
            (rc) => send(FrameType.RECEIPT, [id, fromHex(rc.txId), fromHex(rc.batchRoot), rc.timestamp, rc.seq, rc.duplicate ? 1 : 0]),
            (e: UrchainError) => send(FrameType.ERROR, [id, e.code ?? 'STORE', e.message]),
          )
          .finally(() => {
            inFlight--;
            if (inFlight < MAX_IN_FLIGHT / 2 && sock.isPaused()) sock.resume();
          });
      }
    };

    sock.on('data', (chunk: Buffer) => {
      if (closed) return;
      try {
        for (const f of reader.push(chunk)) {
          if (!open) {
            hello(f);
            continue;
          }
          let inner: Frame = f;
          if (channel) {
            if (f.type !== FrameType.SEALED) throw new UrchainError('BAD_INPUT', 'this session is encrypted: only SEALED frames');
            inner = channel.open(f.body);
          }
          if (inner.type === FrameType.SUBMIT) submit(decodeBody(inner));
          else if (inner.type === FrameType.PING) send(FrameType.PONG, decodeBody(inner));
          else throw new UrchainError('BAD_INPUT', `unexpected frame type 0x${inner.type.toString(16)}`);
        }
      } catch (e) {
        fail(e as Error);
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      closed = true;
      clearTimeout(helloTimer);
      this.sockets.delete(sock);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(() => r(undefined)));
  }
}
