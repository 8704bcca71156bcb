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
export async function durableCommit(env: RootDatabase, write: () => void): Promise<void> {
  const committed = env.childTransaction(write);
  // `env.flushed` means the flush of the newest transaction queued when it is asked: asked
  // after the await, it may be that of a later commit, which never comes if that one fails
  // (a full disk), and this commit would wait forever. So it is taken now, for this one.
  const flushed = new Promise((resolve, reject) => void env.flushed.then(resolve, reject));
  flushed.catch(() => undefined); // awaited below unless the commit failed first
  try {
    await committed;
    await flushed;
  } catch (e) {
    throw await storeError(e);
  }
}

/**
 * Runs `write` as one abortable LMDB transaction and resolves once it is written, not synced: for
 * writes whose loss in a crash is harmless until a later durable commit (which, LMDB syncing
 * commits in order, makes this one durable too). A failure rejects with a STORE error as
 * durableCommit's.
 */
export async function writtenCommit(env: RootDatabase, write: () => void): Promise<void> {
  const ran = env.childTransaction(write);
  // The child's promise settles when its callback has run inside lmdb-js's batch, not when that
  // batch is committed: a batch that then fails (a full disk) takes the child with it. So the
  // batch's own commit is awaited too, taken now, as durableCommit takes `flushed`.
  const committed = new Promise((resolve, reject) => void (env as unknown as { committed: PromiseLike<unknown> }).committed.then(resolve, reject));
  committed.catch(() => undefined); // awaited below unless the child failed first
  try {
    await ran;
    await committed;
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
