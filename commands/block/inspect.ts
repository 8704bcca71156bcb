import { Option } from 'clipanion';
import { UrchainCommand, dataOption, nodeOption } from '../base.js';
import { openSource } from '../../src/node/source.js';

export class BlockInspectCommand extends UrchainCommand {
  static override paths = [['block', 'inspect']];
  static override usage = UrchainCommand.Usage({
    description: 'Show a block: header, hash, signatures and transaction ids',
    examples: [
      ['The newest block of a running node', '$0 block inspect head --node http://127.0.0.1:7400'],
      ['Block 42 straight from the data folder', '$0 block inspect 42 --data ./plant-a'],
    ],
  });
  ref = Option.String({ required: false, name: 'head|HEIGHT|HASH' });
  data = dataOption();
  node = nodeOption();

  async run() {
    const s = await openSource({ data: this.data, node: this.node });
    try {
      this.out(await s.block(this.ref ?? 'head'));
    } finally {
      await s.close();
    }
  }
}
