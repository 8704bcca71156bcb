import { Option } from 'clipanion';
import fs from 'node:fs';
import { UrchainCommand, dataOption, nodeOption, parseChoice } from './base.js';
import { proveTlog } from '../src/node/tlog.js';
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
      With --anchor (and --data) the output is an anchored proof (urchain-anchored-proof/1): the proof, the anchored checkpoint that covers its block (from \`urchain anchor\`, upgraded by \`urchain anchor upgrade\`), the block's inclusion in it and the OpenTimestamps .ots; \`urchain verify\` checks it against Bitcoin block headers (urchain-formats(5), OPENTIMESTAMPS ANCHOR).

      The proof holds the record (or with --stripped only its digest), its transaction core, the origin's batch signature evidence, the Merkle path into its block, the block header with its signatures, and the chain parameters. \`urchain verify\` checks it with no node and no network. Format: urchain-formats(5).

      --format tlog-proof writes the proof as c2sp.org/tlog-proof@v1 instead (urchain-formats(5), C2SP TLOG-PROOF), for transparency-log tools: the block's height as index, the block's RFC 9162 inclusion proof in the chain's C2SP checkpoint, and the newest checkpoint that covers the block with the cosignatures partners returned (\`entangle pull --data\` files them in DIR/tlog/cosigned/); without one, a checkpoint signed now with DIR/node.key and no cosignature. The JSON proof (record, path into the block, header, chain) rides in the extra line. It needs --data, and a block that is final (covered by a checkpoint); \`urchain verify\` reads it.
    `,
    examples: [
      ['Proof for a customer', '$0 prove 3f1c…e9 --node http://127.0.0.1:7400 --out sn-4711.proof.json'],
      ['Without the payload (confidential data)', '$0 prove 3f1c…e9 --data ./plant-a --stripped > proof.json'],
      ['Anchored in Bitcoin, for a customer', '$0 prove 3f1c…e9 --data ./plant-a --anchor --out sn-4711.anchored.json'],
      ['As a C2SP tlog-proof with partners\' cosignatures', '$0 prove 3f1c…e9 --data ./plant-a --format tlog-proof --out sn-4711.tlog-proof'],
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
  anchor = Option.Boolean('--anchor', false, { description: 'Write an anchored proof: add the Bitcoin-anchored checkpoint covering the block (with --data; see urchain-anchor(1))' });
  anchors = Option.String('--anchors', { description: 'With --anchor: the anchors folder (default DIR/anchors)' });
  format = Option.String('--format', 'json', { description: 'json (urchain-proof/1, default) or tlog-proof (c2sp.org/tlog-proof@v1, needs --data)' });

  async run() {
    if (parseChoice(this.format, '--format', ['json', 'tlog-proof'] as const) === 'tlog-proof') return this.tlogProof();
    const s = await openSource({ data: this.data, node: this.node, store: this.store });
    try {
      const proof: ProofJson & { plaintext?: string } = await s.proof(this.txId, this.stripped, this.countersigned);
      if (this.decryptKey) {
        if (!proof.payload) throw badInput('--decrypt-key needs the payload: leave out --stripped');
        proof.plaintext = toBase64(decryptTier2(fromBase64(proof.payload), readAesKeyFile(this.decryptKey)));
      }
      if (this.anchor) {
        const a = await (await import('./anchor/proof.js')).anchoredProof(proof, { data: this.data, anchors: this.anchors });
        if (!this.file) return this.out(a, (p) => JSON.stringify(p, null, 2));
        fs.writeFileSync(this.file, JSON.stringify(a, null, 2) + '\n');
        return this.out({ txId: proof.txId, path: this.file, height: proof.block.header.height, anchoredSize: a.anchor.size });
      }
      if (this.file) {
        fs.writeFileSync(this.file, JSON.stringify(proof, null, 2) + '\n');
        this.out({ txId: proof.txId, path: this.file, height: proof.block.header.height, stripped: proof.payload === undefined, countersignatures: proof.countersignatures?.length ?? 0 });
      } else this.out(proof, (p) => JSON.stringify(p, null, 2)); // the proof itself, indented on a terminal
    } finally {
      await s.close();
    }
  }

  private async tlogProof() {
    if (!this.data || this.node) throw badInput('--format tlog-proof needs --data DIR (the block\'s path into the checkpoint is computed from the chain)');
    if (this.countersigned || this.decryptKey) throw badInput('--format tlog-proof carries cosignatures instead of --countersigned, and no --decrypt-key plaintext');
    const p = await proveTlog(this.data, this.txId, this.stripped);
    if (!this.file) return void this.write(p.text);
    fs.writeFileSync(this.file, p.text);
    this.out({ txId: this.txId, path: this.file, height: p.height, format: 'tlog-proof', checkpointSize: p.size, cosigned: p.cosigned });
  }
}
