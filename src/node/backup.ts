/**
 * @module node/backup
 * `urchain backup` and `urchain restore`: a data folder copied while its node runs, and put back.
 *
 * A plain copy of a live folder can catch LMDB between two writes (it was found corrupt,
 * MDB_PROBLEM). The store is therefore copied by LMDB itself from one read transaction
 * (LmdbStore.backup): the copy is the store as of one commit, and the node's writer waits for
 * it at most while LMDB writes the two meta pages at the start (mdb_env_copyfd0; with --compact,
 * not at all). Every receipt given before the backup started is in that commit or an earlier one.
 * Beside the store, the backup holds every other regular file of the folder and of its subfolders
 * (node.key, members.json, tlog/signed.json — the last checkpoint the log signed, whose loss would
 * let a restored node sign an inconsistent one —, tlog/cosigned/*.note, anchors/*.ots, ...) under
 * their relative paths, and nothing transient: not the node's lock (node.pid), LMDB's lock file,
 * or a half-written temporary file.
 *
 * A backup is a folder, or the same files as one tar archive (io/tar.ts) when `--out` ends in
 * `.tar`. Its last file written, `backup.json`, lists every file with its size and SHA-256 (and
 * the store's format, chain and height); the folder or archive appears under its name only once
 * complete (built under a temporary name, synced, renamed), so a backup that exists is whole.
 * Restore checks every byte against that list before it puts anything in place, and takes the
 * target folder's lock for the time it writes: no node can start on a half-restored folder, and a
 * restore onto a folder a node runs on is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { LmdbStore, STORE_FILE, mustHoldStore } from '../store/lmdb.js';
import { checkFormat, currentFormat } from '../store/format.js';
import { chainIdOf } from '../chain/params.js';
import { toHex } from '../codec/bytes.js';
// fsyncDir opens any path read-only and fsyncs it: here it syncs the copied files as well as folders.
import { fsyncDir } from '../io/durableFile.js';
import { UrchainError } from '../errors.js';
import { readJsonFile, parseJsonText } from '../io/jsonFile.js';
import { writeTar, readTar, isPlainRelativePath } from '../io/tar.js';
import { FolderLock, LOCK_FILE, RESTORE_MARKER } from './lock.js';
import { makePrivateDir } from './init.js';

export const MANIFEST = 'backup.json';

export interface BackupFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** What backup.json holds. */
export interface Manifest {
  urchainBackup: 1;
  created: string;
  format: number;
  chainId: string;
  height: number;
  files: BackupFile[];
}

export interface BackupProgress {
  phase: 'copy' | 'hash' | 'archive';
  bytes: number;
  /** Bytes the phase will handle (for `copy`, an estimate: the store's size on disk). */
  total: number;
}

export interface BackupSummary {
  out: string;
  kind: 'folder' | 'tar';
  bytes: number;
  ms: number;
  format: number;
  chainId: string;
  height: number;
  files: BackupFile[];
}

/** Files of a data folder that are never copied: locks and half-written temporary files. */
export function isTransient(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`) || name === `${STORE_FILE}-lock` || name.endsWith('.tmp') || name === MANIFEST;
}

/** Backs up the data folder `data` (a node may be running on it) to `out`: a folder, or a tar archive when `out` ends in `.tar`. */
export async function backupFolder(data: string, out: string, o: { compact?: boolean; onProgress?: (p: BackupProgress) => void; signal?: AbortSignal } = {}): Promise<BackupSummary> {
  const started = Date.now();
  out = path.resolve(out); // `--out DIR/` (as shells complete it) names DIR, not a folder inside it
  // Stopped (Ctrl-C): the copy under way is dropped, nothing appears under `out`. LMDB's own copy
  // cannot be cut short; it is left to finish into the removed folder (or to end with the process).
  let stop!: (e: Error) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => undefined);
  const onAbort = () => stop(UrchainError.UNAVAILABLE('the backup was stopped'));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = (p: BackupProgress) => {
    if (o.signal?.aborted) throw UrchainError.UNAVAILABLE('the backup was stopped');
    o.onProgress?.(p);
  };
  const kind = out.endsWith('.tar') ? 'tar' : 'folder';
  mustBeNew(out);
  mustHoldStore(data);
  const stage = `${out}.partial-${randomBytes(4).toString('hex')}`;
  makePrivateDir(stage);
  try {
    const total = sizeOf(path.join(data, STORE_FILE));
    const poll = setInterval(() => o.onProgress?.({ phase: 'copy', bytes: sizeOf(path.join(stage, STORE_FILE)), total }), 250);
    try {
      await Promise.race([LmdbStore.backup(data, path.join(stage, STORE_FILE), !!o.compact), stopped]);
    } finally {
      clearInterval(poll);
    }
    fsyncDir(path.join(stage, STORE_FILE));
    // What the copy holds, read from the copy itself (then its LMDB lock file goes again).
    const { format, params, head } = await LmdbStore.describe(stage);
    fs.rmSync(path.join(stage, `${STORE_FILE}-lock`), { force: true });
    // The rest of the folder and its subfolders: small files, replaced whole by rename when they change.
    const rest = otherFiles(data);
    for (const name of rest) {
      const to = path.join(stage, name);
      fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
      fs.copyFileSync(path.join(data, name), to);
      fsyncDir(to);
    }
    const names = [STORE_FILE, ...rest];
    const hashTotal = names.reduce((n, f) => n + sizeOf(path.join(stage, f)), 0);
    let hashed = 0;
    const files: BackupFile[] = [];
    for (const name of names) {
      fs.chmodSync(path.join(stage, name), 0o600);
      files.push(await digestOf(path.join(stage, name), name, (n) => progress({ phase: 'hash', bytes: (hashed += n), total: hashTotal })));
    }
    progress({ phase: 'hash', bytes: hashTotal, total: hashTotal });
    const manifest: Manifest = { urchainBackup: 1, created: new Date().toISOString(), format, chainId: params ? toHex(chainIdOf(params)) : '', height: head?.height ?? -1, files };
    writeSynced(path.join(stage, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    let bytes = hashTotal;
    if (kind === 'folder') {
      for (const d of foldersOf(names)) fsyncDir(path.join(stage, d));
      fsyncDir(stage);
      fs.renameSync(stage, out);
    } else {
      const tmp = `${stage}.tar`;
      let done = 0;
      const order = [...names, MANIFEST].map((name) => ({ name, path: path.join(stage, name) }));
      try {
        bytes = await writeTar(tmp, order, (n) => progress({ phase: 'archive', bytes: (done += n), total: hashTotal }));
        fs.renameSync(tmp, out);
      } finally {
        fs.rmSync(tmp, { force: true });
      }
    }
    fsyncDir(path.dirname(path.resolve(out)));
    return { out, kind, bytes, ms: Date.now() - started, format, chainId: manifest.chainId, height: manifest.height, files };
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

export interface RestoreSummary {
  data: string;
  from: string;
  bytes: number;
  ms: number;
  format: number;
  chainId: string;
  height: number;
  files: string[];
  /** Files of the target folder that were replaced or removed (only with `force`). */
  replaced: string[];
}

/**
 * Puts the backup `from` (a folder or tar archive made by backupFolder) into the data folder
 * `data`. Refuses a folder that holds anything unless `force` (then the urchain files in it are
 * replaced; files it does not know stay), and refuses while a node runs on it.
 */
export async function restoreFolder(from: string, data: string, o: { force?: boolean } = {}): Promise<RestoreSummary> {
  const started = Date.now();
  const src = openBackup(from);
  // A store of a newer format would only be refused by every command later: refuse it now. An
  // older one is restored as it is (then \`urchain migrate\`).
  if (src.manifest.format > currentFormat()) checkFormat(src.manifest.format, from);
  makePrivateDir(data);
  fsyncDir(path.dirname(path.resolve(data))); // a folder restore made survives a power cut with its contents
  const lock = FolderLock.take(data);
  const staged: string[] = [];
  try {
    const present = fs.readdirSync(data).filter((n) => n !== LOCK_FILE && !n.startsWith(`${LOCK_FILE}.`));
    if (present.length && !o.force)
      throw UrchainError.EXISTS(`${data} is not empty (${present.slice(0, 4).join(', ')}${present.length > 4 ? ', …' : ''}); restore into an empty folder, or add --force to replace the urchain files in it`, { path: data });
    let bytes = 0;
    for (const f of src.manifest.files) {
      // Staged at the top of the folder (a name of its own, transient by its .tmp), moved in place below.
      const tmp = path.join(data, `${f.name.replaceAll('/', '~')}.restore-${randomBytes(4).toString('hex')}.tmp`);
      staged.push(tmp);
      const got = await src.copy(f, tmp);
      if (got.bytes !== f.bytes || got.sha256 !== f.sha256)
        throw UrchainError.BAD_INPUT(`${from}: ${f.name} does not match backup.json (${got.bytes} bytes, SHA-256 ${got.sha256.slice(0, 16)}…; listed: ${f.bytes} bytes, ${f.sha256.slice(0, 16)}…): the backup is damaged`, { path: from });
      bytes += got.bytes;
    }
    const names = src.manifest.files.map((f) => f.name);
    const known = [STORE_FILE, `${STORE_FILE}-lock`, 'node.key', 'members.json'];
    const replaced = present.filter((n) => names.includes(n) || known.includes(n));
    // From the first change to the folder to the last, the marker says the folder is half restored
    // (a node refuses it: node/lock.ts); it is durable before anything moves.
    const marker = path.join(data, RESTORE_MARKER);
    fs.writeFileSync(marker, `restore from ${from} under way\n`);
    fsyncDir(marker);
    fsyncDir(data);
    for (const n of replaced) if (!names.includes(n)) fs.rmSync(path.join(data, n), { force: true });
    // The store goes in last: a restore cut short leaves no store beside keys of another one.
    const order = src.manifest.files.map((f, i) => ({ f, tmp: staged[i] })).sort((a, b) => (a.f.name === STORE_FILE ? 1 : b.f.name === STORE_FILE ? -1 : 0));
    for (const d of foldersOf(names)) fs.mkdirSync(path.join(data, d), { recursive: true, mode: 0o700 });
    for (const { f, tmp } of order) fs.renameSync(tmp, path.join(data, f.name));
    staged.length = 0;
    for (const d of foldersOf(names)) fsyncDir(path.join(data, d));
    fsyncDir(data);
    fs.rmSync(marker);
    fsyncDir(data);
    const m = src.manifest; // every byte checked against it above
    return { data, from, bytes, ms: Date.now() - started, format: m.format, chainId: m.chainId, height: m.height, files: names, replaced };
  } finally {
    for (const t of staged) fs.rmSync(t, { force: true });
    lock.release();
  }
}

interface BackupSource {
  manifest: Manifest;
  /** Copies one listed file to `to` (0600, synced); its size and digest as read. */
  copy(f: BackupFile, to: string): Promise<BackupFile>;
}

function openBackup(from: string): BackupSource {
  let st: fs.Stats;
  try {
    st = fs.statSync(from);
  } catch {
    throw UrchainError.NOT_FOUND(`no backup at ${from}`, { path: from });
  }
  if (st.isDirectory()) {
    const manifest = checkManifest(readJsonFile(path.join(from, MANIFEST), 'backup manifest'), from);
    return { manifest, copy: (f, to) => copyRange(path.join(from, f.name), 0, undefined, to, f.name) };
  }
  const entries = readTar(from);
  const m = entries.find((e) => e.name === MANIFEST);
  if (!m || m.size > 1 << 20) throw UrchainError.BAD_INPUT(`${from} is not an urchain backup: it holds no ${MANIFEST}`, { path: from });
  const text = Buffer.alloc(m.size);
  const fd = fs.openSync(from, 'r');
  fs.readSync(fd, text, 0, m.size, m.offset);
  fs.closeSync(fd);
  const manifest = checkManifest(parseJsonText(text.toString('utf8'), from, 'backup manifest'), from);
  return {
    manifest,
    copy(f, to) {
      const e = entries.find((x) => x.name === f.name);
      if (!e) throw UrchainError.BAD_INPUT(`${from}: ${f.name} is listed in ${MANIFEST} but not in the archive`, { path: from });
      return copyRange(from, e.offset, e.size, to, f.name);
    },
  };
}

function checkManifest(x: unknown, from: string): Manifest {
  const m = x as Manifest;
  const bad = (why: string) => UrchainError.BAD_INPUT(`${from}: ${MANIFEST} is not an urchain backup manifest (${why})`, { path: from });
  if (!m || typeof m !== 'object' || m.urchainBackup !== 1) throw bad('urchainBackup is not 1');
  if (!Array.isArray(m.files) || !m.files.some((f) => f?.name === STORE_FILE)) throw bad(`no ${STORE_FILE} listed`);
  for (const f of m.files)
    if (typeof f?.name !== 'string' || !isPlainRelativePath(f.name) || isTransient(path.basename(f.name)) || !Number.isSafeInteger(f.bytes) || !/^[0-9a-f]{64}$/.test(f.sha256))
      throw bad(`file entry ${JSON.stringify(f)}`);
  if (new Set(m.files.map((f) => f.name)).size !== m.files.length) throw bad('a file is listed twice');
  return m;
}

/** Copies `size` bytes (default: to the end) of `file` from `start` into the new file `to`, hashing them. */
async function copyRange(file: string, start: number, size: number | undefined, to: string, name: string): Promise<BackupFile> {
  const src = await fs.promises.open(file, 'r');
  const dst = await fs.promises.open(to, 'wx', 0o600);
  const hash = createHash('sha256');
  const buf = Buffer.alloc(4 << 20);
  let bytes = 0;
  try {
    for (;;) {
      const want = size === undefined ? buf.length : Math.min(buf.length, size - bytes);
      if (want === 0) break;
      const { bytesRead } = await src.read(buf, 0, want, start + bytes);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      await dst.write(buf, 0, bytesRead);
      bytes += bytesRead;
    }
    await dst.sync();
  } finally {
    await src.close();
    await dst.close();
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

async function digestOf(file: string, name: string, onBytes: (n: number) => void): Promise<BackupFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes((chunk as Buffer).length);
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

/**
 * The regular files of a data folder other than the store, as relative paths, sorted: those at the
 * top and, recursively, in its subfolders (not following links); transient ones left out.
 */
function otherFiles(data: string, under = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(data, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...otherFiles(data, rel));
    else if (e.isFile() && rel !== STORE_FILE && !isTransient(e.name)) out.push(rel);
  }
  return out.sort();
}

/** The folders (relative, each parent before its children) that hold the files named. */
function foldersOf(names: string[]): string[] {
  const dirs = new Set<string>();
  for (const n of names) {
    const parts = n.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
}

function mustBeNew(out: string) {
  if (fs.existsSync(out)) throw UrchainError.EXISTS(`${out} exists; a backup goes to a new folder or file`, { path: out });
  if (!fs.existsSync(path.dirname(path.resolve(out)))) throw UrchainError.NOT_FOUND(`no folder ${path.dirname(path.resolve(out))} to hold ${out}`, { path: out });
}

function writeSynced(file: string, text: string) {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
