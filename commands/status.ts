import { UrchainCommand, dataOption, nodeOption } from './base.js';
import { storeOption } from './storeOption.js';

export class StatusCommand extends UrchainCommand {
  static override paths = [['status']];
  static override usage = UrchainCommand.Usage({
    description: 'Show the chain head and pending records of a node or data folder',
    examples: [
      ['Is the node alive and producing?', '$0 status --node http://127.0.0.1:7400'],
      ['Head and size of a chain kept in PostgreSQL', '$0 status --store postgres://urchain@db.example.com:5432/plant_a'],
    ],
  });
  data = dataOption();
  node = nodeOption();
  store = storeOption();

  async run() {
    const { openSource } = await import('../src/node/source.js'); // LMDB, PostgreSQL, HTTP: not for --help
    const s = await openSource({ data: this.data, node: this.node, store: this.store });
    try {
      this.out(await s.status());
    } finally {
      await s.close();
    }
  }
}
