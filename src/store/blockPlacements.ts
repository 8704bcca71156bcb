/**
 * @module store/blockPlacements
 * What a block commit writes for the records it places: the runs of their record numbers
 * (store/placedRuns.ts), made before the commit in slices, giving the event loop back whenever
 * a slice has held it for its budget (src/turns.ts). The commit itself runs in one synchronous
 * LMDB transaction and writes a few keys per block, whatever its size, so intake commits and
 * their receipts wait on a short turn. Numbers never change once given, so what is made here
 * stays right however many ingests commit meanwhile.
 */
import { UrchainError } from '../errors.js';
import { runsOf, type Run } from './placedRuns.js';
import type { ChainMove } from './types.js';
import type { PendingNumbers } from './pendingNumbers.js';
import { Turns } from '../turns.js';

/** One connected block's placements. */
export interface Placement {
  runs: Run[];
  /** Records whose number came from the store, not from memory: perhaps not durable yet (`placedEarly`). */
  unmapped: Uint8Array[];
}

/**
 * The placements of every block `move` connects. `mapped` answers from memory for durably
 * pending records (store/pendingNumbers.ts) and `holds(n, txId)` checks such a number against
 * the stored record: one that does not hold it (a bug) drops the map and fails the block before
 * anything is written, so its next try reads every number from the store. `numberOf` reads the
 * store; a record with no number (impossible: the block tree checks each is stored) is left out
 * rather than half placed.
 */
export async function placementsOf(
  move: ChainMove | undefined,
  nums: PendingNumbers,
  holds: (n: number, txId: Uint8Array) => boolean,
  numberOf: (txId: Uint8Array) => number | undefined,
): Promise<Placement[]> {
  const out: Placement[] = [];
  const turns = new Turns();
  for (const c of move?.connect ?? []) {
    const numbers: (number | undefined)[] = new Array(c.txIds.length);
    const unmapped: Uint8Array[] = [];
    for (let i = 0; i < c.txIds.length; i++) {
      if (turns.due()) await turns.next();
      const txId = c.txIds[i];
      const m = nums.numberOf(txId);
      if (m !== undefined && !holds(m, txId)) {
        nums.clear();
        throw UrchainError.STORE('a pending record is not under the record number kept for it in memory; try the block again');
      }
      if (m === undefined) unmapped.push(txId);
      numbers[i] = m ?? numberOf(txId);
    }
    out.push({ runs: runsOf(c.height, numbers), unmapped });
  }
  return out;
}
