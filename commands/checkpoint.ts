import { Option } from 'clipanion';
import { UrchainCommand, dataOption, nodeOption, parseCount } from './base.js';
import { latestCheckpoint } from './checkpointSource.js';
import { parseNote } from '../src/transparency/note.js';
import { parseCheckpointText } from '../src/transparency/checkpoint.js';
import { toHex } from '../src/codec/bytes.js';

export class CheckpointCommand extends UrchainCommand {
  static override paths = [['checkpoint']];
  static override usage = UrchainCommand.Usage({
    description: "Print the chain's C2SP checkpoint: its history tree head as a signed note",
    details: `
      Prints a c2sp.org/tlog-checkpoint (origin line, tree size, base64 root hash) signed as a c2sp.org/signed-note, as plain text that transparency-log tools read. The tree is the chain's history log: leaf i is the RFC 9162 leaf hash of the hash of the block at height i, so size N covers heights 0 to N-1 (urchain-formats(5), section C2SP checkpoints).

      Only blocks that can no longer be reorganised are covered: the checkpoint stays --depth blocks behind the head. The default is 0 on a proof-of-authority chain with one authority (its head is final) and 6 otherwise.

      With --data the checkpoint is signed here with --key (default DIR/node.key), which must be a chain key: an authority under proof-of-authority, the node's own key under proof-of-work. With --node it is the node's GET /checkpoint, signed by the node's key; both print the same bytes for the same chain and depth. --json prints {origin, size, root, note} with the root in hex, and with --data the signed-note verifier key as verifierKey (what a witness or a trust list names; \`urchain trust export\` prints it too, as checkpointKeys).

      A checkpoint signed here or by the node is remembered in DIR/tlog/signed.json: neither ever signs one that the chain no longer extends.
    `,
    examples: [
      ["A running node's checkpoint", '$0 checkpoint --node http://127.0.0.1:7400'],
      ['From a data folder, 10 blocks behind the head', '$0 checkpoint --data ./plant-a --depth 10 > checkpoint.txt'],
    ],
  });
  data = dataOption();
  node = nodeOption();
  key = Option.String('--key', { description: 'Chain key file that signs (with --data; default DIR/node.key)' });
  depth = Option.String('--depth', { description: 'Cover only blocks this many or more below the head (default: 0 for a one-authority PoA chain, else 6)' });

  async run() {
    const { note, verifierKey } = await latestCheckpoint({ data: this.data, node: this.node, key: this.key, depth: parseCount(this.depth, '--depth') });
    if (!this.json) return void this.write(note);
    const h = parseCheckpointText(parseNote(note).text);
    this.out({ origin: h.origin, size: h.size, root: toHex(h.root), note, ...(verifierKey ? { verifierKey } : {}) });
  }
}
