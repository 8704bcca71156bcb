import { Option } from 'clipanion';
import { UrchainCommand, parseDuration } from '../base.js';
import { NodeClient } from '../../src/io/nodeClient.js';
import { BrokerClient } from '../../src/global/client.js';
import { push, loadPartners } from '../../src/global/entangle.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { withEntangleTlog } from '../../src/global/entangleTlog.js';

export class EntanglePushCommand extends UrchainCommand {
  static override paths = [['entangle', 'push']];
  static override usage = UrchainCommand.Usage({
    description: "Send this chain's signed checkpoint to partner networks",
    details: `
      Signs a checkpoint (chain id, height and hash of the node's head) with the chain key and sends it through the broker, sealed for each partner, together with proofs that this chain took in that partner's earlier checkpoints (their countersignatures). One-shot and idempotent: safe to run from cron. Exit 0 on success; the broker is retried with back-off and a clear error is printed when it stays down or does not answer within --timeout.

      The chain key is the key partners and customers accept as signer of this chain's checkpoints: an authority key of the node's chain (on a one-node chain, the node's own DATA/node.key; under proof-of-work, the node's own key). It is also the key the broker knows this network by and the key partners list in their partners file. Push asks the node for its chain's authorities and refuses (exit 2) any other key, such as another company's key or the offline membership key that signs member lists (\`urchain keygen --membership\`).

      With --data (the node's data folder, read-only) push also sends each partner the chain's C2SP checkpoint (urchain-formats(5), C2SP CHECKPOINT: signed with --key, never inconsistent with the last one signed from that folder) with an RFC 9162 consistency proof from the size that partner last cosigned, and returns the partner's latest checkpoint this chain cosigned. The partner cosigns it on \`entangle pull --data\`. These messages are envelope message version 2, which a partner on an older urchain release refuses: turn --data on once every partner runs this release (it is never taken from the config file). The answer's "c2sp" per partner gives the size sent and the old size the proof starts from.

      Run it from cron: the examples show a crontab line for every 10 minutes.
    `,
    examples: [
      ['Push to every partner', '$0 entangle push --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key ./plant-a/node.key --partners partners.json'],
      ['Also send the C2SP checkpoint for cosigning', '$0 entangle push --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key ./plant-a/node.key --partners partners.json --data ./plant-a'],
      ['A crontab line (crontab -e), every 10 minutes', '*/10 * * * * urchain entangle push --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key /var/lib/urchain/node.key --partners /etc/urchain/partners.json >> /var/log/urchain-entangle.log 2>&1'],
    ],
  });
  node = Option.String('--node', { required: true, description: 'Node API URL' });
  broker = Option.String('--broker', { required: true, description: 'Broker URL' });
  brokerCa = Option.String('--broker-ca', { description: "PEM file of the broker's certificate authority (private PKI)" });
  key = Option.String('--key,--chain-key', { required: true, description: "Chain key file: an authority key of the node's chain (one-node chain: DATA/node.key)" });
  partners = Option.String('--partners', { description: 'Partners file {"partners":[{"name","key"}]}' });
  to = Option.Array('--to', { description: 'Only this partner (name or key), repeatable' });
  data = Option.String('--data', { description: "The node's data folder: also exchange C2SP checkpoints and cosignatures (state in DIR/tlog/)" });
  timeout = Option.String('--timeout', '30s', { description: 'Give up on a broker request after this long, retries included (default 30s)' });

  async run() {
    const key = readKeyFile(this.key);
    const timeoutMs = parseDuration(this.timeout, '--timeout');
    const node = new NodeClient(this.node, { retries: 3 });
    const broker = new BrokerClient(this.broker, key, { ca: this.brokerCa, timeoutMs });
    try {
      const partners = this.partners ? loadPartners(this.partners) : [];
      this.out(await withEntangleTlog(this.data, key, (tlog) => push({ node, broker, key, partners, to: this.to, tlog })));
    } finally {
      await node.close();
      await broker.close();
    }
  }
}
