/**
 * @module net/backfill
 * Payloads by transaction id. Thin and producer nodes keep only the payloads they took in; a
 * payload they lack is fetched from a linked archive or full node (which keep every payload) or
 * from the transaction's origin, and kept only when its length and digest match the core. A node
 * that keeps every payload but got some transactions without (a batch over the message budget,
 * or from a thin peer) fetches the missing ones a few at a time, every second, until it has all.
 */
import { asArray, asBytes, asUint, type CborValue } from '../codec/cbor.js';
import { toHex, fromHex, equal } from '../codec/bytes.js';
import { decodeCore, payloadMatches } from '../chain/transaction.js';
import { peerRole } from '../contracts/roles.js';
import type { NetContext } from './context.js';
import type { Link } from './link.js';
import { Msg } from './wire.js';

/** Missing payloads fetched per round of backfill (one round a second). */
const BACKFILL_BATCH = 64;
/** How long a backfill round waits for one payload before it tries the next peer. */
const BACKFILL_WAIT_MS = 3000;

export class Backfill {
  /** Transactions (hex ids) kept without the payload this node should keep. */
  private missing = new Set<string>();
  private running = false;
  private waiters = new Map<string, (p: Uint8Array | undefined) => void>();

  constructor(private readonly net: NetContext) {}

  /** A transaction stored without a payload this node keeps: fetched later. */
  note(txId: Uint8Array): void {
    this.missing.add(toHex(txId));
  }

  lacks(txId: Uint8Array): boolean {
    return this.missing.has(toHex(txId));
  }

  /** The payload came with a later copy of its batch (net/flood stored it). */
  filled(txId: Uint8Array): void {
    if (this.missing.delete(toHex(txId)) && !this.missing.size && !this.running) this.net.o.onEvent({ event: 'payloads-complete' });
  }

  get size(): number {
    return this.missing.size;
  }

  /** One round: fetches up to BACKFILL_BATCH missing payloads; what fails is tried next round. */
  async run(): Promise<void> {
    if (this.running || !this.missing.size) return;
    this.running = true;
    try {
      for (const hex of [...this.missing].slice(0, BACKFILL_BATCH)) {
        if (this.net.closed) return;
        const id = fromHex(hex);
        const p = await this.fetchPayload(id, BACKFILL_WAIT_MS);
        if (!p) continue; // tried again next second
        await this.net.o.store.putPayload(id, p);
        this.missing.delete(hex);
      }
      if (!this.missing.size) this.net.o.onEvent({ event: 'payloads-complete' });
    } finally {
      this.running = false;
    }
  }

  /** Fetches a payload this node does not keep from a linked archive or full node. */
  async fetchPayload(txId: Uint8Array, timeoutMs = 5000): Promise<Uint8Array | undefined> {
    const core = this.net.o.store.getTx(txId);
    if (!core) return undefined;
    const c = decodeCore(core.coreBytes);
    for (const l of this.net.links.values()) {
      // Archives and full nodes keep every payload; the origin keeps the ones it took in.
      if (!peerRole(l.hello?.role)?.servesPayloads && !equal(l.hello!.nodeKey, c.origin)) continue;
      const p = await new Promise<Uint8Array | undefined>((resolve) => {
        const t = setTimeout(() => resolve(undefined), timeoutMs);
        this.waiters.set(toHex(txId), (x) => (clearTimeout(t), resolve(x)));
        l.send([Msg.GET_PAYLOAD, txId]);
      });
      if (p && payloadMatches(c, p)) return p;
    }
    return undefined;
  }

  /** GET_PAYLOAD: the payload when this node has it. */
  onGetPayload(m: CborValue[], from: Link): void {
    const id = asBytes(asArray(m, 2, 'GET_PAYLOAD')[1], 'txId', 32);
    const p = this.net.o.store.getPayload(id);
    from.send([Msg.PAYLOAD, id, p ?? new Uint8Array(0), p ? 1 : 0]);
  }

  /** PAYLOAD: the answer to a fetch under way (checked against the core there). */
  onPayload(m: CborValue[]): void {
    const a = asArray(m, 4, 'PAYLOAD');
    const id = asBytes(a[1], 'txId', 32);
    const w = this.waiters.get(toHex(id));
    if (!w) return;
    this.waiters.delete(toHex(id));
    w(asUint(a[3], 'found') === 1 ? asBytes(a[2], 'payload') : undefined);
  }
}
