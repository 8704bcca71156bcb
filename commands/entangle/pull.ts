import { Option } from 'clipanion';
import { UrchainCommand, parseDuration } from '../base.js';
import { NodeClient } from '../../src/io/nodeClient.js';
import { BrokerClient } from '../../src/global/client.js';
import { pull, loadPartners } from '../../src/global/entangle.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { withEntangleTlog } from '../../src/global/entangleTlog.js';

export class EntanglePullCommand extends UrchainCommand {
  static override paths = [['entangle', 'pull']];
  static override usage = UrchainCommand.Usage({
    description: "Take partners' checkpoints and countersignatures into this chain",
    details: `
      Fetches this network's mail from the broker, checks each envelope and checkpoint signature against the partner keys in --partners, and takes each checkpoint in as a record of kind \`entangle\` (and each returned countersignature as kind \`countersign\`). Mail is acknowledged only after the node's durable receipts; a repeated run takes nothing in twice. Messages from unknown senders or with bad signatures are refused and listed (in the JSON and one line each on stderr; exit 1). A broker answer that is not the broker protocol, or no answer within --timeout, is a one-line error (exit 1). --key is the same chain key \`entangle push\` signs with (the key the broker and partners know this network by). One-shot, for cron (see the examples).

      With --data (the node's data folder, read-only) pull also acts as each partner's C2SP witness: a partner's checkpoint note (sent by \`entangle push --data\`) is cosigned with a c2sp.org/tlog-cosignature (cosignature/v1, with --key, named by this chain's checkpoint origin) only when it is signed by the partner's key, names the partner's chain and comes with an RFC 9162 consistency proof from the last checkpoint this chain cosigned for it (kept in DIR/tlog/witness.json). The cosignature travels back with the next push. An inconsistent checkpoint (the partner's log forked or was rewritten) is refused, kept as evidence in DIR/tlog/evidence/, reported on stderr, and makes the exit code 1; a conflict about the old size is reported and heals on the next exchange. Cosignatures partners return for this chain's checkpoints are checked and filed in DIR/tlog/cosigned/SIZE.note, where \`urchain prove --format tlog-proof\` finds them. The JSON answer lists all of this under "c2sp".
    `,
    examples: [
      ['Pull', '$0 entangle pull --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key ./plant-a/node.key --partners partners.json'],
      ['Pull and cosign partners\' C2SP checkpoints', '$0 entangle pull --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key ./plant-a/node.key --partners partners.json --data ./plant-a'],
      ['A crontab line (crontab -e), every 10 minutes', '*/10 * * * * urchain entangle pull --node http://127.0.0.1:7400 --broker https://broker.example:7443 --key /var/lib/urchain/node.key --partners /etc/urchain/partners.json >> /var/log/urchain-entangle.log 2>&1'],
    ],
  });
  node = Option.String('--node', { required: true, description: 'Node API URL' });
  broker = Option.String('--broker', { required: true, description: 'Broker URL' });
  brokerCa = Option.String('--broker-ca', { description: "PEM file of the broker's certificate authority (private PKI)" });
  key = Option.String('--key,--chain-key', { required: true, description: 'Chain key file (the one entangle push signs with)' });
  partners = Option.String('--partners', { required: true, description: 'Partners file {"partners":[{"name","key"}]}' });
  data = Option.String('--data', { description: "The node's data folder: also exchange C2SP checkpoints and cosignatures (state in DIR/tlog/)" });
  timeout = Option.String('--timeout', '30s', { description: 'Give up on a broker request after this long, retries included (default 30s)' });

  async run() {
    const key = readKeyFile(this.key);
    const timeoutMs = parseDuration(this.timeout, '--timeout');
    const partners = loadPartners(this.partners);
    const node = new NodeClient(this.node, { retries: 3 });
    const broker = new BrokerClient(this.broker, key, { ca: this.brokerCa, timeoutMs });
    try {
      const r = await withEntangleTlog(this.data, key, (tlog) => pull({ node, broker, key, partners, tlog }));
      this.out(r);
      for (const x of r.refused) this.log(`urchain: entangle pull: refused message ${x.id}: ${x.reason}`);
      for (const x of r.c2sp ?? []) if (x.refused) this.log(`urchain: entangle pull: did not cosign the checkpoint of ${x.name} (${x.refused.status}): ${x.refused.reason}`);
      return r.refused.length || r.c2sp?.some((x) => x.refused?.status === 422) ? 1 : 0;
    } finally {
      await node.close();
      await broker.close();
    }
  }
}
