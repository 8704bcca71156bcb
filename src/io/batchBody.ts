/**
 * @module io/batchBody
 * The body of POST /v1/records/batch as a client sends it (urchain-api(7)). Its own module so
 * that a client that sends one record at a time never loads cbor-x.
 */
import { Encoder } from 'cbor-x';
import type { RecordInput } from '../contracts/records.js';

// Plain maps and byte strings, as urchain-api(7) specifies the batch body: no records, no tags.
const batchEncoder = new Encoder({ useRecords: false, tagUint8Array: false, variableMapSize: true, pack: false });

/** The body of POST /v1/records/batch: a CBOR array of {payload, kind?, meta?, key?} maps, absent fields left out. */
export function encodeBatch(recs: RecordInput[]): Uint8Array {
  return batchEncoder.encode(
    recs.map((r) => {
      const meta = Array.isArray(r.meta) ? Object.fromEntries(r.meta) : r.meta;
      return { payload: r.payload, ...(r.kind !== undefined ? { kind: r.kind } : {}), ...(meta ? { meta } : {}), ...(r.idemKey !== undefined ? { key: r.idemKey } : {}) };
    }),
  );
}
