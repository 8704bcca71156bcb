/**
 * @module store/blockPlacements
 * What a block commit writes for each record it places (its number's key, its `pendingrecords`
 * key, its `recordlocations` value), made before the commit and a slice at a time, with a turn of
 * the event loop between slices. The commit itself runs in one synchronous LMDB transaction: all
 * that is left for it is one put and one remove per record, so intake commits and their receipts
 * wait on a shorter turn. Numbers never change once given, so what is made here stays right
 * however many ingests commit meanwhile.
 */
import type { Database } from 'lmdb';
import { pendingKey, placeCodec, recordKey } from './buckets.js';
import { UrchainError } from '../errors.js';
import type { ChainMove } from './types.js';
import type { PendingNumbers } from './pendingNumbers.js';

export interface Placement {
  txId: Uint8Array;
  /** The record number's 8-byte key (recordlocations). */
  number: Buffer;
  /** Its `pendingrecords` row key, removed. */
  pending: Buffer;
  /** Its `recordlocations` value: height and index in the block. */
  place: Buffer;
  /** Its number came from memory: it is durably pending (store/pendingNumbers.ts). */
  mapped: boolean;
}

/** Records per slice: making one placement costs a few hundred nanoseconds. */
const SLICE = 4096;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The placements of every record `move` connects, block by block; a record with no number
 * (impossible: the block tree checks each is stored) is left out rather than half placed.
 * `mapped` answers from memory for pending records (store/pendingNumbers.ts), `numberOf` reads.
 */
export async function placementsOf(move: ChainMove | undefined, mapped: (txId: Uint8Array) => number | undefined, numberOf: (txId: Uint8Array) => Buffer | undefined): Promise<Placement[][]> {
  const out: Placement[][] = [];
  let done = 0;
  for (const c of move?.connect ?? []) {
    const list: Placement[] = [];
    for (let i = 0; i < c.txIds.length; i++) {
      if (++done % SLICE === 0) await nextTurn();
      const txId = c.txIds[i];
      const m = mapped(txId);
      const number = m === undefined ? numberOf(txId) : recordKey(m);
      if (number) list.push({ txId, number, pending: pendingKey(number, txId), place: placeCodec.encode({ height: c.height, index: i }) as Buffer, mapped: m !== undefined }); // encode makes a Buffer
    }
    out.push(list);
  }
  return out;
}

/**
 * Writes one connected block's placements, inside the block's LMDB transaction: each record's
 * location in, its pending row out. A record placed that was pending on disk but not in memory
 * had its ingest commit written but not yet durable: `nums` notes it (store/pendingNumbers.ts).
 * A number from memory that the disk does not have aborts the transaction, nothing written, and
 * drops the map, so the block's next try reads every number from the store.
 */
export function writePlacements(list: readonly Placement[], locations: Database<Buffer, Buffer>, pending: Database<Buffer, Buffer>, nums: PendingNumbers): void {
  for (const p of list) {
    locations.putSync(p.number, p.place);
    if (pending.removeSync(p.pending)) {
      if (!p.mapped && !nums.has(p.txId)) nums.placedEarly(p.txId);
    } else if (p.mapped) {
      nums.clear();
      throw UrchainError.STORE('a pending record is not under the record number kept for it in memory; try the block again');
    }
  }
}
