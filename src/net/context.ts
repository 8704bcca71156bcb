/**
 * @module net/context
 * What the parts of a node's network share. network.ts owns the server, the table of live links
 * and the scores; it hands this one view to the peer table, flooding, sync, backfill and
 * countersigning, so each of them reads the links and reports a bad peer the same way and none
 * reaches into another's state.
 */
import type { KeyPair } from '../crypto/ed25519.js';
import type { NodeRole } from '../contracts/roles.js';
import type { BlockTree, AddOutcome } from '../ledger/blocktree.js';
import type { Store } from '../store/types.js';
import type { MemberList } from './members.js';
import type { Link } from './link.js';

/**
 * The node's pool of pending transactions, as much of it as the network uses (node/pool is the
 * node's; net names only this shape so that it does not import from node, which imports net).
 */
export interface PendingPool {
  add(ids: Iterable<Uint8Array>): void;
  take(n: number): Uint8Array[];
}

export interface NetworkOptions {
  key: KeyPair;
  /** This node's type as a policy: what it keeps, serves and announces. */
  role: NodeRole;
  store: Store;
  tree: BlockTree;
  pool: PendingPool;
  listen?: { host: string; port: number };
  /** HOST:PORT peers should dial (behind NAT or a proxy); default the --listen address. */
  advertise?: string;
  seeds: string[];
  maxLinks?: number;
  members: () => MemberList | undefined;
  adoptMembers: (l: MemberList) => boolean;
  onBlocks: (out: AddOutcome[]) => void;
  /** This node's key is a proof-of-authority authority: it countersigns valid proposals. */
  countersigns?: boolean;
  onEvent: (e: Record<string, unknown>) => void;
}

export interface NetContext {
  readonly o: NetworkOptions;
  /** Live links by the hex key their peer proved. */
  readonly links: ReadonlyMap<string, Link>;
  /** What this node tells peers to dial ('' = none). */
  readonly advertised: string;
  /** True once the network is shutting down. */
  readonly closed: boolean;
  /** Scores the key behind `link` for `e` (net/scoring) and cuts it off when that bans it. */
  punish(link: Link, e: unknown): void;
  /** Handles a message `from` held back until now (its bytes), as if it had just come. */
  deliver(raw: Uint8Array, from: Link): void;
}
