import { Option } from 'clipanion';
import { UrchainCommand } from '../base.js';
import { NodeClient } from '../../src/node/client.js';
import { BrokerClient } from '../../src/global/client.js';
import { push, loadPartners } from '../../src/global/entangle.js';
import { readKeyFile } from '../../src/crypto/keyfile.js';

export class EntanglePushCommand extends UrchainCommand {
  static override paths = [['entangle', 'push']];
  static override usage = UrchainCommand.Usage({
    description: "Send this chain's signed checkpoint to partner networks",
    details: `
      Signs a checkpoint (chain id, height and hash of the node's head) with the network key and sends it through the broker, sealed for each partner, together with proofs that this chain took in that partner's earlier checkpoints (their countersignatures). One-shot and idempotent: safe to run from cron. Exit 0 on success; the broker is retried with back-off and a clear error is printed when it stays down.

      A crontab line, every 10 minutes:

      */10 * * * * urchain entangle push --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key /etc/urchain/network.key --partners /etc/urchain/partners.json >> /var/log/urchain-entangle.log 2>&1
    `,
    examples: [['Push to every partner', '$0 entangle push --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key ./plant-a/node.key --partners partners.json']],
  });
  node = Option.String('--node', { required: true, description: 'Node API URL' });
  broker = Option.String('--broker', { required: true, description: 'Broker URL' });
  brokerCa = Option.String('--broker-ca', { description: "PEM file of the broker's certificate authority (private PKI)" });
  key = Option.String('--key', { required: true, description: 'Network key file (for a one-node company: DATA/node.key)' });
  partners = Option.String('--partners', { description: 'Partners file {"partners":[{"name","key"}]}' });
  to = Option.Array('--to', { description: 'Only this partner (name or key), repeatable' });

  async run() {
    const node = new NodeClient(this.node, { retries: 3 });
    const broker = new BrokerClient(this.broker, readKeyFile(this.key), { ca: this.brokerCa });
    try {
      this.out(await push({ node, broker, key: readKeyFile(this.key), partners: this.partners ? loadPartners(this.partners) : [], to: this.to }));
    } finally {
      await node.close();
      await broker.close();
    }
  }
}
