/**
 * @module store/lmdbEnv
 * The LMDB environment of a data folder, apart from the store that reads it (store/lmdb.ts):
 * the options every opener shares, the file's name, the refusal of a folder without one, the
 * meta bucket alone (what a migration or a description of a store of any format may rely on),
 * and LMDB's key limit. Split out of store/lmdb.ts, which re-exports what others import.
 */
import { open, type RootDatabase, type Database } from 'lmdb';
import fs from 'node:fs';
import path from 'node:path';
import { UrchainError } from '../errors.js';
import { BUCKETS, paramsCodec, headCodec, type Codec } from './buckets.js';
import { FORMAT_KEY, formatOf } from './format.js';
import type { ChainParams } from '../chain/params.js';
import type { Head } from './types.js';

/** The store's file in a data folder (LMDB keeps its lock file beside it, `chain.lmdb-lock`). */
export const STORE_FILE = 'chain.lmdb';

export type TextKeyed = Database<Buffer, string>;

/**
 * The LMDB environment of a data folder, with the options every opener must share. The page
 * size is LMDB's default (the OS page, 4 KiB here): in a bare lmdb-js loop of 1 KiB values under
 * random keys, 1,000 per synced commit, 8 KiB pages wrote 7.3 KB per record and 16 KiB pages
 * 10.2 KB, against 5.5 KB at 4 KiB (wchar); a preset map size changed nothing.
 */
export function openEnv(dir: string, readOnly: boolean): RootDatabase {
  return open({
    path: path.join(dir, STORE_FILE),
    maxDbs: 32, // 15 buckets today; a migration step opens old ones beside them
    overlappingSync: !readOnly,
    compression: false,
    encoding: 'binary',
    readOnly,
    // With event-turn batching lmdb-js opens a commit promise of its own for every transaction
    // and leaves it unhandled when the commit fails (a full disk would end the process).
    eventTurnBatching: false,
    permissionsMode: 0o600, // chain.lmdb and chain.lmdb-lock: the node's alone
    // A writer (the node) reads at random: txIds, recent ids, a block's records. Pages of one
    // bucket lie between those of others (each commit appends to several), so the kernel's
    // readahead, on a map larger than the page cache, reads hundreds of KiB around each page it
    // faults in: on a chain of 12 million records, loading the 1.6 million recent ids at open read
    // 13.5 GB from a cold cache (81 MB with MDB_NORDAHEAD, 2.8 s instead of 6.8 s) and evicted the
    // pages the node needs. Readers (audit, export) scan records in order and keep readahead.
    noReadAhead: !readOnly,
  } as never);
}

/** The meta bucket alone. */
export const metaOf = (env: RootDatabase): TextKeyed => env.openDB({ name: BUCKETS.meta.name, encoding: BUCKETS.meta.value, keyEncoding: BUCKETS.meta.key } as never) as never;

/** The format, chain parameters and head of the store of `dir`, of any format (what decodes). */
export function describeStore(dir: string): Promise<{ format: number; params?: ChainParams; head?: Head }> {
  return withEnv(dir, true, (env) => {
    const meta = metaOf(env);
    const tryRead = <V>(c: Codec<V>, k: string) => {
      try {
        const v = meta.get(k);
        return v === undefined ? undefined : c.decode(new Uint8Array(v));
      } catch {
        return undefined; // another format's row: the format says enough
      }
    };
    const f = meta.get(FORMAT_KEY);
    return { format: formatOf(f && new Uint8Array(f)), params: tryRead(paramsCodec, 'params'), head: tryRead(headCodec, 'head') };
  });
}

/** Refuses a folder without a store (NOT_FOUND, naming the commands that make one). */
export function mustHoldStore(dir: string) {
  const file = path.join(dir, STORE_FILE);
  if (!fs.existsSync(file))
    throw UrchainError.NOT_FOUND(`no urchain data in ${dir} (expected ${file}); run \`urchain init --data ${dir}\` or \`urchain node run --data ${dir}\``);
}

/** Runs `f` on the environment of the store in `dir` (refused if there is none), then closes it. */
export async function withEnv<T>(dir: string, readOnly: boolean, f: (env: RootDatabase) => T | Promise<T>): Promise<T> {
  mustHoldStore(dir);
  const env = openEnv(dir, readOnly);
  try {
    return await f(env);
  } finally {
    await env.close();
  }
}

/** LMDB's limit on a key (lmdb-js: 1978 bytes); indexes keyed by text must stay below it. */
export const MAX_KEY_BYTES = 1978;
// ordered-binary text keys carry no extra bytes for plain strings; keep a margin anyway.
const KEY_MARGIN = 16;

/** Refuses a text index key LMDB could not hold (BAD_INPUT, before anything is written). */
export function checkKey(key: string, what: string) {
  const n = Buffer.byteLength(key, 'utf8');
  if (n > MAX_KEY_BYTES - KEY_MARGIN) throw UrchainError.BAD_INPUT(`${what} of ${n} bytes does not fit the store's index (1-${MAX_KEY_BYTES - KEY_MARGIN} bytes)`);
}

/** The bytes the store in `dir` takes on disk (its file and LMDB's lock file beside it). */
export function storeSize(dir: string): number {
  let n = 0;
  for (const f of [STORE_FILE, `${STORE_FILE}-lock`]) {
    try {
      n += fs.statSync(path.join(dir, f)).size;
    } catch {
      /* not there */
    }
  }
  return n;
}
