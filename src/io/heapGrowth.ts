/**
 * @module io/heapGrowth
 * How far a long-running node lets V8's heap grow between full garbage collections.
 *
 * A node under load keeps every pending record's id and pool entry for about a block time, so
 * some 150-300 bytes per record outlive two young-generation collections and move to the old
 * generation (at 24,000 records/s about 8 MB/s, measured with V8's sampling heap profiler). V8
 * sizes the old generation's next limit from what survived the last full collection (here
 * 22-27 MB) times a factor it picks itself (about 2 on this machine), so it ran a full
 * mark-compact every 1-3 s, 10-14 in 20 s, each holding the thread 3-16 ms with its incremental
 * steps: one of the main sources of receipts slower than 20 ms (issue 11).
 *
 * V8's `--heap-growing-percent` fixes that factor at 1 + percent/100; it is read each time a
 * limit is set, so setting it when the node starts takes effect from the next collection on (it
 * cannot be given in NODE_OPTIONS). At 29,000 records/s in batches, paced for 20 s, three
 * interleaved pairs: 400 % (five times) left 2 full collections in the 20 s, 1,000 % (eleven
 * times) 1, with receipt p99 20.2-23.1 ms against 15.3-17.1 and 60-87 receipts over 20 ms
 * against 27-30. The price is memory: the node's peak resident size was 1,159 MB with V8's own
 * factor, 1,224 MB at 400 % and 1,381 MB at 1,000 % (most of it the store's mapped pages).
 */
import v8 from 'node:v8';

/** The default of `urchain node run --heap-growth` (percent; 0 leaves the factor to V8). */
export const DEFAULT_HEAP_GROWTH = 1000;

/** The highest --heap-growth taken (percent): the heap is bounded by V8's own maximum whatever it is. */
export const MAX_HEAP_GROWTH = 10_000;

/** Lets the heap grow to (1 + percent/100) times what survived the last full collection; 0 does nothing. */
export function setHeapGrowth(percent: number): void {
  if (!Number.isSafeInteger(percent) || percent < 0 || percent > MAX_HEAP_GROWTH) throw new RangeError(`heap growth ${percent}: expected 0-${MAX_HEAP_GROWTH}`);
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
