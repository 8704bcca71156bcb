/**
 * @module ingest/profichain/limits
 * What Profichain clients may cost a node (urchain-profichain(7), LIMITS). Each limit closes one
 * way a client could hold the node's memory without end: a frame begun and never finished (frame
 * deadline), a connection left open doing nothing (idle timeout), many connections (the cap), a
 * client that sends but never reads its answers (output high-water mark and stall timeout), and
 * all of them together (one byte budget shared by every connection).
 */

export interface ProfichainLimits {
  /** Connections served at once; one more gets ERROR UNAVAILABLE and is closed. */
  maxConnections: number;
  /** From connect to a complete HELLO. */
  helloTimeoutMs: number;
  /** From the first byte of a frame to its last, once the node reads it. */
  frameTimeoutMs: number;
  /** With no frame received, nothing in flight and nothing partly read, the connection is closed. */
  idleTimeoutMs: number;
  /** The node stops reading a connection while more than this many bytes of its output are unsent. */
  outputHighWater: number;
  /** Output that does not drain for this long: the connection is closed. */
  writeStallMs: number;
  /** Records in flight per connection; at this many the node stops reading until receipts went out. */
  maxInFlight: number;
  /**
   * Bytes held for all clients together: frames being read (reserved at their full length when
   * the length field arrives), payloads of records in flight, answers not yet written out. At the
   * limit the node reads no new frame from anyone until bytes are released.
   */
  bufferBytes: number;
}

export const DEFAULT_LIMITS: ProfichainLimits = {
  maxConnections: 256,
  helloTimeoutMs: 10_000,
  frameTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
  outputHighWater: 256 * 1024,
  writeStallMs: 30_000,
  maxInFlight: 65_536,
  bufferBytes: 64 * 1024 * 1024,
};

/** Bytes counted for a record in flight besides its payload: its answer and the node's bookkeeping. */
export const RECORD_OVERHEAD = 128;

/**
 * A byte budget shared by all connections. `tryTake` is for memory the node may refuse to take on
 * yet (a frame not read so far: its sender waits in TCP); `force` for memory already held (decoded
 * payloads, answers). Waiters are served first come, first served, so a large frame is not
 * starved by small ones.
 */
export class ByteBudget {
  used = 0;
  private waiters: (() => boolean)[] = [];
  constructor(readonly limit: number) {}

  tryTake(n: number): boolean {
    return this.waiters.length === 0 && this.takeIfFits(n);
  }

  force(n: number): void {
    this.used += n;
  }

  give(n: number): void {
    this.used -= n;
    this.wake();
  }

  /** Calls `retry` whenever bytes are released, until it returns true (it took what it needed). */
  wait(retry: () => boolean): void {
    this.waiters.push(retry);
  }

  cancel(retry: () => boolean): void {
    const i = this.waiters.indexOf(retry);
    if (i >= 0) this.waiters.splice(i, 1);
    this.wake();
  }

  private wake(): void {
    while (this.waiters.length) {
      const w = this.waiters[0];
      this.waiters.shift();
      // The waiter takes directly (tryTake would refuse while others queue behind it).
      if (!w()) {
        this.waiters.unshift(w);
        return;
      }
    }
  }

  /** For a waiter: takes `n` if it fits, ignoring the queue it heads. */
  takeIfFits(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }
}
