/**
 * @module demo/station
 * One production station of the demo as a real OPC UA server (node-opcua, 127.0.0.1, a free
 * port, no security: loopback only): a few String variables under `ns=1;s=<station>.<name>` that
 * the demo sets per product, as a PLC would. The station's records then come in through the same
 * OPC UA intake as `urchain ingest opcua` (src/ingest/opcua.ts); nothing here writes to a chain.
 */
import fs from 'node:fs';
import path from 'node:path';
import { opcua } from '../ingest/opcua.js';

export interface Station {
  readonly name: string;
  readonly endpoint: string;
  /** The node id of each variable, by its short name. */
  readonly nodeIds: Record<string, string>;
  set(variable: string, value: string): void;
  stop(): Promise<void>;
}

/**
 * Starts a station server with one String variable per name in `variables` (each starting as '').
 * `dir` holds the certificate stores; stations given the same `dir` share one server certificate
 * (made by the first, an RSA key generation that takes seconds on a busy machine), so start the
 * first alone and the others after it.
 */
export async function startStation(dir: string, name: string, variables: readonly string[]): Promise<Station> {
  const ua = opcua();
  fs.mkdirSync(dir, { recursive: true });
  // Port 0 is not something node-opcua takes: ask the kernel for a free port the moment before.
  const port = await freePort();
  const resourcePath = `/UA/urchain-demo/${name}`;
  const server = new ua.OPCUAServer({
    port,
    hostname: '127.0.0.1',
    resourcePath,
    serverCertificateManager: new ua.OPCUACertificateManager({ rootFolder: path.join(dir, 'pki'), automaticallyAcceptUnknownCertificate: true }),
    userCertificateManager: new ua.OPCUACertificateManager({ rootFolder: path.join(dir, 'upki'), automaticallyAcceptUnknownCertificate: true }),
    securityModes: [ua.MessageSecurityMode.None],
    securityPolicies: [ua.SecurityPolicy.None],
    allowAnonymous: true,
  });
  let started = false;
  try {
    await server.initialize();
    const space = server.engine.addressSpace!;
    const ns = space.getOwnNamespace();
    const folder = ns.addFolder(space.rootFolder.objects, { browseName: name });
    const vars = new Map<string, ReturnType<typeof ns.addVariable>>();
    const nodeIds: Record<string, string> = {};
    for (const v of variables) {
      const id = `s=${name}.${v}`;
      vars.set(v, ns.addVariable({ organizedBy: folder, browseName: v, nodeId: id, dataType: 'String', minimumSamplingInterval: 0, value: { dataType: ua.DataType.String, value: '' } }));
      nodeIds[v] = `ns=1;${id}`;
    }
    await server.start();
    started = true;
    return {
      name,
      endpoint: `opc.tcp://127.0.0.1:${port}${resourcePath}`,
      nodeIds,
      set(variable, value) {
        const n = vars.get(variable);
        if (!n) throw new Error(`station ${name} has no variable ${variable}`); // a bug in the demo, not user input
        n.setValueFromSource({ dataType: ua.DataType.String, value });
      },
      stop: () => server.shutdown(0),
    };
  } catch (e) {
    if (started) await server.shutdown(0).catch(() => {});
    throw e;
  }
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise<void>((r, j) => s.once('error', j).listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as import('node:net').AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
