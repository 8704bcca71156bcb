/**
 * @module node/types
 * Node types are configuration, not code paths (DESIGN decision 7, the paper's Table I):
 *
 *   type      produces blocks   keeps payloads           answers payload fetches
 *   thin      no                its own, until archived   no
 *   producer  yes               its own, until archived   no
 *   archive   no                all                       yes
 *   full      yes               all                       yes
 *
 * Every type keeps every header and every stripped transaction, which is enough to verify.
 * Until the network layer hands payloads to an archive, thin and producer nodes keep the
 * payloads they took in themselves, so a lone node never drops a record.
 */
export type NodeType = 'thin' | 'producer' | 'archive' | 'full';
export const NODE_TYPES: readonly NodeType[] = ['thin', 'producer', 'archive', 'full'];

export interface NodeRole {
  produces: boolean;
  keepsAllPayloads: boolean;
  servesPayloads: boolean;
}

export const ROLES: Record<NodeType, NodeRole> = {
  thin: { produces: false, keepsAllPayloads: false, servesPayloads: false },
  producer: { produces: true, keepsAllPayloads: false, servesPayloads: false },
  archive: { produces: false, keepsAllPayloads: true, servesPayloads: true },
  full: { produces: true, keepsAllPayloads: true, servesPayloads: true },
};

/** The storage filter: does this node keep the payload of a transaction? */
export function keepsPayload(type: NodeType, ownRecord: boolean): boolean {
  return ROLES[type].keepsAllPayloads || ownRecord;
}

export interface NodeEvent {
  event: 'started' | 'record' | 'block' | 'reorg' | 'file' | 'error' | 'stopped' | 'link' | 'unlink' | 'link-refused' | 'bad-peer' | 'sync' | 'synced' | 'members' | 'peer-error';
  [k: string]: unknown;
}
