import { Option } from 'clipanion';
import { UrchainCommand, dataOption, nodeOption, humanTime } from './base.js';
import { openSource } from '../src/node/source.js';
import { storeOption } from './storeOption.js';

export class TraceCommand extends UrchainCommand {
  static override paths = [['trace']];
  static override usage = UrchainCommand.Usage({
    description: 'List every record carrying a product code or identifier, in chain order',
    details: `
      CODE is a product code as given to \`ingest send --product\`, or an identifier an EPCIS event names (see \`urchain ingest epcis\`). A GS1 identifier is found in any of its forms: an EPC URN (urn:epc:id:sgtin:…, sscc, sgln, grai, urn:epc:class:lgtin:…, urn:epc:idpat:…) or a GS1 Digital Link URI on any host (https://id.gs1.org/01/…/21/…, short names such as /gtin/ too) name the same records, because both become one key (the canonical Digital Link URI; JSON field \`key\` when it differs from CODE). An EPCIS event's hash id (ni:///sha-256;…) finds that event.
    `,
    examples: [
      ['The history of one serial number', '$0 trace SN-4711 --node http://127.0.0.1:7400'],
      ['One item by its EPC URN', '$0 trace urn:epc:id:sgtin:4012345.011111.987 --node http://127.0.0.1:7400'],
      ['The same item by its GS1 Digital Link', '$0 trace https://id.gs1.org/01/04012345111118/21/987 --data ./urchain-data'],
      ['Straight from an archive kept in PostgreSQL', '$0 trace SN-4711 --store postgres://urchain@db.example.com:5432/plant_a'],
    ],
  });
  code = Option.String({ required: true, name: 'CODE' });
  data = dataOption();
  node = nodeOption();
  store = storeOption();

  async run() {
    const s = await openSource({ data: this.data, node: this.node, store: this.store });
    try {
      this.out(await s.trace(this.code), (t) =>
        [`${t.product}${t.key ? ` (${t.key})` : ''}: ${t.count} record(s)`, ...t.records.map((r: any) => `${r.block ? `#${r.block.height}` : 'pending'}  ${humanTime(r.time)}  ${r.kind}  ${r.txId}`)].join('\n'),
      );
    } finally {
      await s.close();
    }
  }
}
