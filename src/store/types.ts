/**
 * @module store/types
 * The storage interface (DESIGN decision 6): everything a node keeps, behind one interface, so
 * a backend other than LMDB can be plugged in. Buckets, each `key -> value` (names, key and
 * value encodings in store/buckets.ts):
 *
 *   meta      name (text)               -> bytes (params, head, seq, format: store/format.ts)
 *   blocks    blockHash                 -> StoredBlock (header, signatures, cumulative work, frontier)
 *   bodies    blockHash                 -> txId || txId || ...
 *   heights   height (canonical chain)  -> blockHash
 *   records   record number             -> one record: txId, core bytes, batch root, index in
 *                                          batch, and its payload (only where the storage filter
 *                                          keeps it); numbers are given in arrival order
 *   recordnumbers txId                  -> record number, for records formats 3 and 4 merged
 *                                          into it (format 5 reads it, never writes it)
 *   txruns    run id, block index       -> sorted txId || record number entries: the runs the
 *                                          recent ids (the records from meta `recentfrom` on,
 *                                          store/recentNumbers.ts) are flushed into and merged
 *                                          (format 5, store/txRuns.ts); txfences holds each
 *                                          block's first 8 bytes, meta `txruns` the live runs.
 *                                          Every read by txId goes through the recent ids, the
 *                                          runs or recordnumbers.
 *   batches   batchRoot                 -> StoredBatch (origin, signature, txIds)
 *   placedruns record number            -> where the canonical chain holds a run of records
 *                                          numbered consecutively from it (height, index of
 *                                          the first, count; format 4, store/placedRuns.ts).
 *                                          The pool is every record from meta `pendingfrom`
 *                                          on that no run holds, in arrival order.
 *   products  identifier key            -> txId (many): a record's product code and every
 *                                          identifier its core names (epcis/meta.ts), one row each
 *   idem      client idempotency key    -> txId: `client:<key>` for keys clients send (file
 *                                          identity, HTTP/Profichain keys; stores from before
 *                                          the prefix hold them bare)
 *   entangle  entanglement key          -> txId: `entangle:<signer>:<height>` and
 *                                          `countersign:<height>:<chain>`, derived by the node
 *                                          from verified entanglement records (node/idem.ts);
 *                                          they double as those records' idempotency keys.
 *                                          Stores written before this bucket kept them in idem:
 *                                          opened for writing, they move here in one commit.
 *   levels    blockHash                 -> every level of the tree over the roots of the
 *                                          block's aligned 256-txId chunks, bottom-up (chunk
 *                                          roots first; merkle/chunks.ts), for blocks of more
 *                                          than 256 txIds: a proof reads one chunk of the body
 *                                          and log(n/256) nodes. Blocks stored before this
 *                                          bucket have no row: proofs rebuild from the body.
 *
 * (That is the LMDB store's format 4; a backend keeps the same contents its own way: PostgreSQL
 * in tables, store/postgresSchema.ts.)
 *
 * Writes come in two atomic groups, each durable when its promise resolves: an ingest commit and
 * a block commit (which may move the canonical chain). Each is all or nothing: a commit that
 * fails (a full disk, a key too long for the index) rejects and leaves every bucket as it was.
 */
import type { SignedHeader } from '../chain/header.js';
import type { ChainParams } from '../chain/params.js';

export interface StoredBlock {
  signed: SignedHeader;
  work: bigint;
  /** Frontier of the history tree over block hashes 0..height of this branch (inclusive). */
  frontier: Uint8Array[];
}

export interface StoredTx {
  coreBytes: Uint8Array;
  batchRoot: Uint8Array;
  index: number;
}

export interface StoredBatch {
  origin: Uint8Array;
  signature: Uint8Array;
  txIds: Uint8Array[];
}

export interface TxLocation {
  blockHash: Uint8Array;
  height: number;
  index: number;
}

export interface Head {
  hash: Uint8Array;
  height: number;
}

export interface IngestTx {
  txId: Uint8Array;
  coreBytes: Uint8Array;
  index: number;
  payload?: Uint8Array;
  product?: string;
  /**
   * Further index keys of the record besides `product` (normalised identifiers: the `id.NNNN`
   * entries and the EPCIS hash id of its core's metadata, epcis/meta.ts `indexOf`): one products
   * row each, all derived from the signed core so every node and `audit` agree.
   */
  identifiers?: string[];
  /** A client key (`client:…`, to idem) or an entanglement key the node derived (to entangle). */
  idemKey?: string;
}

export interface IngestWrite {
  batchRoot: Uint8Array;
  batch: StoredBatch;
  txs: IngestTx[];
  /**
   * This node's own counter after the batch; absent for batches received from peers. A batch
   * with `seq` is the node's own, its cores numbered above every seq stored: its records are new,
   * and a store may skip looking for them on disk (the LMDB store does).
   */
  seq?: number;
}

export interface ChainMove {
  /** Blocks leaving the canonical chain, tip first. */
  disconnect: { hash: Uint8Array; height: number; txIds: Uint8Array[] }[];
  /** Blocks joining it, lowest first. */
  connect: { hash: Uint8Array; height: number; txIds: Uint8Array[] }[];
  head: Head;
  /** Transactions of disconnected blocks that no connected block holds: back to pending. */
  repending: Uint8Array[];
}

export interface BlockWrite {
  hash: Uint8Array;
  block: StoredBlock;
  txIds: Uint8Array[];
  /** The block's `levels` row (merkle/chunks.ts) when the caller has it already (the block tree does); else the store computes it. */
  levels?: Uint8Array;
  move?: ChainMove;
}

export interface Store {
  readonly path: string;
  readonly readOnly: boolean;
  getParams(): ChainParams | undefined;
  head(): Head | undefined;
  getBlock(hash: Uint8Array): StoredBlock | undefined;
  getBody(hash: Uint8Array): Uint8Array[] | undefined;
  /** The txIds [from, to) of a block's body, reading no more than that; a backend without it is read through getBody. */
  getBodySlice?(hash: Uint8Array, from: number, to: number): Uint8Array[] | undefined;
  /** The block's `levels` row (merkle/chunks.ts), absent for small blocks and blocks stored before it; a backend without it rebuilds. */
  blockLevels?(hash: Uint8Array): Uint8Array | undefined;
  hashAt(height: number): Uint8Array | undefined;
  getTx(txId: Uint8Array): StoredTx | undefined;
  hasTx(txId: Uint8Array): boolean;
  getBatch(root: Uint8Array): StoredBatch | undefined;
  getPayload(txId: Uint8Array): Uint8Array | undefined;
  location(txId: Uint8Array): TxLocation | undefined;
  pending(): Uint8Array[];
  /** Every transaction indexed under an identifier key (a product code or another identifier). */
  productTxs(code: string): Uint8Array[];
  /** Is `txId` indexed under `code`? (audit); a backend without it is read through productTxs. */
  productHas?(code: string, txId: Uint8Array): boolean;
  /** The transaction an idempotency key names: a client key in idem, an entanglement key in entangle. */
  idem(key: string): Uint8Array | undefined;
  /** Entanglement index rows in key order, from `start` while keys begin with `prefix`. */
  entangleRange(prefix: string, start?: string): Iterable<{ key: string; txId: Uint8Array }>;
  lastSeq(): number;
  initChain(params: ChainParams, genesis: BlockWrite): Promise<void>;
  commitIngest(w: IngestWrite): Promise<void>;
  commitBlock(w: BlockWrite): Promise<void>;
  /** Adds the payload of a transaction stored without it (an archive filling a gap); durable. */
  putPayload(txId: Uint8Array, payload: Uint8Array): Promise<void>;
  /** Approximate bytes on disk. */
  size(): number;
  close(): Promise<void>;
}
