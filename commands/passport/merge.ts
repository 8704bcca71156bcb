import { Option } from 'clipanion';
import fs from 'node:fs';
import { UrchainCommand, humanSize } from '../base.js';
import { mergePassports } from '../../src/proof/passportVerify.js';
import { passportText } from '../../src/proof/passport.js';

export class PassportMergeCommand extends UrchainCommand {
  static override paths = [['passport', 'merge']];
  static override usage = UrchainCommand.Usage({
    description: "Join the passports of several companies into one history of the item",
    details: `
      Reads each passport strictly (format and canonical form) and writes one passport holding all their records: one history of the item across companies and chains, verifiable as a whole with \`urchain verify\`. A record or block that two passports share is kept once (with its payload if either has it); chains stay apart, each with its own parameters, blocks and trust entry.

      Order: records are sorted by their block's time, then chain id, height and index, so one chain's records stay in chain order and the companies' records interleave by time (urchain-formats(5), PASSPORT FILE). Merging is order-free and idempotent: merge A B, merge B A and merge (merge A B) A write the same bytes.

      Passports that disagree are refused (exit 1, CONFLICT): two different blocks at one height of a chain (forks) or two different records at one place.
    `,
    examples: [['Parts maker and assembler', '$0 passport merge parts.passport.json assembly.passport.json --out sn-4711.passport.json']],
  });
  files = Option.Rest({ required: 2, name: 'PASSPORT' });
  file = Option.String('--out,-o', { description: 'Write the merged passport to this file instead of stdout' });

  async run() {
    const texts = await Promise.all(this.files.map(async (f) => (await this.readInput(f, 'passport')).toString('utf8')));
    const merged = mergePassports(texts);
    const text = passportText(merged);
    if (!this.file) return void this.write(text);
    fs.writeFileSync(this.file, text);
    const out = { path: this.file, items: merged.items, records: merged.records.length, chains: merged.chains.length, bytes: Buffer.byteLength(text) };
    this.out(out, (x) => `${x.path}: ${x.records} record(s) of ${x.items.join(', ')} from ${x.chains} chain(s), ${humanSize(x.bytes)}`);
  }
}
