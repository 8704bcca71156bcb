/**
 * @module net/sync
 * What sync reads from the store, apart from the link logic in net/network: the block locator a
 * node that is behind sends (its canonical block hashes from the head back, the first 9 one
 * apart, then doubling the step, genesis last, as in Bitcoin), the blocks a peer answers with
 * after the newest locator hash on its canonical chain, and the batches their transactions came
 * in, all within the message budget so that no honest message goes over the limit.
 */
import { toHex, equal } from '../codec/bytes.js';
import type { CborValue } from '../codec/cbor.js';
import type { LmdbStore } from '../store/lmdb.js';
import { MAX_LOCATOR, batchToCbor, blockToCbor } from './wire.js';

/**
 * Payload bytes one message may carry (URCHAIN_MESSAGE_BUDGET overrides; default 32 MiB, half the
 * message limit). Payloads beyond it are left out, and nodes that keep every payload fetch them
 * one by one afterwards, so no honest message ever goes over the limit.
 */
export const MESSAGE_BUDGET = Number(process.env.URCHAIN_MESSAGE_BUDGET) || 32 * 1024 * 1024;
/** What one transaction adds to a BLOCKS reply without its payload (id and core), roughly. */
const TX_WIRE_BYTES = 300;

/** The locator for a node whose canonical head is at `head`. */
export function locatorOf(store: LmdbStore, head: number): Uint8Array[] {
  const locator: Uint8Array[] = [];
  for (let h = head, step = 1; h >= 0 && locator.length < MAX_LOCATOR - 1; h -= step) {
    locator.push(store.hashAt(h)!);
    if (locator.length > 8) step *= 2;
  }
  locator.push(store.hashAt(0)!);
  return locator;
}

/**
 * Up to `max` canonical blocks after the newest locator hash on this chain (after genesis when
 * none is), and the ids whose batches go with them. Ids and cores count against the budget too:
 * a reply stops before it would grow too big, and a block too big to come with its transactions
 * comes alone (the peer asks GET_TXS).
 */
export function blocksAfter(store: LmdbStore, locator: Uint8Array[], head: number, max: number): { blocks: CborValue[]; ids: Uint8Array[] } {
  let start = 1;
  for (const h of locator) {
    const b = store.getBlock(h);
    if (b && equal(store.hashAt(b.signed.header.height) ?? new Uint8Array(0), h)) {
      start = b.signed.header.height + 1;
      break;
    }
  }
  const blocks: CborValue[] = [];
  const ids: Uint8Array[] = [];
  let bytes = 0;
  for (let h = start; h <= head && blocks.length < max; h++) {
    const hash = store.hashAt(h)!;
    const body = store.getBody(hash)!;
    const cost = body.length * TX_WIRE_BYTES;
    if (blocks.length && bytes + cost > MESSAGE_BUDGET) break;
    blocks.push(blockToCbor({ signed: store.getBlock(hash)!.signed, txIds: body }));
    bytes += cost;
    if (bytes <= MESSAGE_BUDGET) ids.push(...body);
  }
  return { blocks, ids };
}

/** The batches the given transactions were signed in, each whole (its root needs every id). */
export function batchesFor(store: LmdbStore, ids: Uint8Array[], payloads: boolean): CborValue[] {
  const roots = new Map<string, Uint8Array>();
  for (const id of ids) {
    const t = store.getTx(id);
    if (t) roots.set(toHex(t.batchRoot), t.batchRoot);
  }
  const out: CborValue[] = [];
  let budget = MESSAGE_BUDGET;
  for (const root of roots.values()) {
    const b = store.getBatch(root);
    if (!b) continue;
    out.push(
      batchToCbor({
        origin: b.origin,
        signature: b.signature,
        txs: b.txIds.map((id) => {
          // Payloads past the budget are left out; the peer fetches them one by one.
          let payload = payloads && budget > 0 ? store.getPayload(id) : undefined;
          if (payload && payload.length > budget) payload = undefined;
          if (payload) budget -= payload.length;
          return { core: store.getTx(id)!.coreBytes, payload };
        }),
      }),
    );
  }
  return out;
}
