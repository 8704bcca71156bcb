import ora from 'ora';
import { Option } from 'clipanion';
import { SinkCommand } from '../ingestOptions.js';
import { NodeClient } from '../../src/io/nodeClient.js';
import { asUrchainError } from '../../src/errors.js';
import { sendEpcis, type EventOutcome, type SendSummary, type SubmitChunk } from '../../src/epcis/send.js';

export class IngestEpcisCommand extends SinkCommand {
  static override paths = [['ingest', 'epcis']];
  static override streams = true;
  static override usage = SinkCommand.Usage({
    description: 'Take in GS1 EPCIS 2.0 events, one record per event',
    details: `
      Reads EPCIS 2.0 JSON or JSON-LD from FILE, or from standard input when FILE is - or missing: an EPCISDocument (events in epcisBody.eventList), an EPCISQueryDocument (events in epcisBody.queryResults.resultsBody.eventList) or a single event. Every event type (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent) and its fields are accepted.

      Each event becomes one record of kind \`epcis\` whose payload is the event's bytes exactly as they stand in the input (from its \`{\` to its \`}\`). Its metadata holds the event's CBV 2.0 event hash id (epcis.hash, \`ni:///sha-256;…?ver=CBV2.0\`), epcis.type, epcis.time (eventTime in UTC), epcis.bizStep, epcis.disposition and every identifier the event names (EPCs, classes, parent, children, inputs, outputs, readPoint, bizLocation, sources, destinations) as keys id.0000, id.0001, … in one form: the canonical GS1 Digital Link URI (https://id.gs1.org/…) for EPC URNs and Digital Link URIs alike, anything else as written. \`urchain trace\` then finds the record under each of them, in either form. Layout: urchain-formats(5), EPCIS RECORDS.

      An event that is not valid EPCIS 2.0 is refused with the JSON path of its first problem; the other events still go in. An event whose hash id the chain already holds is reported as a duplicate and not stored again. One line per event (JSON with --json or when piped: index, path, status stored|duplicate|refused|failed, eventType, hashId, txId, identifiers, error), then a summary line {"events","stored","duplicates","refused","failed"}. On a terminal a spinner on stderr counts the events. Nothing is fetched: the EPCIS 2.0 JSON-LD context ships with urchain, namespaces the document declares in its @context are used, and a warning on stderr names any other @context URL (its terms are not expanded).

      Exit status: 0 when every event is stored or a duplicate; 1 when some were refused or failed (the others are in: fix those and send the input again, the stored ones come back as duplicates); 2 when the input is no EPCIS document at all.
    `,
    examples: [
      ['A document from an EPCIS repository export', '$0 ingest epcis shipment.jsonld --node http://127.0.0.1:7400'],
      ['Events from a pipe, over Profichain', 'cat events.json | $0 ingest epcis - --profichain 127.0.0.1:7401 --json'],
      ['Which events were refused, and why', "$0 ingest epcis export.json --node http://127.0.0.1:7400 --json | jq -c 'select(.status == \"refused\")'"],
    ],
  });
  file = Option.String({ required: false, name: 'FILE|-' });

  async run() {
    const file = this.file ?? '-';
    if (file === '-' && (this.context.stdin as NodeJS.ReadStream).isTTY) this.context.stderr.write('urchain: reading EPCIS JSON from stdin (Ctrl-D to end)…\n');
    const input = await this.readInput(file, 'EPCIS document');
    const { submit, close } = this.submitter();
    const tty = (this.context.stderr as NodeJS.WriteStream).isTTY;
    const spinner = tty ? ora({ text: 'taking in EPCIS events', stream: this.context.stderr as NodeJS.WriteStream, discardStdin: false }).start() : undefined;
    let done = 0;
    let sum: SendSummary;
    try {
      sum = await sendEpcis(new Uint8Array(input), {
        submit,
        onWarning: (w) => this.context.stderr.write(`urchain: ingest epcis: ${w}\n`),
        onOutcome: (o) => {
          if (spinner) spinner.text = `${++done} events`;
          spinner?.clear();
          this.emit(o, human);
        },
      });
    } finally {
      spinner?.stop();
      await close();
    }
    this.emit(sum, (s: SendSummary) => `${s.events} events: ${s.stored} stored, ${s.duplicates} duplicates, ${s.refused} refused, ${s.failed} failed`);
    const bad = sum.refused + sum.failed;
    if (bad) this.log(`urchain: ingest epcis: ${bad} of ${sum.events} events not taken in (${sum.refused} refused, ${sum.failed} failed)`);
    return bad ? 1 : 0;
  }

  /** A node's batch endpoint (one request per chunk), or the sink one record at a time. */
  private submitter(): { submit: SubmitChunk; close: () => Promise<void> } {
    if (this.node && !this.profichain && !this.tier2Key && !this.tier1 && !this.nodeKey) {
      const c = new NodeClient(this.node);
      return { submit: async (recs) => (await c.submitBatch(recs)).receipts, close: () => c.close() };
    }
    const sink = this.openSink();
    const one = (r: Parameters<SubmitChunk>[0][number]) =>
      sink.submit(r).catch((e) => {
        const err = asUrchainError(e);
        return { error: { code: err.code, message: err.message, txId: err.meta.txId as string | undefined } };
      });
    return { submit: (recs) => Promise.all(recs.map(one)), close: () => sink.close() };
  }
}

function human(o: EventOutcome): string {
  if (o.status === 'refused') return `refused   ${o.error!.path}: ${o.error!.message}`;
  if (o.status === 'failed') return `failed    ${o.path}: ${o.error!.message}`;
  return `${o.status.padEnd(9)} ${o.path}  ${o.eventType}  ${o.hashId}${o.txId ? `  tx ${o.txId}` : ''}`;
}
