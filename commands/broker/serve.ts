import { Option } from 'clipanion';
import { UrchainCommand, stopSignal } from '../base.js';
import { Broker } from '../../src/global/broker.js';
import { loadWitnessLogs, type WitnessOptions } from '../../src/global/witnessRoute.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { toHex } from '../../src/codec/bytes.js';
import { badInput } from '../../src/errors.js';
import { formatCosignerKey } from '../../src/transparency/cosignature.js';

export class BrokerServeCommand extends UrchainCommand {
  static override paths = [['broker', 'serve']];
  static override usage = UrchainCommand.Usage({
    description: 'Run the message broker that carries sealed checkpoints between companies',
    details: `
      A store-and-forward HTTPS service with a mailbox per registered network, durable in LMDB. It holds only envelopes encrypted to their receivers and signed by their senders, so it can neither read nor forge a checkpoint. Every request must be signed by a registered chain key (\`urchain broker add-network\`: the key each company pushes and pulls with); replayed requests, unregistered keys, tampered envelopes and bodies over 1 MiB are refused. A message is kept until its receiver acknowledges it.

      Plain HTTP is allowed only on loopback, with a warning; give --tls-cert and --tls-key otherwise. The two go together: one without the other is refused (exit 2), never a silent fall-back to plain HTTP. Prints {"url"} once listening (with "witness": its cosigner verifier key when it is a witness, see below); SIGINT/SIGTERM stop it.

      For supervision: \`GET /v1/health\` answers {"ok":true,"networks"} without a signature, and \`GET /metrics\` gives the Prometheus text format (queue depth per network in urchain_broker_queue_messages, requests by route and status, envelopes delivered and acknowledged) to clients on this machine only (loopback; elsewhere 403), since it names every registered network. Behind a reverse proxy on the same host every client looks local: block /metrics in the proxy. See urchain-api(7).

      With --witness-key and --witness-logs the broker is also a C2SP witness (c2sp.org/tlog-witness), for urchain chains and any other transparency log: \`POST /add-checkpoint\` takes "old N", the consistency proof lines, a blank line and the checkpoint note, and answers 200 with its cosignature/v1 line, 400 (malformed, or old size above the checkpoint's), 403 (no valid signature of a configured key), 404 (origin not configured), 409 (old size is not the last cosigned size; the body is that size, content type text/x.tlog.size) or 422 (a bad root or consistency proof), exactly as the spec says; \`GET /<hex SHA-256 of the origin>/checkpoint\` serves the last checkpoint it cosigned. Neither needs a broker signature. The witness key is an Ed25519 key file (\`urchain keygen\`; a partner may use its chain key); its cosigner name is --witness-name (default urchain.example/witness/ and the first 16 hex digits of its key). --witness-logs names a JSON file {"logs": [{"origin": "...", "key": "<verifier key>"}]} listing each log to witness with the verifier key of its checkpoints (\`urchain checkpoint --json\` prints it; \`urchain trust export\` lists it under checkpointKeys). What it last cosigned per log is kept in DATA/witness.json, written durably before it answers. See urchain-formats(5), C2SP COSIGNATURE.
    `,
    examples: [
      ['Between companies', '$0 broker serve --listen 0.0.0.0:7443 --data /var/lib/urchain-broker --tls-cert cert.pem --tls-key key.pem'],
      ['For a local test', '$0 broker serve --listen 127.0.0.1:7500 --data ./broker'],
      ['Also witness plant A\'s chain', '$0 broker serve --listen 0.0.0.0:7443 --data /var/lib/urchain-broker --tls-cert cert.pem --tls-key key.pem --witness-key witness.key --witness-name witness.example.com/w1 --witness-logs logs.json'],
      ['Scrape its metrics on the broker host', 'curl -s http://127.0.0.1:7500/metrics | grep urchain_broker_queue_messages'],
    ],
  });
  listen = Option.String('--listen', '127.0.0.1:7500', { description: 'HOST:PORT (default 127.0.0.1:7500)' });
  data = Option.String('--data', { required: true, description: 'Broker data folder' });
  tlsCert = Option.String('--tls-cert', { description: 'PEM certificate for HTTPS' });
  tlsKey = Option.String('--tls-key', { description: 'PEM private key for HTTPS' });
  witnessKey = Option.String('--witness-key', { description: 'Ed25519 key file: also be a C2SP witness (POST /add-checkpoint) with this key' });
  witnessName = Option.String('--witness-name', { description: "The witness's cosigner name (default urchain.example/witness/<key>)" });
  witnessLogs = Option.String('--witness-logs', { description: 'JSON file {"logs": [{"origin", "key"}]}: the logs to witness and their verifier keys' });

  private witness(): WitnessOptions | undefined {
    if (!this.witnessKey && !this.witnessLogs && !this.witnessName) return undefined;
    if (!this.witnessKey || !this.witnessLogs) throw badInput('a witness needs both --witness-key and --witness-logs');
    const key = readKeyFile(this.witnessKey);
    return { key, name: this.witnessName ?? `urchain.example/witness/${toHex(key.publicKey).slice(0, 16)}`, logs: loadWitnessLogs(this.witnessLogs) };
  }

  async run() {
    const witness = this.witness();
    const signal = stopSignal(); // before the {"url"} line: a script may stop the broker right after it
    try {
      const b = await Broker.start({ dataDir: this.data, listen: this.listen, tlsCert: this.tlsCert, tlsKey: this.tlsKey, witness, onWarn: (m) => this.log(`urchain: warning: ${m}`) });
      this.out({ url: b.url, networks: b.store.list().length, ...(b.witness ? { witness: formatCosignerKey(b.witness.cosigner) } : {}) });
      await signal.stopped;
      await b.close();
    } finally {
      signal.off();
    }
  }
}
