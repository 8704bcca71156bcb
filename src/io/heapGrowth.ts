/**
 * @module io/heapGrowth
 * How a long-running node lets V8 collect its garbage: how far the heap may grow between full
 * collections, and whether V8 may allocate objects straight into the old generation.
 *
 * Heap growth. Objects that outlive two young-generation collections move to the old generation,
 * and V8 sizes the old generation's next limit from what survived the last full collection (here
 * 22-27 MB) times a factor it picks itself (about 2 on this machine). Under load a node promoted
 * some 8 MB/s at 24,000 records/s (before issue 11's eleventh part, mostly pending ids and pool
 * entries), so V8 ran a full mark-compact every 1-3 s, each holding the thread 3-16 ms with its
 * incremental steps: one of the main sources of receipts slower than 20 ms (issue 11). V8's
 * `--heap-growing-percent` fixes that factor at 1 + percent/100; it is read each time a limit is
 * set, so setting it when the node starts takes effect from the next collection on (it cannot be
 * given in NODE_OPTIONS). At 29,000 records/s in batches, paced for 20 s, three interleaved pairs:
 * 400 % (five times) left 2 full collections in the 20 s, 1,000 % (eleven times) 1, with receipt
 * p99 20.2-23.1 ms against 15.3-17.1. The price is memory: the node's peak resident size was
 * 1,159 MB with V8's own factor, 1,224 MB at 400 % and 1,381 MB at 1,000 % (most of it the
 * store's mapped pages). It still pays after the eleventh part (pretenuring still on):
 * `--heap-growth 0` against the default, three interleaved `--only latency` runs each: batch p99
 * 22.8-29.3 ms against 13.3-22.7.
 *
 * Pretenuring. V8 tracks the objects made at each object-literal site, and once nearly all of a
 * site's objects outlive a young collection it allocates that site's objects in the old generation
 * from then on. Under load it did that to the intake's record objects in some runs (a closed loop
 * of batches keeps many in flight at a young collection): those old objects, dead a few ms later,
 * still count as live for every young collection until the next full one, and so do the payload
 * views they point to and the 100 KB request bodies behind those. V8 counts ArrayBuffer bytes as
 * external memory and starts a full collection whenever they grow 64 MB past what the last one
 * kept: in those runs that was every second or two (10-11 in 14 s of batches), whatever the heap
 * growth. With pretenuring off the payload views no longer outlived the young generation (V8's
 * sampling heap profiler, counting what a young collection did not free: 42 MB of samples before,
 * 0.6 MB after), and six `--only latency` runs had 2 full collections each, none while receipts
 * were measured.
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

/**
 * Lets V8 allocate a site's objects straight into the old generation once most of them survive
 * (its allocation-site pretenuring, on by default in V8), or not: off in a node (see above).
 */
export function setPretenuring(on: boolean): void {
  v8.setFlagsFromString(on ? '--allocation-site-pretenuring' : '--no-allocation-site-pretenuring');
}
