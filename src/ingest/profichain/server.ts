/**
 * @module ingest/profichain/server
 * The node side of Profichain: a TCP server that takes records in through the node's intake and
 * answers each with a RECEIPT once it is durable (the protocol per connection is in
 * connection.ts). Many records may be in flight on one connection; receipts come back as their
 * commits finish, matched by id. Anything malformed closes only that connection; the node and its
 * other clients carry on. The server holds the limits every connection shares: the connection
 * cap and the byte budget (limits.ts).
 */
import net from 'node:net';
import { frame, FrameType } from './frames.js';
import { Connection, type RecordIntake } from './connection.js';
import { ByteBudget, DEFAULT_LIMITS, type ProfichainLimits } from './limits.js';
import { listen, closeServer } from '../../io/listen.js';
import { parseHostPort, isLoopback, type HostPort } from '../../io/hostPort.js';
import type { KeyPair } from '../../crypto/ed25519.js';


export interface ProfichainServerOptions {
  listen: HostPort;
  intake: RecordIntake;
  key: KeyPair;
  chainId: Uint8Array;
  maxPayload: number;
  limits?: Partial<ProfichainLimits>;
  onError?: (peer: string, e: Error) => void;
  /** Where the off-loopback warning goes (default: stderr, whatever the output mode). */
  onWarning?: (message: string) => void;
}

export interface ProfichainStats {
  connections: number;
  paused: number;
  /** What the budget counts: frames reserved, payloads in flight, output not yet written out. */
  bufferedBytes: number;
  /** Measured: bytes of partly read frames and unsent output across connections. */
  heldBytes: number;
  bufferLimit: number;
}

export class ProfichainServer {
  private server!: net.Server;
  private live = new Map<net.Socket, Connection>();
  private readonly limits: ProfichainLimits;
  private readonly budget: ByteBudget;
  address = '';
  /** Connections accepted since start (refused ones not counted). */
  connections = 0;
  private constructor(private readonly o: ProfichainServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    // The budget always admits one frame of the largest size, or a maximal frame would wait forever.
    this.budget = new ByteBudget(Math.max(this.limits.bufferBytes, this.maxFrame + 4));
  }

  static async start(o: ProfichainServerOptions): Promise<ProfichainServer> {
    const s = new ProfichainServer(o);
    s.server = net.createServer((sock) => s.accept(sock));
    s.address = await listen(s.server, o.listen, '--profichain');
    if (!isLoopback(parseHostPort(s.address).host)) {
      const warn = o.onWarning ?? ((m: string) => process.stderr.write(`urchain: WARNING: ${m}\n`));
      warn(
        `Profichain listens on ${s.address}, off loopback, without client authentication: anyone who can reach this port can write records ` +
          `that this node signs as its own. Allow only your machines' addresses to it (firewall, VLAN), or listen on 127.0.0.1 (see urchain-profichain(7), SECURITY).`,
      );
    }
    return s;
  }

  get maxFrame(): number {
    return this.o.maxPayload + 64 * 1024;
  }

  stats(): ProfichainStats {
    let paused = 0;
    let held = 0;
    for (const c of this.live.values()) {
      if (c.isPaused) paused++;
      held += c.held;
    }
    return { connections: this.live.size, paused, bufferedBytes: this.budget.used, heldBytes: held, bufferLimit: this.budget.limit };
  }

  private accept(sock: net.Socket) {
    sock.on('error', () => undefined);
    if (this.live.size >= this.limits.maxConnections) {
      // A plain ERROR (no session yet) so the client learns why, then the connection goes.
      sock.end(frame(FrameType.ERROR, [0, 'UNAVAILABLE', `too many Profichain connections (limit ${this.limits.maxConnections}); try again later`]));
      setTimeout(() => sock.destroy(), 1000).unref();
      return;
    }
    this.connections++;
    sock.setNoDelay(true);
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    const conn = new Connection(sock, {
      intake: this.o.intake,
      key: this.o.key,
      chainId: this.o.chainId,
      maxFrame: this.maxFrame,
      limits: this.limits,
      budget: this.budget,
      onError: (e) => this.o.onError?.(peer, e),
    });
    this.live.set(sock, conn);
    sock.on('close', () => this.live.delete(sock));
  }

  async close(): Promise<void> {
    for (const s of this.live.keys()) s.destroy();
    await closeServer(this.server);
  }
}
