import { UrchainCommand, nodeOption } from './base.js';
import { NodeClient } from '../src/node/client.js';
import { badInput } from '../src/errors.js';

export class PeersCommand extends UrchainCommand {
  static override paths = [['peers']];
  static override usage = UrchainCommand.Usage({
    description: "A node's peer links, the peers it knows and its sync state",
    examples: [['Which peers a node is linked to', '$0 peers --node http://127.0.0.1:7400 | jq ".links[].key"']],
  });
  node = nodeOption();

  async run() {
    if (!this.node) throw badInput('give --node URL');
    const c = new NodeClient(this.node, { retries: 1 });
    try {
      this.out(await c.get('/v1/peers'));
    } finally {
      await c.close();
    }
  }
}
