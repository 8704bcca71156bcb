import { Option } from 'clipanion';
import { UrchainCommand } from './base.js';
import { migrateFolder } from '../src/node/migrate.js';
import type { MigrationReport } from '../src/store/format.js';

export class MigrateCommand extends UrchainCommand {
  static override paths = [['migrate']];
  static override usage = UrchainCommand.Usage({
    description: "Bring a data folder's store to this release's format",
    details: `
      A data folder records its store format. A node, and every command that opens the store, refuses a folder of a newer format (another release wrote it: run that one) and a folder of an older format, naming both versions; only this command upgrades an older one, never a node by itself. It runs each step of the migration table in one durable commit that also records the new format, so a migration cut short resumes where it stopped, and a second run does nothing. A folder without a recorded format (written before formats were recorded) holds format 1. This release writes format 5 (each record once, under a sequential record number, and no random-key write when a record is taken in: recent txIds are flushed later into sorted runs of the txId index, written and merged in order; a block writes the runs of record numbers it holds, not a row per record; urchain-formats(5), LMDB STORE): step 1→2 rewrites the records of a format-1 folder in one transaction, so stop the node, and take an \`urchain backup\` first; the folder needs free space for a second copy of its records while the step runs. Step 2→3 only adds an empty bucket and takes a moment. Step 3→4 reads every block location into runs and drops the per-record location and pool rows, in one transaction: about a minute for ten million records. Step 4→5 creates two empty buckets, records where the recent records begin and drops the bucket that listed them; the txId index format 4 built stays as it is and is only read from then on, so nothing is rewritten.

      Refuses while a node runs on the folder (it holds the folder's lock while it writes). Take a backup first (\`urchain backup\`). Prints {"data", "from", "to", "steps": [{"from", "to", "about"}], "stamped"}; exit 0 also when there was nothing to do.
    `,
    examples: [['After upgrading urchain, with the node stopped', 'sudo -u urchain $0 backup --data /var/lib/urchain/node --out /backup/before-upgrade.tar && sudo -u urchain $0 migrate --data /var/lib/urchain/node']],
  });
  data = Option.String('--data', { required: true, description: 'Data folder to migrate (no node may run on it)' });

  async run() {
    this.out(await migrateFolder(this.data), human);
  }
}

function human(r: MigrationReport & { data: string }): string {
  if (r.steps.length) return `migrated ${r.data} from store format ${r.from} to ${r.to}: ${r.steps.map((s) => `${s.from}→${s.to} ${s.about}`).join('; ')}`;
  if (r.stamped) return `${r.data} holds store format ${r.to} (it held no version, and now records it); nothing else to do`;
  return `${r.data} holds store format ${r.to}, this release's: nothing to do`;
}
