import { Option } from 'clipanion';
import { UrchainCommand } from './base.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { writeKeyFile } from '../src/io/keyfile.js';
import { toHex } from '../src/codec/bytes.js';
import path from 'node:path';
import { writeAesKeyFile, AES_KEY_TYPE } from '../src/ingest/profichain/tier2.js';

export class KeygenCommand extends UrchainCommand {
  static override paths = [['keygen']];
  static override usage = UrchainCommand.Usage({
    description: 'Create an ed25519 key file',
    details: `
      Writes a new key as JSON with mode 0600 and prints its public key. An existing file is never overwritten unless --force is given.

      Keys have roles. A node key (DATA/node.key, made by \`urchain init\`) signs what the node takes in and, for an authority, its blocks; an authority key is also the chain key that signs the chain's checkpoints for partners (\`entangle push\`) and names the network at the broker. The membership key (--membership) only signs the member list of a company network; it stays offline and is never given to push or pull.
    `,
    examples: [
      ['Create a key for a machine controller', '$0 keygen --out /etc/urchain/press-7.key'],
      ['Print only the public key', '$0 keygen --out k.json | jq -r .publicKey'],
      ['The membership key that admits nodes to a company network (keep it offline)', '$0 keygen --membership --out membership.key'],
      ['A tier-2 payload key that never leaves this machine', '$0 keygen --aes --out ~/.urchain/aes.json'],
    ],
  });
  out_ = Option.String('--out,-o', 'urchain.key', { description: 'Where to write the key file (default ./urchain.key)' });
  force = Option.Boolean('--force', false, { description: 'Replace an existing key file' });
  network = Option.Boolean('--membership,--network', false, { description: 'Make a membership key: it signs the member list of a company network (urchain member add) and nothing else; keep it offline. Not the chain key that signs checkpoints (--network is the old name)' });
  aes = Option.Boolean('--aes', false, { description: 'Make a tier-2 AES-256-GCM payload key instead (see urchain-profichain(7))' });

  async run() {
    if (this.aes) {
      writeAesKeyFile(this.out_, this.force);
      this.out({ type: AES_KEY_TYPE, path: path.resolve(this.out_) });
      return;
    }
    const key = generateKeyPair();
    writeKeyFile(this.out_, key, { force: this.force });
    this.out({ publicKey: toHex(key.publicKey), path: path.resolve(this.out_), ...(this.network ? { use: 'network' } : {}) });
  }
}
