/**
 * @module turns
 * Long work on the event loop's thread cut into turns by time, not by count. A node's main
 * thread also reads requests, runs the intake's commit callbacks and writes receipts; each of
 * those waits for whatever runs before it. Work cut every N items holds the thread for as long
 * as N items take, which differs by item and by machine (4,096 record placements took 16 ms
 * here, and a receipt waits for several such turns), so the block path (ledger/blocktree,
 * store/blockPlacements) gives the loop back once a turn's budget is spent instead. It sits at
 * the top of src/ beside errors.ts, below every folder that cuts work.
 */

/** How long a turn of cut work may hold the thread (ms): about one ingest commit's callback. */
export const TURN_MS = 2;

/** Resolves on the next turn of the event loop, after pending I/O. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A budget for one piece of cut work: `due()` says whether the turn has run `budgetMs` (it reads
 * the clock every `every`-th call only, so it can be asked once per item), `next()` waits for the
 * next turn and starts a new budget. Typical use:
 *
 *     const turns = new Turns();
 *     for (const x of items) { if (turns.due()) await turns.next(); work(x); }
 */
export class Turns {
  private start = performance.now();
  private calls = 0;
  /** Turns given back so far (tests and traces). */
  yielded = 0;

  constructor(
    readonly budgetMs = TURN_MS,
    private readonly every = 32,
  ) {}

  /** Has this turn used up its budget? */
  due(): boolean {
    if (++this.calls < this.every) return false;
    this.calls = 0;
    return performance.now() - this.start >= this.budgetMs;
  }

  /** Gives the loop back for a turn; the next budget starts when it returns. */
  async next(): Promise<void> {
    this.yielded++;
    await nextTurn();
    this.start = performance.now();
    this.calls = 0;
  }
}
