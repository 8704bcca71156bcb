import { Option } from 'clipanion';
import { parseDuration, parseCount, stopSignal, humanTime } from '../base.js';
import { SinkCommand, parseMeta } from '../ingestOptions.js';
import { OpcuaIngest } from '../../src/ingest/opcua.js';

export class IngestOpcuaCommand extends SinkCommand {
  static override paths = [['ingest', 'opcua']];
  static override streams = true;
  static override usage = SinkCommand.Usage({
    description: 'Take in OPC UA data changes as records',
    details: `
      Subscribes to one or more variables of an OPC UA server and takes in each data change as a record, or \`--batch N\` samples of one variable per record. The payload is JSON ({source, nodeId, samples: [{value, sourceTimestamp, serverTimestamp, status}]}); the metadata carries source (the endpoint), nodeId, sourceTimestamp (of the first sample), status and samples, plus --product and --meta.

      Records go to a node's HTTP API (--node) or its Profichain port (--profichain, optionally with --tier1 and --tier2-key). One line per record is printed once its receipt is durable (JSON when piped or with --json). A sample is kept until then: when the node is unreachable, records wait and are retried; when the OPC UA server restarts, the client reconnects and restores its subscription. On SIGINT or SIGTERM (or after --duration) partial batches are sent and every receipt awaited before it exits.
    `,
    examples: [
      ['Every change of two variables, one record each', "$0 ingest opcua --endpoint opc.tcp://plc-7:4840 --node-id 'ns=1;s=Temperature' --node-id 'ns=1;s=Pressure' --node http://127.0.0.1:7400"],
      ['100 samples per record over Profichain, encrypted session', "$0 ingest opcua --endpoint opc.tcp://plc-7:4840 --node-id 'ns=2;i=1001' --batch 100 --profichain 127.0.0.1:7600 --tier1"],
    ],
  });
  endpoint = Option.String('--endpoint', { required: true, description: 'OPC UA server, opc.tcp://HOST:PORT[/path]' });
  nodeIds = Option.Array('--node-id', { required: true, description: 'Variable to subscribe to, e.g. ns=1;s=Temperature (repeatable)' });
  batch = Option.String('--batch', '1', { description: 'Samples of one variable per record (default 1)' });
  maxWait = Option.String('--max-wait', '5s', { description: 'Send a partial batch once its oldest sample is this old (default 5s; 0 = full batches only)' });
  sampling = Option.String('--sampling-interval', '100ms', { description: 'OPC UA sampling interval (default 100ms)' });
  publishing = Option.String('--publishing-interval', '100ms', { description: 'OPC UA publishing interval (default 100ms)' });
  product = Option.String('--product', { description: 'Product code on every record' });
  meta = Option.Array('--meta', { description: 'Metadata key=value added to every record, repeatable' });
  kind = Option.String('--kind', { description: 'Record kind (default record)' });
  duration = Option.String('--duration', { description: 'Stop after this long (default: run until SIGINT/SIGTERM)' });
  securityMode = Option.String('--security-mode', { description: 'None (default), Sign or SignAndEncrypt' });
  securityPolicy = Option.String('--security-policy', { description: 'None (default), Basic256Sha256, Aes128_Sha256_RsaOaep, ...' });
  pki = Option.String('--pki', { description: "Folder for the OPC UA client's certificates (default: node-opcua's own)" });

  async run() {
    const batch = parseCount(this.batch, '--batch', 1);
    const maxWaitMs = parseDuration(this.maxWait, '--max-wait');
    const samplingInterval = parseDuration(this.sampling, '--sampling-interval');
    const publishingInterval = parseDuration(this.publishing, '--publishing-interval');
    const duration = this.duration === undefined ? undefined : parseDuration(this.duration, '--duration');
    const meta = parseMeta(this.meta);
    if (this.product) meta.product = this.product;
    const sink = this.openSink();
    const signal = stopSignal(); // before the first record line: a stop right after it is still clean
    let timer: NodeJS.Timeout | undefined;
    try {
      const ingest = await OpcuaIngest.start({
        endpoint: this.endpoint,
        nodeIds: this.nodeIds,
        submit: (r) => sink.submit(r),
        batch,
        maxWaitMs,
        samplingInterval,
        publishingInterval,
        kind: this.kind,
        meta,
        pki: this.pki,
        securityMode: this.securityMode,
        securityPolicy: this.securityPolicy,
        onRecord: (r) => this.emit({ nodeId: r.nodeId, samples: r.samples, sourceTimestamp: r.firstSourceTimestamp, ...r.receipt }, human),
        onState: (s, d) => this.log(`urchain: opcua ${s}${d ? ` ${d}` : ''}`),
        onError: (e) => this.log(`urchain: ${e.message}`),
      });
      await Promise.race([signal.stopped, ...(duration === undefined ? [] : [new Promise<void>((r) => (timer = setTimeout(r, duration)))])]);
      const { unsent } = await ingest.close();
      this.log(`urchain: opcua ${ingest.samplesIn} samples in, ${ingest.samplesOut} in ${ingest.recordsOut} durable records${ingest.failed ? `, ${ingest.failed} records refused` : ''}${unsent ? `, ${unsent} samples NOT sent` : ''}`);
      return unsent || ingest.failed ? 1 : 0;
    } finally {
      clearTimeout(timer);
      signal.off();
      await sink.close();
    }
  }
}

function human(r: { nodeId: string; samples: number; sourceTimestamp: string | null; txId: string }): string {
  return `${r.sourceTimestamp ? humanTime(r.sourceTimestamp) : '-'}  ${r.nodeId}  ${r.samples} sample(s)  ${r.txId}`;
}
