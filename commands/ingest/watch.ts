import { Option } from 'clipanion';
import { stopSignal } from '../base.js';
import { SinkCommand, parseMeta } from '../ingestOptions.js';
import { FolderWatcher } from '../../src/ingest/watch.js';
import { sendInBatches } from '../../src/ingest/batch.js';

export class IngestWatchCommand extends SinkCommand {
  static override paths = [['ingest', 'watch']];
  static override streams = true;
  static override usage = SinkCommand.Usage({
    description: 'Send every file that lands in a folder to a node',
    details: `
      For machines that run no node themselves. Each file matching --include is sent once it stops changing and moved to DIR/.done/ only after its receipt came back. Each file carries an idempotency key (name, size, mtime, SHA-256), so a restart neither skips nor duplicates a file. Files that are ready at the same look go out together as one batch (over HTTP a batch request, over Profichain multi-record SUBMIT frames); each is still moved only after its own receipt, and one refused file does not hold up the others. Prints one line per file taken in (JSON when piped or with --json); runs until SIGINT/SIGTERM, or with --once until the folder is empty.

      An empty file (0 bytes) is not taken in: a warning goes to stderr once, the file stays in DIR, and it is taken in once it has content (a writer that creates the file first and fills it later is not cut short). --allow-empty takes empty files in as empty records. A skipped empty file does not make --once exit 1.
    `,
    examples: [
      ['Ship CSV exports to the plant node', "$0 ingest watch /srv/exports --node http://10.0.0.5:7400 --include '*.csv' --meta machine=mill-2"],
      ['From cron: take in what is there, then exit', '$0 ingest watch /srv/exports --node http://127.0.0.1:7400 --once'],
      ['Thousands of small files a minute, over Profichain (files ready together share frames)', "$0 ingest watch /srv/samples --profichain 127.0.0.1:7600 --include '*.json'"],
    ],
  });
  dir = Option.String({ required: true, name: 'DIR' });
  include = Option.String('--include', '*', { description: 'Glob of file names (default *)' });
  meta = Option.Array('--meta', { description: 'Metadata key=value added to every record, repeatable' });
  kind = Option.String('--kind', { description: 'Record kind (default record)' });
  once = Option.Boolean('--once', false, { description: 'Take in the files present now, then exit' });
  allowEmpty = Option.Boolean('--allow-empty', false, { description: 'Take in empty files (0 bytes) as empty records instead of leaving them' });

  async run() {
    const client = this.openSink();
    let errors = 0;
    const w = new FolderWatcher({
      dir: this.dir,
      include: this.include,
      kind: this.kind,
      meta: parseMeta(this.meta),
      allowEmpty: this.allowEmpty,
      submit: (r) => client.submit(r),
      submitBatch: (recs) => sendInBatches(client.submitBatch, recs),
      onFile: (f) => this.emit({ file: f.file, movedTo: f.movedTo, ...f.receipt }, human),
      onError: (file, e) => {
        errors++;
        this.log(`urchain: ${file}: ${e.message}`);
      },
      onSkip: (file, e) => this.log(`urchain: warning: ${file}: ${e.message}; left in place`),
    });
    if (this.once) {
      // Two looks make every present file count as settled; a third picks up retries.
      for (let i = 0; i < 3; i++) await w.scan();
      await client.close();
      return errors ? 1 : 0;
    }
    const signal = stopSignal();
    w.start();
    await signal.stopped;
    await w.close();
    await client.close();
  }
}

function human(f: { file: string; movedTo: string; txId: string; duplicate?: boolean }): string {
  return `${f.file} -> ${f.movedTo}  ${f.txId}${f.duplicate ? ' (taken in before)' : ''}`;
}
