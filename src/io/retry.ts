/**
 * @module io/retry
 * Retry with exponential back-off, for clients of a node or a broker: an attempt that fails in a
 * way the caller calls passing (a refused connection, a busy node) is tried again after a wait
 * that doubles each time, up to a cap, a number of retries and an optional deadline. What a final
 * failure means is the caller's to say: the last error is thrown as it came.
 */

export interface BackoffOptions {
  /** Attempts after the first (default 5). */
  retries?: number;
  /** Wait before the first retry, doubled after each (default 200 ms). */
  baseDelayMs?: number;
  /** Longest wait between two attempts (default: no cap). */
  maxDelayMs?: number;
  /** Time (ms since the epoch) after which no attempt starts: the last wait is cut to it. */
  deadline?: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `attempt` (given its number, from 0) until it resolves. A rejection is thrown on at once
 * when `mayRetry` says no, when the retries are spent, or when the deadline leaves no time to
 * wait; otherwise the attempt runs again after the back-off.
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, mayRetry: (e: unknown, n: number) => boolean, o: BackoffOptions = {}): Promise<T> {
  const retries = o.retries ?? 5;
  const cap = o.maxDelayMs ?? Infinity;
  let delay = o.baseDelayMs ?? 200;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (n >= retries || !mayRetry(e, n)) throw e;
      const wait = o.deadline === undefined ? delay : Math.min(delay, o.deadline - Date.now());
      if (wait <= 0) throw e;
      await sleep(wait);
      delay = Math.min(delay * 2, cap);
    }
  }
}
