/**
 * @module contracts/records
 * A record as every intake path hands it in (HTTP, Profichain, the watched folder, OPC UA), and
 * the receipt a node answers once the transaction holding it is durable. One shape each, so the
 * paths cannot drift apart.
 */
import type { Meta } from '../chain/transaction.js';

export interface RecordInput {
  payload: Uint8Array;
  kind?: string;
  meta?: Record<string, string> | Meta;
  /** The client's idempotency key: the same key and record again answer the first receipt. */
  idemKey?: string;
}

/** Records one batch may hold: a POST /v1/records/batch body, and what `ingest send --batch` sends at once. */
export const MAX_BATCH_RECORDS = 10_000;

/** The receipt of a durable record (all byte strings lowercase hex). */
export interface Receipt {
  txId: string;
  chainId: string;
  origin: string;
  timestamp: number;
  seq: number;
  kind: string;
  payloadDigest: string;
  payloadLength: number;
  batchRoot: string;
  durable: true;
  /** Set when the record (or its idempotency key) was taken in before: the first receipt again. */
  duplicate?: true;
}
