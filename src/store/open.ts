/**
 * @module store/open
 * The one place that turns `--store` (or its absence) into a Store: a `postgres://` URL opens
 * PostgreSQL (store/postgres.ts), no value opens the LMDB store of the data folder (the default).
 * The node's start, the read-side commands (node/source.ts) and `audit` all open through here.
 */
import { LmdbStore } from './lmdb.js';
import { PostgresStore } from './postgres.js';
import { isPostgresUrl, redactUrl } from './postgresUrl.js';
import type { Store } from './types.js';
import { UrchainError } from '../errors.js';

export interface StoreRef {
  /** The data folder: the LMDB store lives there (and the node's key and config, whatever the store). */
  data?: string;
  /** `postgres://USER@HOST:PORT/DB`; absent: LMDB in `data`. */
  store?: string;
}

/** Checks a `--store` value without opening anything (a usage error, exit 2, when it is not a PostgreSQL URL). */
export function checkStoreRef(store: string | undefined): void {
  if (store !== undefined && !isPostgresUrl(store))
    throw UrchainError.BAD_INPUT(`--store ${redactUrl(store)}: expected postgres://USER@HOST:PORT/DB (leave --store out for the LMDB store in --data)`);
}

export async function openStore(ref: StoreRef, o: { readOnly?: boolean } = {}): Promise<Store> {
  checkStoreRef(ref.store);
  if (ref.store) return PostgresStore.open(ref.store, o);
  if (!ref.data) throw UrchainError.BAD_INPUT('give --data DIR (or --store postgres://…)');
  return LmdbStore.open(ref.data, o);
}

/** How a store is named in output: the data folder, or the store URL without its password. */
export const storeName = (ref: StoreRef) => (ref.store ? redactUrl(ref.store) : ref.data!);
