import { Option } from 'clipanion';
import path from 'node:path';
import { UrchainCommand, dataOption, nodeOption, parseCount, parseDuration } from './base.js';
import { badInput } from '../src/errors.js';
import { anchorCheckpoint, MIN_CALENDARS, type AnchorReport } from '../src/transparency/otsAnchor.js';
import { withAnchorLock } from './anchor/lock.js';
import { PUBLIC_CALENDARS } from '../src/transparency/otsCalendar.js';
import { latestCheckpoint } from './checkpointSource.js';

export class AnchorCommand extends UrchainCommand {
  static override paths = [['anchor']];
  static override usage = UrchainCommand.Usage({
    description: "Anchor the chain's latest checkpoint in Bitcoin through OpenTimestamps calendars",
    details: `
      Takes the chain's latest C2SP checkpoint (as \`urchain checkpoint\` prints it: only final blocks), and submits the SHA-256 of its text to OpenTimestamps calendars (the calendar protocol: POST /digest). Each calendar aggregates the digests it gets and, within hours, commits to them in a Bitcoin transaction. The checkpoint and the pending proof are stored as ANCHORS/checkpoint-N.note and ANCHORS/checkpoint-N.ots (N: the tree size), an OpenTimestamps .ots file byte for byte; \`urchain anchor upgrade\` later fetches the Bitcoin attestation and makes the .ots self-contained. Formats: urchain-formats(5), OPENTIMESTAMPS ANCHOR; what an anchor proves: urchain-security(7).

      The calendars, each given with --calendar (repeatable), default to the public OpenTimestamps calendars the reference client uses: ${PUBLIC_CALENDARS.join(', ')}. Give at least two: a calendar that disappears before it confirms takes its pending attestations with it. Plain http is accepted only for a calendar on a loopback address.

      Made for cron, like \`entangle push\`: idempotent (a checkpoint already anchored is not sent again, unless fewer than two of the calendars took it and Bitcoin does not hold it yet: then it is sent again to the calendars given). Exit 0 when at least two calendars hold the checkpoint (or Bitcoin does); exit 1 when fewer did (also when only one --calendar is given: one calendar is never redundant, and a warning says so), the .ots is still written with what the others answered, and each failed calendar is named on stderr and in the JSON ("calendars": [{"url", "ok", "error"}]); exit 1 with nothing written when no calendar answered.

      The JSON: {"size", "origin", "digest" (hex SHA-256 of the checkpoint text), "note", "ots" (the two files), "submitted" (false when it was anchored before), "calendars": [{"url", "ok", "error"}], "bitcoin": [heights], "pending": [calendar URIs], "redundant"}.

      One run at a time per anchors folder: a run takes the lock ANCHORS/node.pid (a stale one, whose process is gone, is taken over), and a second run meanwhile exits 1 (CONFLICT). A checkpoint note already in the folder with another text for the same size is refused (CONFLICT), with or without its .ots.

      With --data the checkpoint is signed here with --key (default DIR/node.key) and the anchors go to DIR/anchors. With --node it is the node's GET /checkpoint, and --anchors names the folder (required).
    `,
    examples: [
      ['Anchor through the public calendars', '$0 anchor --data /var/lib/urchain/node'],
      ['A crontab line, every hour', '0 * * * * urchain anchor --data /var/lib/urchain/node >> /var/log/urchain-anchor.log 2>&1'],
      ["A running node's checkpoint, two chosen calendars", '$0 anchor --node http://127.0.0.1:7400 --anchors ./anchors --calendar https://a.pool.opentimestamps.org --calendar https://b.pool.opentimestamps.org'],
    ],
  });
  data = dataOption();
  node = nodeOption();
  calendar = Option.Array('--calendar', { description: 'OpenTimestamps calendar URL, repeatable (default: the public calendars)' });
  anchors = Option.String('--anchors', { description: 'Folder for checkpoint-N.note and checkpoint-N.ots (default DIR/anchors with --data)' });
  key = Option.String('--key', { description: 'Chain key file that signs the checkpoint (with --data; default DIR/node.key)' });
  depth = Option.String('--depth', { description: 'Checkpoint only blocks this many or more below the head (default as for `urchain checkpoint`)' });
  timeout = Option.String('--timeout', '30s', { description: 'Give up on a calendar after this long (default 30s)' });

  async run() {
    const depth = parseCount(this.depth, '--depth');
    const timeoutMs = parseDuration(this.timeout, '--timeout');
    const dir = this.anchors ?? (this.data ? path.join(this.data, 'anchors') : undefined);
    if (!dir && this.node) throw badInput('with --node give --anchors DIR: the folder the anchors are kept in');
    const { note } = await latestCheckpoint({ data: this.data, node: this.node, key: this.key, depth });
    const calendars = this.calendar?.length ? this.calendar : PUBLIC_CALENDARS;
    const r = await withAnchorLock(dir!, () => anchorCheckpoint(note, dir!, calendars, { timeoutMs }));
    for (const c of r.calendars) if (!c.ok) this.log(`urchain: anchor: calendar ${c.url}: ${c.error}`);
    this.out(r, human);
    if (!r.redundant)
      this.log(
        new Set(calendars).size < MIN_CALENDARS
          ? `urchain: anchor: checkpoint ${r.size} is held by ${r.pending.length} calendar(s), not redundant: give at least ${MIN_CALENDARS} --calendar (a calendar that disappears takes its pending attestations with it)`
          : `urchain: anchor: only ${r.pending.length} calendar(s) hold checkpoint ${r.size}; run again to send it to the others`,
      );
    return r.redundant ? 0 : 1;
  }
}

function human(r: AnchorReport): string {
  const state = r.bitcoin.length ? `in Bitcoin block ${r.bitcoin[0]}` : `pending at ${r.pending.length} calendar(s)`;
  const what = r.submitted ? `anchored checkpoint ${r.size}` : `checkpoint ${r.size} was anchored before`;
  return [`${what} (${r.origin}): ${state}`, `digest    ${r.digest}`, `files     ${r.note}, ${r.ots}`, ...r.calendars.map((c) => `calendar  ${c.url}: ${c.ok ? 'ok' : c.error}`)].join('\n');
}
