/**
 * @module contracts/roles
 * Node types are configuration, not code paths (DESIGN decision 7, the paper's Table I). Each type
 * is one `NodeRole` policy object, and intake, network and producer ask it instead of comparing
 * type names:
 *
 *   type      produces blocks   keeps payloads           answers payload fetches
 *   thin      no                its own, until archived   no
 *   producer  yes               its own, until archived   no
 *   archive   no                all                       yes
 *   full      yes               all                       yes
 *
 * Every type keeps every header and every stripped transaction, which is enough to verify.
 * Until the network layer hands payloads to an archive, thin and producer nodes keep the
 * payloads they took in themselves, so a lone node never drops a record. Whether a node
 * countersigns blocks is not a question of its type but of its key: an authority of a
 * proof-of-authority chain countersigns whatever its type.
 */
import { UrchainError } from '../errors.js';

export type NodeType = 'thin' | 'producer' | 'archive' | 'full';
export const NODE_TYPES: readonly NodeType[] = ['thin', 'producer', 'archive', 'full'];

export interface NodeRole {
  readonly type: NodeType;
  /** Seals blocks (when its key may: an authority under proof-of-authority, anyone under proof-of-work). */
  readonly produces: boolean;
  /** Answers payload fetches of peers, so peers send it payloads with the blocks and transactions. */
  readonly servesPayloads: boolean;
  /** The storage filter: does this node keep the payload of a transaction (its own record or another's)? */
  keepsPayload(ownRecord: boolean): boolean;
}

function role(type: NodeType, produces: boolean, keepsAll: boolean): NodeRole {
  return Object.freeze({ type, produces, servesPayloads: keepsAll, keepsPayload: (own: boolean) => keepsAll || own });
}

export const ROLES: Readonly<Record<NodeType, NodeRole>> = Object.freeze({
  thin: role('thin', false, false),
  producer: role('producer', true, false),
  archive: role('archive', false, true),
  full: role('full', true, true),
});

export function isNodeType(x: unknown): x is NodeType {
  return typeof x === 'string' && (NODE_TYPES as readonly string[]).includes(x);
}

/** The policy of a node type; a type that is not one of the four is BAD_INPUT. */
export function nodeRole(type: string, what = '--type'): NodeRole {
  if (!isNodeType(type)) throw UrchainError.BAD_INPUT(`${what} must be one of ${NODE_TYPES.join(', ')}; got ${type}`);
  return ROLES[type];
}

/** The policy of a peer's announced role, or undefined for a role this version does not know. */
export function peerRole(type: string | undefined): NodeRole | undefined {
  return isNodeType(type) ? ROLES[type] : undefined;
}
