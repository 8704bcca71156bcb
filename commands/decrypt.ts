import { Option } from 'clipanion';
import fs from 'node:fs';
import { UrchainCommand } from './base.js';
import { decryptTier2, readAesKeyFile } from '../src/ingest/profichain/tier2.js';
import { fromBase64 } from '../src/codec/bytes.js';
import { badInput } from '../src/errors.js';

export class DecryptCommand extends UrchainCommand {
  static override paths = [['decrypt']];
  static override usage = UrchainCommand.Usage({
    description: 'Decrypt a tier-2 payload with its owner key',
    details: `
      Reads a proof (JSON with a payload) or the raw payload bytes, decrypts it with the AES key the sender used (\`urchain keygen --aes\`) and writes the plaintext to stdout or --out. Nobody without that key can read it, including every node that stores and proves it.
    `,
    examples: [['Read a confidential record from its proof', '$0 decrypt spec.proof.json --key ~/.urchain/aes.json > spec.pdf']],
  });
  input = Option.String({ required: true, name: 'PROOF|PAYLOAD|-' });
  key = Option.String('--key', { required: true, description: 'AES key file (urchain keygen --aes)' });
  file = Option.String('--out,-o', { description: 'Write the plaintext here instead of stdout' });

  async run() {
    const raw = await this.readInput(this.input, 'input');
    let payload: Uint8Array = new Uint8Array(raw);
    if (raw[0] === 0x7b) {
      let j: { payload?: string };
      try {
        j = JSON.parse(raw.toString('utf8'));
      } catch {
        throw badInput(`${this.input}: starts with "{" but is not a JSON proof`);
      }
      if (typeof j?.payload !== 'string') throw badInput(`${this.input}: a stripped proof carries no payload to decrypt`);
      payload = fromBase64(j.payload, 'proof payload');
    }
    const plain = decryptTier2(payload, readAesKeyFile(this.key));
    if (this.file) {
      fs.writeFileSync(this.file, plain, { mode: 0o600 }); // a plaintext only the key holder should read
      this.out({ path: this.file, bytes: plain.length });
    } else this.write(plain);
  }
}
