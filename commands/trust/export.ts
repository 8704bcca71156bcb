import { Option } from 'clipanion';
import fs from 'node:fs';
import path from 'node:path';
import { UrchainCommand, dataOption, nodeOption } from '../base.js';
import { openSource } from '../../src/node/source.js';
import { readKeyFile } from '../../src/crypto/keyfile.js';
import { keyPath } from '../../src/node/init.js';
import { toHex } from '../../src/codec/bytes.js';

export class TrustExportCommand extends UrchainCommand {
  static override paths = [['trust', 'export']];
  static override usage = UrchainCommand.Usage({
    description: 'Write the trust list a verifier needs for this chain',
    details: `
      Prints {"chains": [chainId], "authorities": [...], "origins": [...]} for the chain: its id, its authority keys, and the node's own key as a record origin (add more origins with --origin). Hand it to partners and customers together with proofs, over a channel they trust.
    `,
    examples: [['Trust list for customers', '$0 trust export --data ./plant-a > plant-a.trust.json']],
  });
  data = dataOption();
  node = nodeOption();
  origin = Option.Array('--origin', { description: 'Further origin key (hex) to accept, repeatable' });

  async run() {
    const s = await openSource({ data: this.data, node: this.node });
    try {
      const p = await s.params();
      const origins = new Set(this.origin ?? []);
      if (this.data && fs.existsSync(keyPath(this.data))) origins.add(toHex(readKeyFile(keyPath(this.data)).publicKey));
      if (this.node) origins.add(String((await s.status()).publicKey));
      this.out({ chains: [p.chainId], authorities: p.authorities, origins: [...origins], name: p.name, note: this.data ? path.resolve(this.data) : this.node });
    } finally {
      await s.close();
    }
  }
}
