import { Option } from 'clipanion';
import fs from 'node:fs';
import path from 'node:path';
import { UrchainCommand, dataOption, nodeOption, humanSize } from '../base.js';
import { openSource } from '../../src/node/source.js';
import { collectPassport } from '../../src/passport/collect.js';
import { passportText } from '../../src/proof/passport.js';
import { parseTrustList } from '../../src/proof/trust.js';
import { badInput } from '../../src/errors.js';
import { writeVerifierPage } from './render.js';

export class PassportCommand extends UrchainCommand {
  static override paths = [['passport']];
  static override usage = UrchainCommand.Usage({
    description: "Write an item's passport: every record of it, each with its proof, in one file",
    details: `
      Finds every record of CODE in a block (the product index \`urchain trace\` reads; records still waiting for a block are left out and counted as "pending") and writes one urchain-passport/1 file (urchain-formats(5), PASSPORT FILE): the records in chain order, each with its batch evidence and Merkle path, the block headers and their signatures stored once and shared between records, the chain parameters, and a trust-list entry per chain naming the keys that signed the records. \`urchain verify PASSPORT --trust FILE\` checks it offline and prints the item's timeline.

      --countersigned adds partners' countersignatures to every block a partner has countersigned (see urchain-entangle-push(1)); blocks no partner has countersigned yet go in without. --stripped leaves every payload out: the digests still verify, so confidential data need not leave the company.

      Without --out the passport goes to stdout. --html FILE also writes one self-contained HTML page that verifies the passport when opened (from file://, with no network: its Content-Security-Policy forbids every connection), shows each check and the timeline, and takes another proof, passport or trust file dropped on it; --trust FILE embeds the trust list the page checks against (without it the page checks consistency only and says so).

      Passports of several companies join with \`urchain passport merge\`.
    `,
    examples: [
      ['The passport of one serial number', '$0 passport SN-4711 --node http://127.0.0.1:7400 --countersigned --out sn-4711.passport.json'],
      ['Without confidential payloads, as a page for the customer', '$0 passport SN-4711 --data ./plant-a --stripped --out sn-4711.passport.json --html sn-4711.html --trust plant-a.trust.json'],
    ],
  });
  code = Option.String({ required: true, name: 'CODE' });
  data = dataOption();
  node = nodeOption();
  countersigned = Option.Boolean('--countersigned', false, { description: "Add partners' countersignatures where a partner has countersigned a block" });
  stripped = Option.Boolean('--stripped', false, { description: 'Leave the payloads out; the passport carries their digests' });
  file = Option.String('--out,-o', { description: 'Write the passport to this file instead of stdout' });
  html = Option.String('--html', { description: 'Also write a self-contained HTML page that verifies the passport in a browser' });
  trust = Option.String('--trust', { description: 'Trust list JSON to embed in the --html page' });

  async run() {
    if (this.trust && !this.html) throw badInput('--trust is the trust list the --html page checks against: give --html FILE with it');
    const trustText = this.trust ? (await this.readInput(this.trust, 'trust list')).toString('utf8') : undefined;
    if (trustText !== undefined) parseTrustList(trustText, `trust list ${this.trust}`); // refuse a bad list before any work
    const s = await openSource({ data: this.data, node: this.node });
    let c: Awaited<ReturnType<typeof collectPassport>>;
    try {
      c = await collectPassport(s, this.code, { countersigned: this.countersigned, stripped: this.stripped });
    } finally {
      await s.close();
    }
    const text = passportText(c.passport);
    if (this.file) fs.writeFileSync(this.file, text);
    let htmlBytes: number | undefined;
    if (this.html) {
      const name = this.file ? path.basename(this.file) : `${this.code}.passport.json`;
      htmlBytes = await writeVerifierPage(this.html, { kind: 'passport', name, text, trust: trustText !== undefined ? { name: path.basename(this.trust!), text: trustText } : null });
    }
    if (!this.file && !this.html) return void this.write(text); // the passport itself, as its one byte form
    const summary = {
      item: this.code,
      records: c.passport.records.length,
      pending: c.pending,
      chains: c.passport.chains.length,
      blocks: c.passport.chains.reduce((n, x) => n + x.blocks.length, 0),
      countersigned: c.countersigned,
      stripped: this.stripped,
      bytes: Buffer.byteLength(text),
      ...(this.file ? { path: this.file } : {}),
      ...(this.html ? { html: this.html, htmlBytes } : {}),
    };
    this.out(summary, (x) =>
      [
        `${x.item}: ${x.records} record(s) from ${x.blocks} block(s)${x.pending ? `, ${x.pending} pending (left out)` : ''}${x.countersigned ? `, ${x.countersigned} countersigned` : ''}${x.stripped ? ', payloads left out' : ''}`,
        ...(x.path ? [`passport  ${x.path} (${humanSize(x.bytes)})`] : []),
        ...(x.html ? [`page      ${x.html} (${humanSize(x.htmlBytes)})`] : []),
      ].join('\n'),
    );
  }
}
