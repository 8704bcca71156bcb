/**
 * @module node/nodeStore
 * The store a node starts on (moved out of node/node.ts): the LMDB store of its data folder, or
 * the PostgreSQL database `--store` names (store/open.ts), created with the chain's genesis when
 * it holds none. The data folder holds the node's key (and config) either way. A start that
 * fails undoes a chain it had just created, if nothing was taken in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadOrCreateKey } from '../io/keyfile.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { checkParams, type ChainParams } from '../chain/params.js';
import { genesisWrite } from '../ledger/genesis.js';
import { openStore, checkStoreRef, storeName } from '../store/open.js';
import { PostgresStore } from '../store/postgres.js';
import { STORE_FILE } from '../store/lmdb.js';
import type { Store } from '../store/types.js';
import { UrchainError } from '../errors.js';
import { initData, keyPath, defaultParams, sameChain, removeUntouchedChain, type InitOptions } from './init.js';

export interface NodeStoreOptions {
  dataDir: string;
  /** `postgres://…`; absent: LMDB in dataDir. */
  store?: string;
  init?: Omit<InitOptions, 'dataDir'>;
  onKey?: (publicKey: Uint8Array) => void;
}

export interface OpenedNodeStore {
  store: Store;
  key: KeyPair;
  params: ChainParams;
  /** This start created the chain (undo it if the start fails). */
  fresh: boolean;
}

/**
 * Opens the node's store, creating the chain on an empty one. `onStore` gets the store as soon as
 * it is open, so the caller can close it if a later step fails.
 */
export async function openNodeStore(o: NodeStoreOptions, onStore: (s: Store) => void, onFresh: (fresh: boolean) => void): Promise<OpenedNodeStore> {
  checkStoreRef(o.store);
  let fresh = false;
  if (!o.store) {
    fresh = !fs.existsSync(path.join(o.dataDir, STORE_FILE));
    onFresh(fresh);
    if (fresh) await initData({ dataDir: o.dataDir, ...o.init });
  }
  const { key } = loadOrCreateKey(keyPath(o.dataDir));
  o.onKey?.(key.publicKey);
  const store = await openStore({ data: o.dataDir, store: o.store });
  onStore(store);
  if (o.store && !store.getParams()) {
    // A database without a chain: this start creates it, as `node run` does in an empty folder.
    fresh = true;
    onFresh(true);
    const params = o.init?.params ? checkParams(o.init.params) : defaultParams({ dataDir: o.dataDir, ...o.init }, key);
    await store.initChain(params, genesisWrite(params));
  }
  const params = store.getParams();
  if (!params) throw UrchainError.NOT_FOUND(`${storeName({ data: o.dataDir, store: o.store })} holds no chain; run \`urchain init --data ${o.dataDir}\``);
  if (!fresh && o.init?.params) sameChain(storeName({ data: o.dataDir, store: o.store }), params, o.init.params);
  return { store, key, params, fresh };
}

/** After a failed start that created the chain (its store closed): removes it again unless something was taken in. */
export async function undoFreshChain(o: NodeStoreOptions): Promise<void> {
  if (!o.store) return removeUntouchedChain(o.dataDir);
  const s = await PostgresStore.open(o.store);
  try {
    await s.dropIfUntouched();
  } finally {
    await s.close();
  }
}
