import { Option } from 'clipanion';
import { UrchainCommand, parseDuration } from '../base.js';
import { NodeClient } from '../../src/io/nodeClient.js';
import { BrokerClient } from '../../src/global/client.js';
import { pull, loadPartners } from '../../src/global/entangle.js';
import { readKeyFile } from '../../src/io/keyfile.js';

export class EntanglePullCommand extends UrchainCommand {
  static override paths = [['entangle', 'pull']];
  static override usage = UrchainCommand.Usage({
    description: "Take partners' checkpoints and countersignatures into this chain",
    details: `
      Fetches this network's mail from the broker, checks each envelope and checkpoint signature against the partner keys in --partners, and takes each checkpoint in as a record of kind \`entangle\` (and each returned countersignature as kind \`countersign\`). Mail is acknowledged only after the node's durable receipts; a repeated run takes nothing in twice. Messages from unknown senders or with bad signatures are refused and listed (in the JSON and one line each on stderr; exit 1). A broker answer that is not the broker protocol, or no answer within --timeout, is a one-line error (exit 1). --key is the same chain key \`entangle push\` signs with (the key the broker and partners know this network by). One-shot, for cron (see the examples).
    `,
    examples: [
      ['Pull', '$0 entangle pull --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key ./plant-a/node.key --partners partners.json'],
      ['A crontab line (crontab -e), every 10 minutes', '*/10 * * * * urchain entangle pull --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key /var/lib/urchain/node.key --partners /etc/urchain/partners.json >> /var/log/urchain-entangle.log 2>&1'],
    ],
  });
  node = Option.String('--node', { required: true, description: 'Node API URL' });
  broker = Option.String('--broker', { required: true, description: 'Broker URL' });
  brokerCa = Option.String('--broker-ca', { description: "PEM file of the broker's certificate authority (private PKI)" });
  key = Option.String('--key,--chain-key', { required: true, description: 'Chain key file (the one entangle push signs with)' });
  partners = Option.String('--partners', { required: true, description: 'Partners file {"partners":[{"name","key"}]}' });
  timeout = Option.String('--timeout', '30s', { description: 'Give up on a broker request after this long, retries included (default 30s)' });

  async run() {
    const key = readKeyFile(this.key);
    const timeoutMs = parseDuration(this.timeout, '--timeout');
    const partners = loadPartners(this.partners);
    const node = new NodeClient(this.node, { retries: 3 });
    const broker = new BrokerClient(this.broker, key, { ca: this.brokerCa, timeoutMs });
    try {
      const r = await pull({ node, broker, key, partners });
      this.out(r);
      for (const x of r.refused) this.log(`urchain: entangle pull: refused message ${x.id}: ${x.reason}`);
      return r.refused.length ? 1 : 0;
    } finally {
      await node.close();
      await broker.close();
    }
  }
}
