/**
 * @module node/lock
 * One node per data folder. The lock is the file `DATA/node.pid`, created exclusively and
 * whole (link(2) of a written temporary file) and holding `PID STARTTIME BOOTID`: the process
 * id, when that process started (Linux /proc/PID/stat, field 22) and the kernel's boot id.
 * A lock counts while its process lives;
 * one whose process is gone (kill -9, power loss), or whose pid now belongs to another process
 * (other start time or boot), is stale and taken over. Where /proc is missing, only the pid is
 * compared, erring on the side of "still running".
 *
 * A lock is removed only by the process that holds it, only while the file still names that
 * process, and only once the folder is no longer in use: by `release()` after a clean stop, and
 * otherwise when the process exits. A start that fails therefore keeps its lock until its
 * process is gone: nothing can start on the folder while anything of the failed start might
 * still be running, and a failed start never removes a lock that belongs to someone else.
 *
 * Taking over a stale lock moves it aside with rename(2) and checks that the file moved is the
 * one judged stale; a fresh lock moved by mistake is linked back. What this cannot order is three
 * starts racing on one stale lock within the same microseconds, where the put-back can find a
 * third lock in place; the test suite races three starts and sees exactly one run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UrchainError } from '../errors.js';

export const LOCK_FILE = 'node.pid';

/**
 * `urchain restore` writes this file into the folder before it moves the first restored file in
 * and removes it after the last: a restore cut short (power loss, kill -9) leaves it, and a node
 * refuses such a folder instead of starting on a key without its store (it would begin a new
 * chain signed with the restored key).
 */
export const RESTORE_MARKER = 'restore.incomplete';

/** Refuses a folder a restore left half done (see RESTORE_MARKER). */
export function refuseHalfRestored(dir: string): void {
  if (fs.existsSync(path.join(dir, RESTORE_MARKER)))
    throw UrchainError.STORE(`${dir}: a restore into this folder did not finish (${RESTORE_MARKER} is there); run \`urchain restore --force\` into it again`, { path: dir });
}

/** Locks this process holds, by absolute file path: `running` while a node uses the folder. */
const held = new Map<string, { lock: FolderLock; running: boolean }>();
let exitHookInstalled = false;

export class FolderLock {
  private constructor(
    readonly file: string,
    /** What this process wrote into the file. */
    readonly content: string,
  ) {}

  /** Takes the lock of `dir`, or fails with CONFLICT naming the live process that holds it. */
  static take(dir: string): FolderLock {
    const file = path.join(fs.realpathSync(dir), LOCK_FILE);
    const mine = held.get(file);
    if (mine?.running) throw UrchainError.CONFLICT(`another node (pid ${process.pid}, this process) is running on ${dir}`);
    const content = identity(process.pid) + '\n';
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createWhole(file, content)) {
        const lock = new FolderLock(file, content);
        held.set(file, { lock, running: true });
        installExitHook();
        return lock;
      }
      const seen = readOrUndefined(file);
      if (seen === undefined) continue; // removed meanwhile: try again
      const owner = parse(seen);
      if (owner && isLive(owner)) throw UrchainError.CONFLICT(`another node (pid ${owner.pid}) is running on ${dir}`, { pid: owner.pid });
      takeOverStale(file, seen, dir);
    }
    throw UrchainError.CONFLICT(`could not lock ${file}: it keeps changing; is another node starting on ${dir}?`);
  }

  /** After a clean stop: the folder is free now. */
  release(): void {
    held.delete(this.file);
    removeIfMine(this.file, this.content);
  }

  /**
   * After a failed start: no node of this process uses the folder any more (a later start in
   * this process may take it over), but the file stays until the process exits.
   */
  keepUntilExit(): void {
    const h = held.get(this.file);
    if (h) h.running = false;
  }
}

/**
 * Creates `file` holding `content`, or returns false if it exists. The content is written to a
 * private temporary file first and linked into place (link(2) fails on an existing name), so
 * nobody ever reads a lock that exists but is still empty.
 */
function createWhole(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, content, { flag: 'wx', mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
    // A file system without hard links: exclusive create, then write (a short empty window).
    try {
      fs.writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Moves a stale lock aside atomically, making sure it is the one judged stale. */
function takeOverStale(file: string, seen: string, dir: string) {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else took it over first
    throw e;
  }
  const moved = readOrUndefined(aside);
  if (moved === seen) return void fs.rmSync(aside, { force: true });
  // A fresh lock was written between our read and our rename: give it back, and let its owner run.
  try {
    fs.linkSync(aside, file);
  } catch {
    /* a third start wrote one meanwhile: that one holds the folder now */
  }
  fs.rmSync(aside, { force: true });
  throw UrchainError.CONFLICT(`another node is starting on ${dir}`);
}

function removeIfMine(file: string, content: string) {
  if (readOrUndefined(file) === content) fs.rmSync(file, { force: true });
}

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The process is gone after this: whatever it held is free now.
  process.on('exit', () => {
    for (const [file, { lock }] of held) {
      try {
        removeIfMine(file, lock.content);
      } catch {
        /* exiting anyway */
      }
    }
  });
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

interface Owner {
  pid: number;
  start?: string;
  boot?: string;
}

/** `PID [STARTTIME [BOOTID]]`; older releases wrote the pid alone. Unreadable → no owner (stale). */
function parse(s: string): Owner | undefined {
  const [pid, start, boot] = s.trim().split(/\s+/);
  if (!/^\d+$/.test(pid ?? '') || Number(pid) < 1) return undefined;
  return { pid: Number(pid), start, boot };
}

function isLive(o: Owner): boolean {
  // Our own pid: a node of this process still running there was refused in take(); this is a
  // lock left by a failed start of this process, or by an earlier process that had our pid.
  if (o.pid === process.pid) return false;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false; // ESRCH: no such process
    // EPERM: it exists and belongs to another user; fall through to the identity check.
  }
  const now = processStart(o.pid);
  if (o.boot && bootId() && o.boot !== bootId()) return false; // written before the last reboot
  if (o.start && now !== undefined && o.start !== now) return false; // the pid was reused
  return true;
}

/** `PID STARTTIME BOOTID` of a process (the last two may be missing off Linux). */
export function identity(pid: number): string {
  return [String(pid), processStart(pid), bootId()].filter((x) => x !== undefined).join(' ');
}

function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let boot: string | undefined | null = null;
function bootId(): string | undefined {
  if (boot === null) {
    try {
      boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      boot = undefined;
    }
  }
  return boot;
}
