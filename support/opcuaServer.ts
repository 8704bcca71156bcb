/**
 * A real node-opcua server for tests and the benchmark: variables that change on a timer
 * (a counter and a temperature), on 127.0.0.1, with its certificate store in a temp folder.
 * `restart()` stops it and starts it again on the same port, with the counter going on.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { opcua } from '../src/ingest/opcua.js';

export interface TestOpcuaServer {
  endpoint: string;
  /** Values the counter has taken, in order. */
  counter(): number;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** `blobs` String variables s=Blob0.. of `payloadBytes` each change with the counter (benchmarks). */
export async function startOpcuaServer(dir: string, opts: { intervalMs?: number; payloadBytes?: number; blobs?: number } = {}): Promise<TestOpcuaServer> {
  const ua = opcua();
  const port = await freePort();
  let count = 0;
  let server: InstanceType<typeof ua.OPCUAServer> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const up = async () => {
    const s = new ua.OPCUAServer({
      port,
      hostname: '127.0.0.1',
      resourcePath: '/UA/urchain-test',
      serverCertificateManager: new ua.OPCUACertificateManager({ rootFolder: path.join(dir, 'pki'), automaticallyAcceptUnknownCertificate: true }),
      userCertificateManager: new ua.OPCUACertificateManager({ rootFolder: path.join(dir, 'upki'), automaticallyAcceptUnknownCertificate: true }),
      securityModes: [ua.MessageSecurityMode.None],
      securityPolicies: [ua.SecurityPolicy.None],
      allowAnonymous: true,
    });
    await s.initialize();
    const space = s.engine.addressSpace!;
    const ns = space.getOwnNamespace();
    const objects = space.rootFolder.objects;
    const counter = ns.addVariable({ organizedBy: objects, browseName: 'Counter', nodeId: 's=Counter', dataType: 'UInt32', minimumSamplingInterval: 0, value: { dataType: ua.DataType.UInt32, value: count } });
    const temp = ns.addVariable({ organizedBy: objects, browseName: 'Temperature', nodeId: 's=Temperature', dataType: 'Double', minimumSamplingInterval: 0, value: { dataType: ua.DataType.Double, value: 20 } });
    const blobs = Array.from({ length: opts.blobs ?? 0 }, (_, i) =>
      ns.addVariable({ organizedBy: objects, browseName: `Blob${i}`, nodeId: `s=Blob${i}`, dataType: 'String', minimumSamplingInterval: 0, value: { dataType: ua.DataType.String, value: '' } }),
    );
    const pad = 'x'.repeat(opts.payloadBytes ?? 100);
    timer = setInterval(() => {
      count++;
      counter.setValueFromSource({ dataType: ua.DataType.UInt32, value: count });
      temp.setValueFromSource({ dataType: ua.DataType.Double, value: 20 + Math.sin(count / 10) });
      for (const b of blobs) b.setValueFromSource({ dataType: ua.DataType.String, value: `${count}:${pad}`.slice(0, pad.length) });
    }, opts.intervalMs ?? 50);
    await s.start();
    server = s;
  };
  const down = async () => {
    if (timer) clearInterval(timer);
    await server?.shutdown(0);
    server = undefined;
  };
  await up();
  return {
    endpoint: `opc.tcp://127.0.0.1:${port}/UA/urchain-test`,
    counter: () => count,
    restart: async (downMs = 500) => {
      await down();
      await new Promise((r) => setTimeout(r, downMs)); // the outage itself, not a wait for something
      await up();
    },
    stop: async () => {
      await down();
      fs.rmSync(path.join(dir, 'pki'), { recursive: true, force: true });
    },
  };
}
