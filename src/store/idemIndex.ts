/**
 * @module store/idemIndex
 * Text-keyed rows of the LMDB store read as ranges, and the entanglement index of a store written
 * before the `entangle` bucket: it kept those keys in `idem` beside the client keys. A writable
 * open moves them (store/lmdb.ts), a read-only one reads them where they are. Split out of
 * store/lmdb.ts.
 */
import { ENTANGLE_INDEX_PREFIXES } from './buckets.js';
import type { TextKeyed } from './lmdbEnv.js';

/** Rows of a text-keyed bucket in key order from `start` while keys begin with `prefix`. */
export function* rowsOf(db: TextKeyed | undefined, prefix: string, start = prefix): Generator<{ key: string; value: Buffer }> {
  if (!db) return;
  for (const { key, value } of db.getRange({ start })) {
    const k = String(key);
    if (!k.startsWith(prefix)) return;
    yield { key: k, value: value as Buffer };
  }
}

/** Entanglement keys in idem: a store written before the entangle bucket. */
export function idemHoldsIndex(idems: TextKeyed): boolean {
  return ENTANGLE_INDEX_PREFIXES.some((p) => {
    for (const _ of rowsOf(idems, p)) return true; // closes the range again
    return false;
  });
}

/** The writes that move the entanglement keys from idem to their own bucket (one transaction). */
export function moveIndexOutOfIdem(idems: TextKeyed, entangle: TextKeyed): void {
  const rows = ENTANGLE_INDEX_PREFIXES.flatMap((p) => [...rowsOf(idems, p)]); // read all, then write
  for (const r of rows) {
    entangle.putSync(r.key, r.value);
    idems.removeSync(r.key);
  }
}
