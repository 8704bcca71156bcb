/**
 * @module contracts/blockView
 * A block as the node's API answers it (GET /v1/blocks/:ref) and its clients read it: node/query
 * builds it, global/entangle reads the head's from a node. One shape, below both.
 */
import type { headerToJson } from '../chain/header.js';

export interface BlockView {
  hash: string;
  height: number;
  canonical: boolean;
  header: ReturnType<typeof headerToJson>;
  signatures: { key: string; sig: string }[];
  work: string;
  txIds?: string[];
}
