import { Option } from 'clipanion';
import ora from 'ora';
import { UrchainCommand, parseCount } from './base.js';
import { LmdbStore } from '../src/store/lmdb.js';
import { auditAsync, type AuditReport } from '../src/node/audit.js';

export class AuditCommand extends UrchainCommand {
  static override paths = [['audit']];
  static override usage = UrchainCommand.Usage({
    description: 'Re-verify a whole data folder from genesis',
    details: `
      Checks every canonical block (hash, link, history root, seal), Merkle root, transaction id, payload digest, batch signature and index, and every pending transaction, and reports the first inconsistency. Exit 0 when all holds, 1 otherwise (the problem on stdout and one line on stderr). Read-only: safe while a node runs on the folder. On a terminal a spinner shows progress; Ctrl-C (or SIGINT/SIGTERM) stops the audit at once with exit 130.
    `,
    examples: [
      ['Nightly integrity check', '$0 audit --data /var/lib/urchain || mail -s "urchain audit failed" ops@example.com'],
      ['Audit beside a busy node, at most 5,000 transactions a second', '$0 audit --data /var/lib/urchain --rate 5000'],
    ],
  });
  data = Option.String('--data', { required: true, description: 'Data folder to check' });
  rate = Option.String('--rate', { description: 'Check at most this many transactions per second (default: as fast as it goes), to spare a busy node' });

  async run() {
    const rate = parseCount(this.rate, '--rate', 1);
    const store = await LmdbStore.open(this.data, { readOnly: true });
    const tty = (this.context.stderr as NodeJS.WriteStream).isTTY;
    // discardStdin off: ora's raw-mode stdin never starts reading (so Ctrl-C was lost); the terminal's
    // own ^C then sends SIGINT, which the handler below turns into a prompt stop.
    const spinner = tty ? ora({ text: 'auditing', stream: this.context.stderr as NodeJS.WriteStream, discardStdin: false }).start() : undefined;
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let where = '';
    try {
      const r = await auditAsync(store, {
        signal: stop.signal,
        rate,
        onProgress: (p) => {
          where = p.phase === 'blocks' ? `block ${p.done} of ${p.total}` : `pending transaction ${p.done} of ${p.total}`;
          if (spinner) spinner.text = `auditing ${where}`;
        },
      });
      spinner?.stop();
      if (r.interrupted) {
        this.log(`urchain: audit interrupted at ${where || 'the start'}; nothing wrong found up to there`);
        return 130;
      }
      this.out(r, human);
      if (!r.ok) this.log(`urchain: audit failed: ${human(r).slice('FAILED '.length)}`);
      return r.ok ? 0 : 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      spinner?.stop();
      await store.close();
    }
  }
}

function human(x: AuditReport): string {
  return x.ok
    ? `OK: ${x.blocks} blocks, ${x.transactions} transactions, ${x.batches} signatures, ${x.payloads} payloads, ${x.pending} pending`
    : `FAILED at ${x.problem!.height !== undefined ? `height ${x.problem!.height}` : 'pending pool'}${x.problem!.txId ? ` tx ${x.problem!.txId}` : ''}: ${x.problem!.check}: ${x.problem!.message}`;
}
