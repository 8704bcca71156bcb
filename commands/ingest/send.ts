import { Option } from 'clipanion';
import { SinkCommand, parseMeta } from '../ingestOptions.js';
import { refuseEmpty } from '../../src/ingest/empty.js';

export class IngestSendCommand extends SinkCommand {
  static override paths = [['ingest', 'send']];
  static override usage = SinkCommand.Usage({
    description: 'Send one record to a node and print its receipt',
    details: `
      Reads the record from FILE, or from standard input when FILE is - or missing, and prints the receipt once the node has stored it durably. Connection failures are retried with back-off. Give --key to make a retry after a lost receipt safe: the node then answers with the first receipt instead of taking the record twice.

      When standard input is a terminal, a line on stderr says that the record is read from it (end it with Ctrl-D). An empty record (0 bytes, e.g. from a pipe whose producer failed) is refused with exit 2 and nothing is sent, unless --allow-empty is given.
    `,
    examples: [
      ['A quality report with its product code', '$0 ingest send report.pdf --node http://127.0.0.1:7400 --product SN-4711 --type application/pdf'],
      ['Sensor data from a pipe', "read_sensor | $0 ingest send - --node http://127.0.0.1:7400 --meta machine=press-7 --meta unit=bar"],
      ['A heartbeat: an empty record on purpose', "printf '' | $0 ingest send - --node http://127.0.0.1:7400 --kind heartbeat --allow-empty"],
    ],
  });
  file = Option.String({ required: false, name: 'FILE|-' });
  meta = Option.Array('--meta', { description: 'Metadata key=value, repeatable' });
  product = Option.String('--product', { description: 'Product code (indexed, for `urchain trace`)' });
  type = Option.String('--type', { description: 'Content type of the payload' });
  kind = Option.String('--kind', { description: 'Record kind (default record)' });
  key = Option.String('--key', { description: 'Idempotency key: a retry with the same key gets the first receipt' });
  allowEmpty = Option.Boolean('--allow-empty', false, { description: 'Send an empty record (0 bytes) instead of refusing it' });

  async run() {
    const meta = parseMeta(this.meta);
    if (this.product) meta.product = this.product;
    if (this.type) meta.type = this.type;
    if (this.file && this.file !== '-') meta.filename ??= this.file.split('/').pop()!;
    const file = this.file ?? '-';
    // Without this line, `urchain ingest send` typed with no file just waits, and looks hung.
    if (file === '-' && (this.context.stdin as NodeJS.ReadStream).isTTY) this.context.stderr.write('urchain: reading the record from stdin (Ctrl-D to end)…\n');
    const payload = new Uint8Array(await this.readInput(file, 'record'));
    refuseEmpty(payload, file === '-' ? 'the record on stdin' : file, this.allowEmpty);
    const sink = this.openSink();
    try {
      this.out(await sink.submit({ payload, kind: this.kind, meta, idemKey: this.key }));
    } finally {
      await sink.close();
    }
  }
}
