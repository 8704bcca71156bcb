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

/**
 * How long a turn of cut work may hold the thread (ms): under one ingest commit's callback. A
 * callback that becomes ready while a turn runs waits for its end: at 17,000 records/s in
 * batches, a block a second, 14 interleaved runs had a median of 26 receipts over 20 ms (of
 * 1,360) with 1 ms turns and 58.5 with 2 ms turns (waits of 5 and 10 ms, MAX_WAIT_MS).
 */
export const TURN_MS = 1;

/**
 * A turn given back that comes back within this (ms) found the loop idle: nothing else was
 * waiting to run. An idle round trip takes some 0.01-0.05 ms here.
 */
export const IDLE_TURN_MS = 0.25;

/**
 * The longest cut work waits for other work to finish before it takes its next turn anyway
 * (ms): it keeps at least TURN_MS in TURN_MS + MAX_WAIT_MS of a busy thread (and once
 * MAX_TOTAL_WAIT_MS is used up, every other turn), so a block is stored whatever the load.
 */
export const MAX_WAIT_MS = 5 * TURN_MS;

/**
 * What one piece of cut work waits for other work in all, at most (ms): past it, each turn given
 * back is one turn again. On a thread that is never idle (a node at full load) a block is then
 * stored at most this much later per piece than without the waits, instead of up to six times
 * its own thread time later (with 10 ms per turn and no total, blocks of 40,000 records came
 * up to 2.4 s apart under a closed loop of batches, against 1.3 s).
 */
export const MAX_TOTAL_WAIT_MS = 100;

/** Resolves on the next turn of the event loop, after pending I/O. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A budget for one piece of cut work: `due()` says whether the turn has run `budgetMs` (it reads
 * the clock every `every`-th call only, so it can be asked once per item), `next()` waits for the
 * next turn and starts a new budget.
 *
 * Cut work comes second: `next()` gives the loop back again and again while the loop has other
 * work (a turn given back comes back later than IDLE_TURN_MS: requests were read, commit
 * callbacks ran, receipts were written), for up to `maxWaitMs`. One turn given back is not enough
 * for a receipt: a request takes several callbacks (read, checks, the commit's write, its
 * durable callback, the answer), and each would wait for a slice of the block between them
 * (batches at half load, `npm run bench -- --only latency`: 73-172 receipts over 20 ms with one
 * turn, 4-58 with this; README, issue 11's seventh part). Typical use:
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
    /** How long `next()` may wait for other work to finish (0: one turn, whatever the loop holds). */
    readonly maxWaitMs = MAX_WAIT_MS,
    /** How long all of this work's `next()` calls may wait for other work, together. */
    readonly maxTotalWaitMs = MAX_TOTAL_WAIT_MS,
  ) {}
  /** Time given to other work so far, beyond one turn per `next()` (ms). */
  private waited = 0;

  /** Has this turn used up its budget? */
  due(): boolean {
    if (++this.calls < this.every) return false;
    this.calls = 0;
    return performance.now() - this.start >= this.budgetMs;
  }

  /**
   * Gives the loop back until a turn finds it idle, or for `maxWaitMs` at most (one turn once
   * `maxTotalWaitMs` is used up); the next budget starts when it returns.
   */
  async next(): Promise<void> {
    this.yielded++;
    const from = performance.now();
    const limit = Math.min(this.maxWaitMs, this.maxTotalWaitMs - this.waited);
    let back = from;
    for (let first = true; ; first = false) {
      const before = back;
      await nextTurn();
      back = performance.now();
      if (!first) this.waited += back - before;
      if (back - before < IDLE_TURN_MS || back - from >= limit) break;
    }
    this.start = back;
    this.calls = 0;
  }
}
