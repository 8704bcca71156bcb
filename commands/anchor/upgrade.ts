import { Option } from 'clipanion';
import path from 'node:path';
import { UrchainCommand, dataOption, parseDuration } from '../base.js';
import { badInput } from '../../src/errors.js';
import { upgradeAnchors, MAX_ASKED, type UpgradeReport } from '../../src/transparency/otsAnchor.js';
import { PUBLIC_CALENDARS, UPGRADE_WHITELIST } from '../../src/transparency/otsCalendar.js';
import { withAnchorLock } from './lock.js';

export class AnchorUpgradeCommand extends UrchainCommand {
  static override paths = [['anchor', 'upgrade']];
  static override usage = UrchainCommand.Usage({
    description: 'Fetch Bitcoin attestations for pending anchors and make their .ots self-contained',
    details: `
      For every ANCHORS/checkpoint-N.ots that still has a pending attestation, asks that attestation's calendar for the rest of the path (GET /timestamp/COMMITMENT). A calendar that has committed the checkpoint in a Bitcoin block answers with the path to that block's merkle root; it is merged into the .ots and that calendar's pending attestation is dropped, so the file then verifies with Bitcoin block headers alone. Pending attestations of calendars that have not answered yet stay, as the OpenTimestamps convention has it. A calendar usually confirms within a few hours. Files are rewritten atomically.

      Made for cron: run it every hour or so. Exit 0 when every calendar answered (pending or confirmed); exit 1 when one could not be reached, answered something that is not the protocol, or was not asked (named on stderr and under "errors"); an anchor whose .ots cannot be read is reported the same way (calendar "") and the others are still upgraded.

      A .ots names its calendars itself, so not every URI in it is asked: only those whose origin is one of the --calendar URLs given (the only way a calendar on a loopback address is asked), one of the public calendars (${PUBLIC_CALENDARS.join(', ')}), or matches the reference client's whitelist (${UPGRADE_WHITELIST.join(', ')}); at most ${MAX_ASKED} per file. A calendar's answer replaces its pending attestation only when it holds a Bitcoin attestation, and the merged file must read back as a valid .ots before it replaces the old one. One run at a time per anchors folder (the lock ANCHORS/node.pid, as for \`urchain anchor\`).

      The JSON: {"anchors": [{"size", "ots", "upgraded", "bitcoin": [heights], "pending": [calendar URIs], "errors": [{"calendar", "error"}]}], "upgraded", "confirmed", "pending"} (the last three are counts of anchors).

      With --data the anchors are in DIR/anchors; --anchors names another folder.
    `,
    examples: [
      ['Upgrade what a node anchored', '$0 anchor upgrade --data /var/lib/urchain/node'],
      ['Also ask a local calendar the anchors were made with', '$0 anchor upgrade --data /var/lib/urchain/node --calendar http://127.0.0.1:14788'],
      ['A crontab line, every hour at :30', '30 * * * * urchain anchor upgrade --data /var/lib/urchain/node >> /var/log/urchain-anchor.log 2>&1'],
    ],
  });
  data = dataOption();
  anchors = Option.String('--anchors', { description: 'The anchors folder (default DIR/anchors with --data)' });
  calendar = Option.Array('--calendar', { description: 'A calendar that may be asked besides the public ones, repeatable (loopback only this way)' });
  timeout = Option.String('--timeout', '30s', { description: 'Give up on a calendar after this long (default 30s)' });

  async run() {
    const timeoutMs = parseDuration(this.timeout, '--timeout');
    const dir = this.anchors ?? (this.data ? path.join(this.data, 'anchors') : undefined);
    if (!dir) throw badInput('give --data DIR or --anchors DIR');
    const anchors = await withAnchorLock(dir, () => upgradeAnchors(dir, { timeoutMs, calendars: this.calendar ?? [] }));
    const errors = anchors.flatMap((a) => a.errors.map((e) => ({ ...e, size: a.size })));
    for (const e of errors) this.log(`urchain: anchor upgrade: checkpoint ${e.size}: ${e.calendar ? `calendar ${e.calendar}: ` : ''}${e.error}`);
    const summary = { anchors, upgraded: anchors.filter((a) => a.upgraded).length, confirmed: anchors.filter((a) => a.bitcoin.length).length, pending: anchors.filter((a) => !a.bitcoin.length).length };
    this.out(summary, human);
    return errors.length ? 1 : 0;
  }
}

function human(s: { anchors: UpgradeReport[]; upgraded: number }): string {
  if (!s.anchors.length) return 'no anchors yet (run `urchain anchor` first)';
  return s.anchors
    .map((a) => `checkpoint ${a.size}: ${a.bitcoin.length ? `in Bitcoin block ${a.bitcoin[0]}` : 'pending'}${a.upgraded ? ' (upgraded now)' : ''}${a.pending.length ? `, pending at ${a.pending.join(', ')}` : ''}`)
    .join('\n');
}
