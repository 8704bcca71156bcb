/**
 * @module store/blockPlacements
 * What a block commit writes for each record it places (its number's key, its `pendingrecords`
 * key, its `recordlocations` value), made before the commit and a slice at a time, with a turn of
 * the event loop between slices. The commit itself runs in one synchronous LMDB transaction: all
 * that is left for it is one put and one remove per record, so intake commits and their receipts
 * wait on a shorter turn. Numbers never change once given, so what is made here stays right
 * however many ingests commit meanwhile.
 */
import { pendingKey, placeCodec, recordKey } from './buckets.js';
import type { ChainMove } from './types.js';

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
