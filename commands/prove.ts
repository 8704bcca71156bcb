import { Option } from 'clipanion';
import fs from 'node:fs';
import { UrchainCommand, dataOption, nodeOption } from './base.js';
import { openSource } from '../src/node/source.js';
import { storeOption } from './storeOption.js';
import { decryptTier2, readAesKeyFile } from '../src/ingest/profichain/tier2.js';
import { toBase64, fromBase64 } from '../src/codec/bytes.js';
import { badInput } from '../src/errors.js';
import type { ProofJson } from '../src/proof/proof.js';

export class ProveCommand extends UrchainCommand {
  static override paths = [['prove']];
  static override usage = UrchainCommand.Usage({
    description: 'Write a self-contained proof for a record',
    details: `
      The proof holds the record (or with --stripped only its digest), its transaction core, the origin's batch signature evidence, the Merkle path into its block, the block header with its signatures, and the chain parameters. \`urchain verify\` checks it with no node and no network. Format: urchain-formats(5).
    `,
    examples: [
      ['Proof for a customer', '$0 prove 3f1c…e9 --node http://127.0.0.1:7400 --out sn-4711.proof.json'],
      ['Without the payload (confidential data)', '$0 prove 3f1c…e9 --data ./plant-a --stripped > proof.json'],
      ['From a chain kept in PostgreSQL', '$0 prove 3f1c…e9 --store postgres://urchain@db.example.com:5432/plant_a --out sn-4711.proof.json'],
    ],
  });
  txId = Option.String({ required: true, name: 'TXID' });
  data = dataOption();
  node = nodeOption();
  store = storeOption();
  stripped = Option.Boolean('--stripped', false, { description: 'Leave the payload out; the proof carries its digest' });
  file = Option.String('--out,-o', { description: 'Write the proof to this file instead of stdout' });
  decryptKey = Option.String('--decrypt-key', { description: 'Tier-2 AES key file: also decrypt the payload into a "plaintext" field (base64; not part of the proof)' });
  countersigned = Option.Boolean('--countersigned', false, { description: "Add partners' countersignatures (see urchain-entangle-push(1))" });

  async run() {
    const s = await openSource({ data: this.data, node: this.node, store: this.store });
    try {
      const proof: ProofJson & { plaintext?: string } = await s.proof(this.txId, this.stripped, this.countersigned);
      if (this.decryptKey) {
        if (!proof.payload) throw badInput('--decrypt-key needs the payload: leave out --stripped');
        proof.plaintext = toBase64(decryptTier2(fromBase64(proof.payload), readAesKeyFile(this.decryptKey)));
      }
      if (this.file) {
        fs.writeFileSync(this.file, JSON.stringify(proof, null, 2) + '\n');
        this.out({ txId: proof.txId, path: this.file, height: proof.block.header.height, stripped: proof.payload === undefined, countersignatures: proof.countersignatures?.length ?? 0 });
      } else this.out(proof, (p) => JSON.stringify(p, null, 2)); // the proof itself, indented on a terminal
    } finally {
      await s.close();
    }
  }
}
