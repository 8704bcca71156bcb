import { Option } from 'clipanion';
import { UrchainCommand } from '../base.js';
import { BrokerStore } from '../../src/global/broker.js';

export class BrokerAddNetworkCommand extends UrchainCommand {
  static override paths = [['broker', 'add-network']];
  static override usage = UrchainCommand.Usage({
    description: "Register companies' chain keys at a broker",
    details: 'Registers the chain key of each company network: the key its `entangle push` and `entangle pull` sign with (an authority key of its chain; on a one-node chain DATA/node.key), not its offline membership key. Only registered networks may post or fetch. Safe to run while the broker runs; registering a key twice only renames it.',
    examples: [['Admit two companies', '$0 broker add-network 5b1f…c0 9e42…17 --data ./broker --name plant-a --name plant-b']],
  });
  keys = Option.Rest({ required: 1, name: 'KEY' });
  data = Option.String('--data', { required: true, description: 'Broker data folder' });
  name = Option.Array('--name', { description: 'A name per key, in order (default: the key prefix)' });

  async run() {
    const s = new BrokerStore(this.data);
    try {
      const added = [];
      for (const [i, k] of this.keys.entries()) {
        const key = k.toLowerCase();
        const name = this.name?.[i] ?? key.slice(0, 12);
        added.push({ key, name, new: await s.addNetwork(key, name) });
      }
      this.out({ added, networks: s.list().length });
    } finally {
      await s.close();
    }
  }
}
