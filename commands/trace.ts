import { Option } from 'clipanion';
import { UrchainCommand, dataOption, nodeOption, humanTime } from './base.js';
import { openSource } from '../src/node/source.js';
import { storeOption } from './storeOption.js';

export class TraceCommand extends UrchainCommand {
  static override paths = [['trace']];
  static override usage = UrchainCommand.Usage({
    description: 'List every record carrying a product code, in chain order',
    examples: [
      ['The history of one serial number', '$0 trace SN-4711 --node http://127.0.0.1:7400'],
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
        [`${t.product}: ${t.count} record(s)`, ...t.records.map((r: any) => `${r.block ? `#${r.block.height}` : 'pending'}  ${humanTime(r.time)}  ${r.kind}  ${r.txId}`)].join('\n'),
      );
    } finally {
      await s.close();
    }
  }
}
