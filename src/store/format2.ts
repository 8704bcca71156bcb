/**
 * @module store/format2
 * The step from store format 1 to format 2 (store/format.ts runs it for `urchain migrate`).
 * Format 1 kept each record in four buckets keyed by its txId: `txs` (CBOR [core, batchRoot,
 * index]), `payloads` (the payload bytes), `pending` (txId -> arrival number) and `locations`
 * (txId -> CBOR [blockHash, height, index]). Format 2 keeps one value per record under a record
 * number (store/buckets.ts): `records`, `recordnumbers`, `pendingrecords`, `recordlocations`.
 * Every other bucket keeps its layout and is left as it is.
 *
 * Numbers are given in the order the records arrived as far as format 1 tells: the canonical
 * chain's records block by block, then the pending pool in its arrival order (so the pool keeps
 * its order), then any record neither holds. The four old buckets are dropped in the same
 * transaction: the step is all or nothing, and the format row moves to 2 with it.
 */
import type { Database } from 'lmdb';
import { encode, decode, asArray, asUint, asBytes } from '../codec/cbor.js';
import { UrchainError } from '../errors.js';
import type { StoredTx, TxLocation } from './types.js';
import { BUCKETS, FORMAT3_BUCKETS, recordCodec, recordKey, pendingKey, placeCodec, idsCodec, headCodec, type BucketSpec, type Codec } from './buckets.js';
import type { FormatStep, StepContext } from './format.js';

type Bin = Database<Buffer, Buffer>;

/** Format 1's per-record buckets (names and encodings as they were: read by this step only). */
export const FORMAT1_BUCKETS = {
  txs: { name: 'txs', key: 'binary', value: 'binary', dupSort: false, layout: 'txId -> StoredTx' },
  payloads: { name: 'payloads', key: 'binary', value: 'binary', dupSort: false, layout: 'txId -> payload' },
  locations: { name: 'locations', key: 'binary', value: 'binary', dupSort: false, layout: 'txId -> TxLocation' },
  pending: { name: 'pending', key: 'binary', value: 'ordered-binary', dupSort: false, layout: 'txId -> arrival' },
} as const satisfies Record<string, BucketSpec>;

/** Format 1 `txs`: txId -> [core bytes, batchRoot, index in batch]. */
export const txCodec: Codec<StoredTx> = {
  encode: (t) => encode([t.coreBytes, t.batchRoot, t.index]),
  decode(bytes) {
    const a = asArray(decode(bytes), 3, 'stored tx');
    return { coreBytes: asBytes(a[0], 'core'), batchRoot: asBytes(a[1], 'batchRoot', 32), index: asUint(a[2], 'index') };
  },
};

/** Format 1 `locations`: txId -> [blockHash, height, index]. */
export const locationCodec: Codec<TxLocation> = {
  encode: (l) => encode([l.blockHash, l.height, l.index]),
  decode(bytes) {
    const a = asArray(decode(bytes), 3, 'location');
    return { blockHash: asBytes(a[0], 'hash', 32), height: asUint(a[1], 'height'), index: asUint(a[2], 'index') };
  },
};

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function run({ env, meta }: StepContext): void {
  const db = (b: BucketSpec) => env.openDB({ name: b.name, encoding: b.value, keyEncoding: b.key } as never) as never;
  const old = { txs: db(FORMAT1_BUCKETS.txs) as Bin, payloads: db(FORMAT1_BUCKETS.payloads) as Bin, locations: db(FORMAT1_BUCKETS.locations) as Bin, pending: db(FORMAT1_BUCKETS.pending) as Database<number, Buffer> };
  const records: Bin = db(BUCKETS.records);
  const numbers: Bin = db(BUCKETS.txNumbers);
  const pending: Bin = db(FORMAT3_BUCKETS.pending);
  const locations: Bin = db(FORMAT3_BUCKETS.locations);
  const heights: Database<Buffer, number> = db(BUCKETS.heights);
  const bodies: Bin = db(BUCKETS.bodies);
  if (records.getKeysCount({ limit: 1 }) > 0) throw UrchainError.BAD_CHAIN('the store holds format-1 and format-2 records at once; restore it from a backup');

  let next = 0;
  /** Gives `txId` the next number (once), writing its record; its key, or undefined if not stored. */
  const number = (txId: Buffer): Buffer | undefined => {
    const known = numbers.get(txId);
    if (known) return known;
    const v = old.txs.get(txId);
    if (!v) return undefined;
    const t = txCodec.decode(u8(v));
    const payload = old.payloads.get(txId);
    const n = recordKey(next++);
    records.putSync(n, Buffer.from(recordCodec.encode({ txId: u8(txId), ...t, payload: payload && u8(payload) }) as Uint8Array), { append: true });
    numbers.putSync(txId, n);
    return n;
  };

  const headRow = meta.get('head');
  const head = headRow ? headCodec.decode(u8(headRow)).height : -1;
  for (let h = 0; h <= head; h++) {
    const hash = heights.get(h);
    const body = hash && bodies.get(hash);
    if (!body) continue;
    idsCodec.decode(u8(body)).forEach((id, i) => {
      const txId = Buffer.from(id);
      const at = old.locations.get(txId);
      const n = number(txId);
      // The place format 1 recorded (the canonical block's, so heights names its hash).
      if (n && at) {
        const l = locationCodec.decode(u8(at));
        locations.putSync(n, Buffer.from(placeCodec.encode({ height: l.height, index: l.index })));
      } else if (n) locations.putSync(n, Buffer.from(placeCodec.encode({ height: h, index: i })));
    });
  }
  const pool = [...old.pending.getRange({})].map(({ key, value }) => ({ txId: Buffer.from(key as unknown as Buffer), arrival: value as unknown as number }));
  pool.sort((a, b) => a.arrival - b.arrival);
  for (const p of pool) {
    const n = number(p.txId);
    if (n) pending.putSync(pendingKey(n, p.txId), Buffer.alloc(0));
  }
  for (const key of old.txs.getKeys({})) number(Buffer.from(key as Buffer));
  for (const b of Object.values(old)) b.dropSync();
}

export const FORMAT_1_TO_2: FormatStep = {
  from: 1,
  to: 2,
  about: 'one value per record under a sequential record number (records, recordnumbers, pendingrecords, recordlocations) instead of txs, payloads, pending and locations keyed by txId',
  run,
};
