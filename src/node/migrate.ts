/**
 * @module node/migrate
 * `urchain migrate`: moves a data folder's store to the format this release writes
 * (store/format.ts), only when asked and only while no node runs on the folder: it holds the
 * folder's lock (node/lock.ts) for the time it writes, so a node cannot start half-way either.
 */
import { LmdbStore, mustHoldStore } from '../store/lmdb.js';
import type { FormatStep, MigrationReport } from '../store/format.js';
import { FolderLock } from './lock.js';

export async function migrateFolder(data: string, steps?: readonly FormatStep[]): Promise<MigrationReport & { data: string }> {
  mustHoldStore(data);
  const lock = FolderLock.take(data);
  try {
    return { data, ...(await LmdbStore.migrate(data, steps)) };
  } finally {
    lock.release();
  }
}
