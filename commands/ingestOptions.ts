/**
 * What the ingest commands (`ingest send`, `ingest watch`, `ingest opcua`) share: where records go
 * (a node's HTTP API or its Profichain port), how they are protected, and --meta pairs. Kept out
 * of base.ts so that only these commands load the HTTP client and sockets.
 */
import { Option } from 'clipanion';
import { UrchainCommand } from './base.js';
import { openSink, type Sink } from '../src/ingest/sink.js';
import { badInput } from '../src/errors.js';

/** Base of the ingest commands: where records go (HTTP API or Profichain) and how they are protected. */
export abstract class SinkCommand extends UrchainCommand {
  node = Option.String('--node', { description: 'Send to the node API at this URL, e.g. http://127.0.0.1:7400 (with the token in $URCHAIN_API_TOKEN_FILE when the node needs one)' });
  profichain = Option.String('--profichain', { description: 'Send over Profichain to HOST:PORT instead' });
  tier1 = Option.Boolean('--tier1', false, { description: 'Profichain: encrypt the session (key agreement with the node key, AES-256-GCM)' });
  nodeKey = Option.String('--node-key', { description: "Profichain: the node's public key (hex) to pin" });
  tier2Key = Option.String('--tier2-key', { description: 'Encrypt payloads with this AES key file before they leave (urchain keygen --aes)' });

  openSink(): Sink {
    return openSink({ node: this.node, profichain: this.profichain, tier1: this.tier1, nodeKey: this.nodeKey, tier2Key: this.tier2Key });
  }
}

/** k=v pairs from repeated --meta options. */
export function parseMeta(pairs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw badInput(`--meta ${JSON.stringify(p)}: expected key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}
