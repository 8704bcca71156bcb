import { Option } from 'clipanion';
import { UrchainCommand, humanSize } from './base.js';
import { restoreFolder, type RestoreSummary } from '../src/node/backup.js';

export class RestoreCommand extends UrchainCommand {
  static override paths = [['restore']];
  static override usage = UrchainCommand.Usage({
    description: 'Put a backup back into a data folder',
    details: `
      Reads a backup made by \`urchain backup\` (a folder, or a .tar archive), checks every file against the sizes and SHA-256 digests its backup.json lists, and only then moves the files into the data folder (the store last), synced. The folder is created if missing (mode 0700, files 0600). A backup of a newer store format than this release knows is refused before anything is written; one of an older format is restored as it is, for \`urchain migrate\`.

      Refuses a folder that holds anything (exit 1) unless \`--force\`, which replaces the urchain files in it (chain.lmdb and its lock file, node.key, members.json, and whatever else the backup holds) and leaves other files alone. Refuses while a node runs on the folder: it holds the folder's lock while it writes, so no node can start on a half-restored folder either. \`urchain audit --data DIR\` then re-verifies the restored chain.

      From the first file it moves into the folder to the last, the folder holds the file restore.incomplete: a restore cut short (power loss, kill -9) leaves it, and a node refuses to start on the folder until a restore into it finishes (run it again with --force).

      Prints {"data", "from", "bytes", "ms", "format", "chainId", "height", "files", "replaced"}.
    `,
    examples: [
      ['Restore a backup into a new folder, then check it', 'sudo -u urchain $0 restore --from /backup/urchain-2026-11-25.tar --data /var/lib/urchain/node && $0 audit --data /var/lib/urchain/node'],
      ['Replace a broken folder (its node stopped)', '$0 restore --from ./plant-a.backup --data ./plant-a --force'],
    ],
  });
  from = Option.String('--from', { required: true, description: 'The backup: a folder or a .tar file made by urchain backup' });
  data = Option.String('--data', { required: true, description: 'Data folder to restore into (empty, or --force)' });
  force = Option.Boolean('--force', false, { description: 'Replace the urchain files of a folder that is not empty' });

  async run() {
    this.out(await restoreFolder(this.from, this.data, { force: this.force }), human);
  }
}

function human(r: RestoreSummary): string {
  return `restored ${r.from} into ${r.data}: ${humanSize(r.bytes)} in ${(r.ms / 1000).toFixed(1)} s; store format ${r.format}, height ${r.height}${r.replaced.length ? `; replaced ${r.replaced.join(', ')}` : ''}`;
}
