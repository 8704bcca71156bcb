import { Option } from 'clipanion';
import { UrchainCommand } from '../base.js';
import { NodeClient } from '../../src/node/client.js';
import { BrokerClient } from '../../src/global/client.js';
import { pull, loadPartners } from '../../src/global/entangle.js';
import { readKeyFile } from '../../src/crypto/keyfile.js';

export class EntanglePullCommand extends UrchainCommand {
  static override paths = [['entangle', 'pull']];
  static override usage = UrchainCommand.Usage({
    description: "Take partners' checkpoints and countersignatures into this chain",
    details: `
      Fetches this network's mail from the broker, checks each envelope and checkpoint signature against the partner keys in --partners, and takes each checkpoint in as a record of kind \`entangle\` (and each returned countersignature as kind \`countersign\`). Mail is acknowledged only after the node's durable receipts; a repeated run takes nothing in twice. Messages from unknown senders or with bad signatures are refused and listed. One-shot, for cron:

      */10 * * * * urchain entangle pull --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key /etc/urchain/network.key --partners /etc/urchain/partners.json >> /var/log/urchain-entangle.log 2>&1
    `,
    examples: [['Pull', '$0 entangle pull --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key ./plant-a/node.key --partners partners.json']],
  });
  node = Option.String('--node', { required: true, description: 'Node API URL' });
  broker = Option.String('--broker', { required: true, description: 'Broker URL' });
  brokerCa = Option.String('--broker-ca', { description: "PEM file of the broker's certificate authority (private PKI)" });
  key = Option.String('--key', { required: true, description: 'Network key file' });
  partners = Option.String('--partners', { required: true, description: 'Partners file {"partners":[{"name","key"}]}' });

  async run() {
    const key = readKeyFile(this.key);
    const node = new NodeClient(this.node, { retries: 3 });
    const broker = new BrokerClient(this.broker, key, { ca: this.brokerCa });
    try {
      const r = await pull({ node, broker, key, partners: loadPartners(this.partners) });
      this.out(r);
      return r.refused.length ? 1 : 0;
    } finally {
      await node.close();
      await broker.close();
    }
  }
}
