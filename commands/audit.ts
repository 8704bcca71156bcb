import { Option } from 'clipanion';
import ora from 'ora';
import { UrchainCommand } from './base.js';
import { LmdbStore } from '../src/store/lmdb.js';
import { audit } from '../src/node/audit.js';

export class AuditCommand extends UrchainCommand {
  static override paths = [['audit']];
  static override usage = UrchainCommand.Usage({
    description: 'Re-verify a whole data folder from genesis',
    details: `
      Checks every canonical block (hash, link, history root, seal), Merkle root, transaction id, payload digest, batch signature and index, and reports the first inconsistency. Exit 0 when all holds, 1 otherwise. Read-only: safe while a node runs on the folder.
    `,
    examples: [['Nightly integrity check', '$0 audit --data /var/lib/urchain || mail -s "urchain audit failed" ops@example.com']],
  });
  data = Option.String('--data', { required: true, description: 'Data folder to check' });

  async run() {
    const store = await LmdbStore.open(this.data, { readOnly: true });
    const tty = (this.context.stderr as NodeJS.WriteStream).isTTY;
    const spinner = tty ? ora({ text: 'auditing', stream: this.context.stderr as NodeJS.WriteStream }).start() : undefined;
    try {
      const r = audit(store, (h, total) => {
        if (spinner && h % 50 === 0) spinner.text = `auditing block ${h} of ${total}`;
      });
      spinner?.stop();
      this.out(r, (x) =>
        x.ok
          ? `OK: ${x.blocks} blocks, ${x.transactions} transactions, ${x.batches} signatures, ${x.payloads} payloads, ${x.pending} pending`
          : `FAILED at ${x.problem.height !== undefined ? `height ${x.problem.height}` : 'pending pool'}${x.problem.txId ? ` tx ${x.problem.txId}` : ''}: ${x.problem.check}: ${x.problem.message}`,
      );
      return r.ok ? 0 : 1;
    } finally {
      spinner?.stop();
      await store.close();
    }
  }
}
