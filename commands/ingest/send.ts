import { Option } from 'clipanion';
import { SinkCommand, parseMeta } from '../ingestOptions.js';
import { refuseEmpty } from '../../src/ingest/empty.js';
import { parseBatchInput, withDefaults, sendInBatches, DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, type Outcome } from '../../src/ingest/batch.js';
import { badInput } from '../../src/errors.js';
import { parseCount } from '../base.js';

export class IngestSendCommand extends SinkCommand {
  static override paths = [['ingest', 'send']];
  static override usage = SinkCommand.Usage({
    description: 'Send one record (or, with --batch, many) to a node and print its receipt',
    details: `
      Reads the record from FILE, or from standard input when FILE is - or missing, and prints the receipt once the node has stored it durably. Connection failures are retried with back-off. Give --key to make a retry after a lost receipt safe: the node then answers with the first receipt instead of taking the record twice.

      When standard input is a terminal, a line on stderr says that the record is read from it (end it with Ctrl-D). An empty record (0 bytes, e.g. from a pipe whose producer failed) is refused with exit 2 and nothing is sent, unless --allow-empty is given.

      With --batch, FILE (or stdin) holds many records: JSON lines, one object per line, {"payload": BASE64 | "text": TEXT, "kind"?, "meta"?: {KEY: VALUE}, "key"?, "product"?}, or a CBOR array of {payload, kind?, meta?, key?} maps, the body of POST /v1/records/batch (urchain-api(7)). The whole input is checked first: a malformed line exits 2 and nothing is sent. The records go out in batches of --batch-size (default ${DEFAULT_BATCH_SIZE}, at most ${MAX_BATCH_SIZE}), over HTTP as batch requests, over Profichain as multi-record SUBMIT frames, and the output is one line per record, in input order: its receipt, or {"record": N, "error": {code, message}}. --kind, --meta, --product and --type apply to every record that does not set them itself; "key" is each record's idempotency key (--key is for one record). If any record failed, each failed one is named on stderr (record N, 1-based) and the exit is 1.
    `,
    examples: [
      ['A quality report with its product code', '$0 ingest send report.pdf --node http://127.0.0.1:7400 --product SN-4711 --type application/pdf'],
      ['Sensor data from a pipe', "read_sensor | $0 ingest send - --node http://127.0.0.1:7400 --meta machine=press-7 --meta unit=bar"],
      ['A heartbeat: an empty record on purpose', "printf '' | $0 ingest send - --node http://127.0.0.1:7400 --kind heartbeat --allow-empty"],
      ['A day of readings as JSON lines, in batches, each with its own key', `$0 ingest send --batch readings.jsonl --node http://127.0.0.1:7400 --meta machine=press-7`],
      ['Many records over Profichain from a pipe', `printf '{"text":"t=21.5","key":"press-7/1"}\\n{"text":"t=21.7","key":"press-7/2"}\\n' | $0 ingest send --batch - --profichain 127.0.0.1:7600`],
    ],
  });
  file = Option.String({ required: false, name: 'FILE|-' });
  meta = Option.Array('--meta', { description: 'Metadata key=value, repeatable' });
  product = Option.String('--product', { description: 'Product code (indexed, for `urchain trace`)' });
  type = Option.String('--type', { description: 'Content type of the payload' });
  kind = Option.String('--kind', { description: 'Record kind (default record)' });
  key = Option.String('--key', { description: 'Idempotency key: a retry with the same key gets the first receipt' });
  allowEmpty = Option.Boolean('--allow-empty', false, { description: 'Send an empty record (0 bytes) instead of refusing it' });
  batch = Option.Boolean('--batch', false, { description: 'FILE holds many records (JSON lines or a CBOR array): send them in batches, one receipt per line' });
  batchSize = Option.String('--batch-size', { description: `With --batch: records per batch (default ${DEFAULT_BATCH_SIZE})` });

  async run() {
    const meta = parseMeta(this.meta);
    if (this.product) meta.product = this.product;
    if (this.type) meta.type = this.type;
    if (this.batch) return this.sendBatch(meta);
    if (this.batchSize !== undefined) throw badInput('--batch-size goes with --batch');
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

  private async sendBatch(meta: Record<string, string>): Promise<number> {
    if (this.key !== undefined) throw badInput('--key names one record: with --batch, give each record its "key"');
    if (this.allowEmpty) throw badInput('--allow-empty is for one record: with --batch, an empty payload is sent as given');
    const size = parseCount(this.batchSize, '--batch-size', 1) ?? DEFAULT_BATCH_SIZE;
    if (size > MAX_BATCH_SIZE) throw badInput(`--batch-size: at most ${MAX_BATCH_SIZE} (what one batch request may hold), got ${size}`);
    const file = this.file ?? '-';
    if (file === '-' && (this.context.stdin as NodeJS.ReadStream).isTTY) this.context.stderr.write('urchain: reading records from stdin (Ctrl-D to end)…\n');
    const bytes = new Uint8Array(await this.readInput(file, 'records'));
    const { decodeBatch } = await import('../../src/node/api.js'); // the batch API's own decoder for a CBOR array
    const recs = withDefaults(parseBatchInput(bytes, decodeBatch), this.kind, meta);
    const sink = this.openSink();
    const failed: string[] = [];
    try {
      await sendInBatches(sink.submitBatch, recs, { size }, (first, outcomes: Outcome[]) =>
        outcomes.forEach((o, i) => {
          const n = first + i + 1;
          if (o.receipt) return this.emit(o.receipt, (r) => `${n}  ${r.txId}${r.duplicate ? ' (taken in before)' : ''}`);
          failed.push(`urchain: record ${n}: ${o.error.code}: ${o.error.message}`);
          this.emit({ record: n, error: { code: o.error.code, message: o.error.message } }, () => `${n}  error ${o.error.code}: ${o.error.message}`);
        }),
      );
    } finally {
      await sink.close();
    }
    for (const line of failed) this.log(line);
    if (failed.length) this.log(`urchain: ${failed.length} of ${recs.length} records failed`);
    return failed.length ? 1 : 0;
  }
}
