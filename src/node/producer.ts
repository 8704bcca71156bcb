/**
 * @module node/producer
 * Makes a block every block time while the pending pool holds transactions: takes the oldest
 * pending ids (up to maxTxs), builds the header on the head, seals it with the consensus
 * plug-in, gathers the other authorities' countersignatures when the chain needs k > 1 (over
 * the network), and adds it through the block tree like any other block. A block that does not
 * get its signatures in time is dropped; its transactions stay pending for the next attempt, and
 * so do those of a block the store could not commit (a full disk): nothing in memory moved.
 */
import type { BlockTree, AddOutcome } from '../ledger/blocktree.js';
import type { SignedHeader } from '../chain/header.js';
import type { KeyPair } from '../crypto/ed25519.js';
import type { Pool } from './pool.js';
import type { ChainParams } from '../chain/params.js';
import type { NodeRole } from '../contracts/roles.js';
import { isAuthority } from './init.js';

/** Completes a sealed block with other authorities' signatures (throws when it cannot). */
export type Countersign = (signed: SignedHeader, txIds: Uint8Array[]) => Promise<SignedHeader>;

export const DEFAULT_MAX_BLOCK_TXS = 1_000_000;

/**
 * Whether a node makes blocks: its type produces (the role's policy), and the chain lets its key
 * seal (an authority under proof-of-authority; any key under proof-of-work).
 */
export function sealsBlocks(role: NodeRole, params: ChainParams, key: Uint8Array): boolean {
  return role.produces && isAuthority(params, key);
}

export class Producer {
  private timer?: NodeJS.Timeout;
  /** The tick that runs (stop awaits it); undefined between ticks. */
  private running?: Promise<AddOutcome[] | undefined>;
  private abort = new AbortController();
  private waiting?: { height: number; since: number };
  private lastError?: string;
  constructor(
    private readonly tree: BlockTree,
    private readonly pool: Pool,
    private readonly key: KeyPair,
    private readonly intervalMs: number,
    private readonly onBlock: (o: AddOutcome[]) => void,
    private readonly onError: (e: Error) => void,
    private readonly countersign?: Countersign,
    private readonly maxTxs = DEFAULT_MAX_BLOCK_TXS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  async tick(): Promise<AddOutcome[] | undefined> {
    if (this.running || this.pool.size === 0) return;
    this.running = this.make();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async make(): Promise<AddOutcome[] | undefined> {
    try {
      const c = this.tree.consensus;
      const next = this.tree.head().height + 1;
      // How long this height has waited for a block here: authorities take turns by it.
      if (this.waiting?.height !== next) this.waiting = { height: next, since: Date.now() };
      if (c.mayPropose && !c.mayPropose(this.key.publicKey, next, Date.now() - this.waiting.since, this.intervalMs)) return;
      const txIds = this.pool.take(this.maxTxs);
      const header = await this.tree.proposeHeader(txIds, this.key.publicKey); // hashed in slices
      // A block came in while the root was hashed: some of these may be in it now; next tick.
      if (header.height !== next) return;
      let signed = await c.seal(header, this.key, this.abort.signal);
      if (this.countersign) signed = await this.countersign(signed, txIds);
      const out = await this.tree.add(signed, txIds);
      this.lastError = undefined;
      this.onBlock(out);
      return out;
    } catch (e) {
      // A failure that repeats every tick (a full disk) is reported once, until a block gets through.
      const why = (e as { code?: string }).code === 'STORE' ? 'STORE' : (e as Error).message;
      if (!this.abort.signal.aborted && why !== this.lastError) this.onError(e as Error);
      this.lastError = why;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.running;
  }
}
