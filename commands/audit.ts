import { Option } from 'clipanion';
import ora from 'ora';
import { UrchainCommand, parseCount } from './base.js';
import { openStore } from '../src/store/open.js';
import { storeOption } from './storeOption.js';
import { UrchainError } from '../src/errors.js';
import { auditAsync, type AuditReport } from '../src/node/audit.js';

export class AuditCommand extends UrchainCommand {
  static override paths = [['audit']];
  static override usage = UrchainCommand.Usage({
    description: 'Re-verify a whole data folder (or PostgreSQL store) from genesis',
    details: `
      Checks every canonical block (hash, link, history root, seal), Merkle root, transaction id, payload digest, batch signature and index, and every pending transaction, and reports the first inconsistency. Exit 0 when all holds, 1 otherwise (the problem on stdout and one line on stderr). Read-only: safe while a node runs on the folder. With \`--store postgres://…\` the same checks run on the rows of that database, which is trusted for nothing: a row changed by hand fails a check. On a terminal a spinner shows progress (\`block N of M\`, records checked per second); Ctrl-C (or SIGINT/SIGTERM) stops the audit at once with exit 130.

      With \`--json\` a long audit also prints progress as JSON lines, at most one a second, before the result line: {"event": "progress", "phase": "blocks" or "pending", "done", "total", "rate"}, where done and total count blocks (or pending transactions) and rate is the transactions checked per second so far. The result is always the last line; a script that wants only it reads the last line (\`| tail -n1\`). Without \`--json\`, piped output is the result alone.
    `,
    examples: [
      ['Nightly integrity check', '$0 audit --data /var/lib/urchain/node || mail -s "urchain audit failed" ops@example.com'],
      ['Audit beside a busy node, at most 5,000 transactions a second', '$0 audit --data /var/lib/urchain/node --rate 5000'],
      ['A chain kept in PostgreSQL: trusts none of its rows (password from ~/.pgpass)', '$0 audit --store postgres://urchain@db.example.com:5432/plant_a'],
      ['Progress lines for a monitor, then the result', '$0 audit --data /var/lib/urchain/node --json | tee audit.jsonl | tail -n1'],
    ],
  });
  data = Option.String('--data', { description: 'Data folder to check' });
  store = storeOption('Check');
  rate = Option.String('--rate', { description: 'Check at most this many transactions per second (default: as fast as it goes), to spare a busy node' });

  async run() {
    const rate = parseCount(this.rate, '--rate', 1);
    if (!this.data === !this.store) throw UrchainError.BAD_INPUT('give one of --data DIR or --store postgres://USER@HOST:PORT/DB');
    const store = await openStore({ data: this.data, store: this.store }, { readOnly: true });
    const tty = (this.context.stderr as NodeJS.WriteStream).isTTY;
    // discardStdin off: ora's raw-mode stdin never starts reading (so Ctrl-C was lost); the terminal's
    // own ^C then sends SIGINT, which the handler below turns into a prompt stop.
    const spinner = tty ? ora({ text: 'auditing', stream: this.context.stderr as NodeJS.WriteStream, discardStdin: false }).start() : undefined;
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let where = '';
    const started = Date.now();
    let lastLine = started;
    try {
      const r = await auditAsync(store, {
        signal: stop.signal,
        rate,
        onProgress: (p) => {
          const now = Date.now();
          const perSecond = Math.round((p.records * 1000) / Math.max(1, now - started));
          where = p.phase === 'blocks' ? `block ${p.done} of ${p.total}` : `pending transaction ${p.done} of ${p.total}`;
          if (spinner) spinner.text = `auditing ${where}, ${perSecond.toLocaleString('en-US')} records/s`;
          // Explicit --json only: a pipe without it gets the one result document it always got.
          if (this.json && now - lastLine >= PROGRESS_EVERY_MS) {
            lastLine = now;
            this.emit({ event: 'progress', phase: p.phase, done: p.done, total: p.total, rate: perSecond }, () => '');
          }
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

/** At most one progress line a second under --json. */
const PROGRESS_EVERY_MS = 1000;

function human(x: AuditReport): string {
  return x.ok
    ? `OK: ${x.blocks} blocks, ${x.transactions} transactions, ${x.batches} signatures, ${x.payloads} payloads, ${x.pending} pending`
    : `FAILED at ${x.problem!.height !== undefined ? `height ${x.problem!.height}` : 'pending pool'}${x.problem!.txId ? ` tx ${x.problem!.txId}` : ''}: ${x.problem!.check}: ${x.problem!.message}`;
}
