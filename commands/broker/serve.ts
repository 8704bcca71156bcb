import { Option } from 'clipanion';
import { UrchainCommand, stopSignal } from '../base.js';
import { Broker } from '../../src/global/broker.js';

export class BrokerServeCommand extends UrchainCommand {
  static override paths = [['broker', 'serve']];
  static override usage = UrchainCommand.Usage({
    description: 'Run the message broker that carries sealed checkpoints between companies',
    details: `
      A store-and-forward HTTPS service with a mailbox per registered network, durable in LMDB. It holds only envelopes encrypted to their receivers and signed by their senders, so it can neither read nor forge a checkpoint. Every request must be signed by a registered chain key (\`urchain broker add-network\`: the key each company pushes and pulls with); replayed requests, unregistered keys, tampered envelopes and bodies over 1 MiB are refused. A message is kept until its receiver acknowledges it.

      Plain HTTP is allowed only on loopback, with a warning; give --tls-cert and --tls-key otherwise. The two go together: one without the other is refused (exit 2), never a silent fall-back to plain HTTP. Prints {"url"} once listening; SIGINT/SIGTERM stop it.

      For supervision: \`GET /v1/health\` answers {"ok":true,"networks"} without a signature, and \`GET /metrics\` gives the Prometheus text format (queue depth per network in urchain_broker_queue_messages, requests by route and status, envelopes delivered and acknowledged) to clients on this machine only (loopback; elsewhere 403), since it names every registered network. Behind a reverse proxy on the same host every client looks local: block /metrics in the proxy. See urchain-api(7).
    `,
    examples: [
      ['Between companies', '$0 broker serve --listen 0.0.0.0:7443 --data /var/lib/urchain-broker --tls-cert cert.pem --tls-key key.pem'],
      ['For a local test', '$0 broker serve --listen 127.0.0.1:7500 --data ./broker'],
      ['Scrape its metrics on the broker host', 'curl -s http://127.0.0.1:7500/metrics | grep urchain_broker_queue_messages'],
    ],
  });
  listen = Option.String('--listen', '127.0.0.1:7500', { description: 'HOST:PORT (default 127.0.0.1:7500)' });
  data = Option.String('--data', { required: true, description: 'Broker data folder' });
  tlsCert = Option.String('--tls-cert', { description: 'PEM certificate for HTTPS' });
  tlsKey = Option.String('--tls-key', { description: 'PEM private key for HTTPS' });

  async run() {
    const signal = stopSignal(); // before the {"url"} line: a script may stop the broker right after it
    try {
      const b = await Broker.start({ dataDir: this.data, listen: this.listen, tlsCert: this.tlsCert, tlsKey: this.tlsKey, onWarn: (m) => this.log(`urchain: warning: ${m}`) });
      this.out({ url: b.url, networks: b.store.list().length });
      await signal.stopped;
      await b.close();
    } finally {
      signal.off();
    }
  }
}
