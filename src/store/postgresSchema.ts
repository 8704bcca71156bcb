/**
 * @module store/postgresSchema
 * The PostgreSQL schema of a chain (one database, schema `urchain`), one table per bucket of
 * store/buckets.ts, with columns instead of CBOR where a column helps an operator or a replica
 * query (heights, ids, payload bytes), and the same CBOR where a value is hashed or signed
 * elsewhere (headers, signatures, chain params):
 *
 *   meta        name -> value (CBOR, as the LMDB meta bucket: params, head, seq; and `format`,
 *               `partitionSpan`)
 *   blocks      hash -> height, header, signatures, work, frontier, body (txIds concatenated)
 *   heights     height -> hash (canonical chain only)
 *   tx_index    txId -> at_height (which partition holds the record): the one global unique index
 *   txs         (at_height, txId) -> core, batch_root, idx          PARTITION BY RANGE (at_height)
 *   payloads    (at_height, txId) -> payload (bytea)                PARTITION BY RANGE (at_height)
 *   batches     root -> origin, signature, tx_ids
 *   locations   txId -> block_hash, height, idx (canonical chain only)
 *   pending     txId -> arrival
 *   identifiers (code, txId): the product/identifier index, many rows per record
 *   idem        client key -> txId;  entangle  entanglement key -> txId
 *   levels      block hash -> the block's Merkle levels row (the LMDB `levels` bucket's bytes),
 *               for blocks of more than 256 txIds: a cold proof reads it and one slice of the body
 *
 * Records are partitioned by height range: `at_height` is the canonical height when the record
 * was taken in (it is in a block a few heights later). It never changes, not even on a reorg, so
 * a row never moves between partitions, and an old range can be detached or moved to another
 * tablespace (`ALTER TABLE urchain.payloads_h0 SET TABLESPACE cold`) while the node runs. A new
 * range's partitions are created in the commit that first needs them.
 *
 * Portable on purpose (read replicas, Citus-style distribution; README): plain tables, btree
 * primary keys, bytea and text with the "C" collation (byte order, as LMDB sorts), no triggers,
 * stored procedures, extensions, sequences, large objects, LISTEN/NOTIFY or foreign keys.
 * Text keys sort by bytes, so entangleRange returns LMDB's order.
 *
 * Versioned like store/format.ts: meta `format` (CBOR uint) is PG_FORMAT; another is refused.
 */
import { UrchainError } from '../errors.js';

/** The schema version this release writes and reads. */
export const PG_FORMAT = 1;
/** Heights per partition unless the store was created with another span. */
export const DEFAULT_PARTITION_SPAN = 100_000;
export const SCHEMA = 'urchain';

/** Every table, for the size and for the docs. */
export const TABLES = ['meta', 'blocks', 'heights', 'tx_index', 'txs', 'payloads', 'batches', 'locations', 'pending', 'identifiers', 'idem', 'entangle', 'levels'] as const;

/**
 * The `levels` table came after schema 1's first release. It is optional, like the LMDB bucket: a
 * block without a row (stored before it, or by an older release) is rebuilt from its body, so an
 * older database gets the table when a writer opens it, without a new schema version, and an
 * older release that ignores the table writes nothing wrong.
 */
export const LEVELS_TABLE = `CREATE TABLE IF NOT EXISTS ${SCHEMA}.levels (hash bytea PRIMARY KEY, levels bytea NOT NULL);`;

export const CREATE_SCHEMA = `
CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
CREATE TABLE ${SCHEMA}.meta (name text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE ${SCHEMA}.blocks (hash bytea PRIMARY KEY, height bigint NOT NULL, header bytea NOT NULL, signatures bytea NOT NULL, work numeric NOT NULL, frontier bytea NOT NULL, body bytea NOT NULL);
CREATE TABLE ${SCHEMA}.heights (height bigint PRIMARY KEY, hash bytea NOT NULL);
CREATE TABLE ${SCHEMA}.tx_index (tx_id bytea PRIMARY KEY, at_height bigint NOT NULL);
CREATE TABLE ${SCHEMA}.txs (at_height bigint NOT NULL, tx_id bytea NOT NULL, core bytea NOT NULL, batch_root bytea NOT NULL, idx integer NOT NULL, PRIMARY KEY (at_height, tx_id)) PARTITION BY RANGE (at_height);
CREATE TABLE ${SCHEMA}.payloads (at_height bigint NOT NULL, tx_id bytea NOT NULL, payload bytea NOT NULL, PRIMARY KEY (at_height, tx_id)) PARTITION BY RANGE (at_height);
CREATE TABLE ${SCHEMA}.batches (root bytea PRIMARY KEY, origin bytea NOT NULL, signature bytea NOT NULL, tx_ids bytea NOT NULL);
CREATE TABLE ${SCHEMA}.locations (tx_id bytea PRIMARY KEY, block_hash bytea NOT NULL, height bigint NOT NULL, idx integer NOT NULL);
CREATE TABLE ${SCHEMA}.pending (tx_id bytea PRIMARY KEY, arrival bigint NOT NULL);
CREATE TABLE ${SCHEMA}.identifiers (code text COLLATE "C" NOT NULL, tx_id bytea NOT NULL, PRIMARY KEY (code, tx_id));
CREATE TABLE ${SCHEMA}.idem (key text COLLATE "C" PRIMARY KEY, tx_id bytea NOT NULL);
CREATE TABLE ${SCHEMA}.entangle (key text COLLATE "C" PRIMARY KEY, tx_id bytea NOT NULL);
${LEVELS_TABLE}
`;

/** The first height of the range holding `height`. */
export const rangeStart = (height: number, span: number) => Math.floor(height / span) * span;

/** The statements creating both partitions of the range starting at `start` (idempotent). */
export function partitionDdl(start: number, span: number): string[] {
  return ['txs', 'payloads'].map(
    (t) => `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${t}_h${start} PARTITION OF ${SCHEMA}.${t} FOR VALUES FROM (${start}) TO (${start + span})`,
  );
}

/** Refuses a database of another schema version, naming both. */
export function checkPgFormat(found: number, shown: string): void {
  if (found === PG_FORMAT) return;
  throw UrchainError.BAD_CHAIN(
    found > PG_FORMAT
      ? `${shown} holds urchain schema ${found}, newer than this urchain knows (${PG_FORMAT}); run it with the urchain release that wrote it`
      : `${shown} holds urchain schema ${found}, older than this urchain's ${PG_FORMAT}; no migration exists yet`,
    { format: found, supported: PG_FORMAT },
  );
}

/** Longest text key (product code, identifier, idempotency key): LMDB's limit, so both backends take the same keys. */
export const MAX_TEXT_KEY_BYTES = 1962;

/** Refuses a key either backend could not index (too long) or PostgreSQL text cannot hold (NUL). */
export function checkTextKey(key: string, what: string): void {
  const n = Buffer.byteLength(key, 'utf8');
  if (n > MAX_TEXT_KEY_BYTES) throw UrchainError.BAD_INPUT(`${what} of ${n} bytes does not fit the store's index (1-${MAX_TEXT_KEY_BYTES} bytes)`);
  if (key.includes('\u0000')) throw UrchainError.BAD_INPUT(`${what} holds a NUL character, which the store cannot index`);
}
