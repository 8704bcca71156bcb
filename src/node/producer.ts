/**
 * @module node/producer
 * Makes a block every block time while the pending pool holds transactions: takes the oldest
 * pending ids (up to maxTxs), builds the header on the head, seals it with the consensus
 * plug-in, and adds it through the block tree like any other block.
 */
import type { BlockTree, AddOutcome } from '../chain/blocktree.js';
import type { KeyPair } from '../crypto/ed25519.js';
import type { Pool } from './pool.js';

export const DEFAULT_MAX_BLOCK_TXS = 1_000_000;

export class Producer {
  private timer?: NodeJS.Timeout;
  private busy = false;
  private abort = new AbortController();
  constructor(
    private readonly tree: BlockTree,
    private readonly pool: Pool,
    private readonly key: KeyPair,
    private readonly intervalMs: number,
    private readonly onBlock: (o: AddOutcome[]) => void,
    private readonly onError: (e: Error) => void,
    private readonly maxTxs = DEFAULT_MAX_BLOCK_TXS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  async tick(): Promise<AddOutcome[] | undefined> {
    if (this.busy || this.pool.size === 0) return;
    this.busy = true;
    try {
      const txIds = this.pool.take(this.maxTxs);
      const header = this.tree.nextHeader(txIds, this.key.publicKey);
      const signed = await this.tree.consensus.seal(header, this.key, this.abort.signal);
      const out = await this.tree.add(signed, txIds);
      this.onBlock(out);
      return out;
    } catch (e) {
      if (!this.abort.signal.aborted) this.onError(e as Error);
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
  }
}
