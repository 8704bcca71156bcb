import { UrchainCommand, dataOption, nodeOption } from './base.js';
import { openSource } from '../src/node/source.js';

export class StatusCommand extends UrchainCommand {
  static override paths = [['status']];
  static override usage = UrchainCommand.Usage({
    description: 'Show the chain head and pending records of a node or data folder',
    examples: [['Is the node alive and producing?', '$0 status --node http://127.0.0.1:7400']],
  });
  data = dataOption();
  node = nodeOption();

  async run() {
    const s = await openSource({ data: this.data, node: this.node });
    try {
      this.out(await s.status());
    } finally {
      await s.close();
    }
  }
}
