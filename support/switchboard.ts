/**
 * A switchboard for network tests: every node advertises a TCP relay on 127.0.0.1 instead of its
 * own port, so every peer link passes through here. A dialing node names itself in the request
 * path (`?from=KEY`), so the relay knows both ends of each link and can cut links, partition the
 * network into groups and heal it, at the level of real sockets.
 */
import net from 'node:net';

interface Relay {
  name: string;
  server: net.Server;
  port: number;
  target?: number;
}

interface Conn {
  from?: string;
  to: string;
  sockets: net.Socket[];
}

export class Switchboard {
  private relays = new Map<string, Relay>();
  private names = new Map<string, string>(); // key hex -> node name
  private conns = new Set<Conn>();
  private groups?: Map<string, number>;
  /** Connections refused or cut, for assertions. */
  refused = 0;

  /** Opens a relay for `name` and returns the address the node should advertise. */
  async relay(name: string, keyHex: string): Promise<string> {
    this.names.set(keyHex, name);
    const known = this.relays.get(name);
    if (known) return `127.0.0.1:${known.port}`; // a restarted node keeps its address
    const server = net.createServer((s) => this.accept(name, s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    this.relays.set(name, { name, server, port });
    return `127.0.0.1:${port}`;
  }

  /** Points the relay of `name` at the node's real listen address once it runs. */
  target(name: string, listen: string): void {
    this.relays.get(name)!.target = Number(listen.split(':').pop());
  }

  private allowed(from: string | undefined, to: string): boolean {
    if (!this.groups || !from) return true;
    const a = this.groups.get(from);
    const b = this.groups.get(to);
    return a === undefined || b === undefined || a === b;
  }

  private accept(to: string, sock: net.Socket) {
    sock.on('error', () => undefined);
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const line = head.indexOf('\r\n');
      if (line < 0 && head.length < 4096) return;
      sock.off('data', onData);
      const m = /[?&]from=([0-9a-f]{64})/.exec(head.subarray(0, Math.max(line, 0)).toString('latin1'));
      const from = m ? this.names.get(m[1]) : undefined;
      const target = this.relays.get(to)?.target;
      if (!target || !this.allowed(from, to)) {
        this.refused++;
        sock.destroy();
        return;
      }
      const up = net.connect(target, '127.0.0.1');
      up.on('error', () => undefined);
      const c: Conn = { from, to, sockets: [sock, up] };
      this.conns.add(c);
      const drop = () => {
        this.conns.delete(c);
        sock.destroy();
        up.destroy();
      };
      sock.on('close', drop);
      up.on('close', drop);
      up.write(head);
      sock.pipe(up);
      up.pipe(sock);
    };
    sock.on('data', onData);
  }

  /** Cuts every link of `name` now (the nodes may link again at once). */
  cut(name: string): number {
    let n = 0;
    for (const c of [...this.conns])
      if (c.to === name || c.from === name) {
        n++;
        for (const s of c.sockets) s.destroy();
      }
    return n;
  }

  /** Splits the network: links between different groups are cut and refused until `heal`. */
  partition(...groups: string[][]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((n) => this.groups!.set(n, i)));
    for (const c of [...this.conns]) if (!this.allowed(c.from, c.to)) for (const s of c.sockets) s.destroy();
  }

  heal(): void {
    this.groups = undefined;
  }

  async close(): Promise<void> {
    for (const c of this.conns) for (const s of c.sockets) s.destroy();
    for (const r of this.relays.values()) await new Promise((res) => r.server.close(() => res(undefined)));
  }
}
