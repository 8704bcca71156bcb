import { UrchainCommand, nodeOption } from './base.js';
import { NodeClient } from '../src/io/nodeClient.js';
import { badInput } from '../src/errors.js';

export class PeersCommand extends UrchainCommand {
  static override paths = [['peers']];
  static override usage = UrchainCommand.Usage({
    description: "A node's peer links, the peers it knows and its sync state",
    details: `
      Prints one JSON document: \`listen\` and \`advertise\` (the addresses it listens on and tells peers to dial), \`links\` (the live links: key, role, listen, direction, since), \`peers\` (every peer heard of in the last 2 minutes, and whether it is linked), \`banned\` (keys banned for now) and \`sync\`.

      \`sync\` shows progress while the node catches up: \`height\` (its head), \`target\` (the height of its highest linked peer), \`bestPeerHeight\` (the highest seen since start), \`syncing\` (true while height is below target or a request is open), \`waitingBlocks\` (blocks waiting for their transactions) and \`missingPayloads\` (payloads an archive or full node still has to fetch). The node also logs each sync round; see urchain-network(7).
    `,
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
