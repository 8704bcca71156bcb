/**
 * @module store/commit
 * One durable, all-or-nothing LMDB commit, and the STORE error that says why one failed. The
 * store (store/lmdb.ts) and its format migrations commit through it; so may any lmdb-js
 * environment that must survive a full disk.
 */
import type { RootDatabase } from 'lmdb';
import os from 'node:os';
import { UrchainError } from '../errors.js';

/**
 * Runs `write` as one abortable LMDB transaction and resolves once it is synced; a failure
 * rejects with a STORE error (the cause, e.g. ENOSPC, in its message) and leaves nothing written.
 * Open the environment with `eventTurnBatching: false` (see openEnv in store/lmdb.ts). Any lmdb-js
 * environment that must survive a full disk can use it (the broker's store, too).
 */
export function durableCommit(env: RootDatabase, write: () => void): Promise<void> {
  return commitUntil(env, write, 'flushed');
}

/**
 * Runs `write` as one abortable LMDB transaction and resolves once it is written, not synced: for
 * writes whose loss in a crash is harmless until a later durable commit (which, LMDB syncing
 * commits in order, makes this one durable too). A failure rejects with a STORE error as
 * durableCommit's.
 */
export function writtenCommit(env: RootDatabase, write: () => void): Promise<void> {
  return commitUntil(env, write, 'committed');
}

/**
 * `write` as a child transaction, awaited until lmdb-js's batch holding it is `committed`
 * (written) or `flushed` (synced). The child's own promise settles when its callback has run in
 * the batch; a batch that then fails (a full disk) takes the child with it, so the batch's promise
 * is awaited too. It is taken now, for this batch: `env.flushed` (or `committed`) asked after the
 * await means a later batch, which never comes if that one fails, and this commit would wait
 * forever.
 */
async function commitUntil(env: RootDatabase, write: () => void, until: 'committed' | 'flushed'): Promise<void> {
  const ran = env.childTransaction(write);
  const batch = (env as unknown as Record<typeof until, PromiseLike<unknown>>)[until];
  const done = new Promise((resolve, reject) => void batch.then(resolve, reject));
  done.catch(() => undefined); // awaited below unless the child failed first
  try {
    await ran;
    await done;
  } catch (e) {
    throw await storeError(e);
  }
}

/**
 * A failed commit as a STORE error that says why. lmdb-js rejects with "Commit failed" and puts
 * the cause (ENOSPC, EIO, ...) in a second promise, `commitError`, which must be handled too or
 * it ends the process as an unhandled rejection. It settles in the same turn as the first.
 */
async function storeError(e: unknown): Promise<UrchainError> {
  if (e instanceof UrchainError) return e;
  const err = e as Error & { commitError?: Promise<unknown> };
  let cause: (Error & { code?: unknown }) | undefined;
  if (err?.commitError) {
    let timer: NodeJS.Timeout | undefined;
    cause = (await Promise.race([
      err.commitError.then(() => undefined, (c: unknown) => c),
      new Promise((r) => (timer = setTimeout(r, 2000))),
    ])) as typeof cause;
    clearTimeout(timer);
  }
  const errno = typeof cause?.code === 'number' ? errnoName(cause.code) : undefined;
  if (errno === 'ENOSPC') return UrchainError.STORE('the disk holding the store is full (ENOSPC); free space and try again', { cause: errno });
  const why = cause?.message ?? (err?.commitError ? 'LMDB could not write the transaction (a full disk or an I/O error?)' : (err?.message ?? String(e)));
  return UrchainError.STORE(`the store could not commit${errno ? ` (${errno})` : ''}: ${why}`, errno ? { cause: errno } : {});
}

function errnoName(n: number): string | undefined {
  for (const [name, v] of Object.entries(os.constants.errno)) if (v === n) return name;
  return undefined;
}
