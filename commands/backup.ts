import { Option } from 'clipanion';
import ora from 'ora';
import { UrchainCommand, stopSignal, humanSize } from './base.js';
import { backupFolder, type BackupSummary, type BackupProgress } from '../src/node/backup.js';

export class BackupCommand extends UrchainCommand {
  static override paths = [['backup']];
  static override usage = UrchainCommand.Usage({
    description: 'Copy a data folder consistently, while its node runs',
    details: `
      Copies the store with LMDB itself, from one read transaction: the copy is the store as of one commit (every receipt given before the backup started is in it), and the running node goes on writing (LMDB holds its writer only while it copies the two meta pages at the start; with --compact not at all). A plain \`cp -r\` of a live folder can catch LMDB between two writes and is not a backup. Beside the store (chain.lmdb) the backup holds every other file of the folder and its sub-folders, under their relative paths, which is what a node needs to run again (node.key, members.json, tlog/signed.json — the last C2SP checkpoint the chain signed, without which a restored node could sign one inconsistent with it —, tlog/cosigned/, anchors/, ...), and nothing transient (not the lock node.pid, LMDB's lock file or temporary files). A store of any format is copied as it is, so a folder can be backed up before \`urchain migrate\`.

      \`--out DIR\` makes a new folder; \`--out FILE.tar\` (a name ending in .tar) makes one POSIX tar archive of the same files, which \`tar -tvf\` lists. Either way the last file, backup.json, lists each file with its size and SHA-256, the store format, chain id and height, and the backup appears under its name only once it is complete and synced (it is built as OUT.partial-*, which Ctrl-C, SIGINT or SIGTERM removes again, with exit 130). \`--out\` must not exist. While it runs the backup needs room for the copy of the store, and for a .tar the same again.

      Prints {"out", "kind", "bytes", "ms", "format", "chainId", "height", "files": [{"name", "bytes", "sha256"}]}; on a terminal, progress on stderr and one line. \`urchain restore\` puts a backup back.
    `,
    examples: [
      ['Nightly, beside the running node', 'sudo -u urchain $0 backup --data /var/lib/urchain/node --out /backup/urchain-$(date +%F).tar'],
      ['Into a folder, compacted', '$0 backup --data ./plant-a --out ./plant-a.backup --compact'],
    ],
  });
  data = Option.String('--data', { required: true, description: 'Data folder to back up (a node may be running on it)' });
  to = Option.String('--out', { required: true, description: 'New folder, or a file ending in .tar, to write the backup to' });
  compact = Option.Boolean('--compact', false, { description: 'Leave free pages out of the store copy: smaller, slower' });

  async run() {
    const tty = (this.context.stderr as NodeJS.WriteStream).isTTY;
    const spinner = tty ? ora({ text: 'backing up', stream: this.context.stderr as NodeJS.WriteStream, discardStdin: false }).start() : undefined;
    const stop = new AbortController();
    const { stopped, off } = stopSignal();
    void stopped.then(() => stop.abort());
    try {
      const r = await backupFolder(this.data, this.to, { compact: this.compact, signal: stop.signal, onProgress: spinner && ((p) => (spinner.text = progressText(p))) });
      spinner?.stop();
      this.out(r, human);
    } catch (e) {
      if (!stop.signal.aborted) throw e;
      spinner?.stop();
      this.log(`urchain: backup stopped; nothing was written to ${this.to}`);
      return 130;
    } finally {
      off();
      spinner?.stop();
    }
  }
}

const PHASES = { copy: 'copying the store', hash: 'checking', archive: 'archiving' } as const;

function progressText(p: BackupProgress): string {
  return `${PHASES[p.phase]}: ${humanSize(p.bytes)} of ${p.phase === 'copy' ? '~' : ''}${humanSize(p.total)}`;
}

function human(r: BackupSummary): string {
  return `backed up to ${r.out} (${r.kind === 'tar' ? 'tar archive' : 'folder'}): ${humanSize(r.bytes)} in ${(r.ms / 1000).toFixed(1)} s; store format ${r.format}, height ${r.height}, files ${r.files.map((f) => f.name).join(', ')}`;
}
