/**
 * @module ingest/watch
 * Watched-folder ingest. Each file whose name matches the include glob is taken in once its size
 * and mtime stay unchanged between two looks (a writer still busy with it is left alone), and it
 * is moved to `.done/` only after its receipt came back, i.e. after the record is durable. The
 * record carries an idempotency key made from the file's name, size, mtime and SHA-256: if the
 * process dies between the receipt and the move, the next run gets the first receipt back instead
 * of a second record. So a restart neither skips nor duplicates a file.
 *
 * With `submitBatch`, the files that are ready at one look go out together, as one batch (a
 * batch request, or multi-record Profichain frames), each still moved only after its own receipt.
 *
 * An empty file is skipped and left where it is, unless `allowEmpty` (ingest/empty.ts): it is
 * reported once through `onSkip` and looked at again once it changes, so a file created empty
 * and written a moment later is still taken in, with its content.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../crypto/hash.js';
import { toHex } from '../codec/bytes.js';
import { globToRegExp } from './glob.js';
import { UrchainError } from '../errors.js';
import { refuseEmpty, isEmptyRefusal } from './empty.js';
import type { RecordInput, Receipt } from '../contracts/records.js';
import { chunk, type Outcome } from './batch.js';

/** What the watcher needs of a receipt (HTTP and Profichain receipts both have it). */
type FileReceipt = Pick<Receipt, 'txId' | 'duplicate'>;

export const DONE_DIR = '.done';

export interface FileEvent {
  file: string;
  movedTo: string;
  receipt: FileReceipt;
}

export interface WatchOptions {
  dir: string;
  include?: string;
  kind?: string;
  meta?: Record<string, string>;
  submit: (rec: RecordInput) => Promise<FileReceipt>;
  /** Sends the files ready at one look together, an outcome per record in order (else one `submit` each). */
  submitBatch?: (recs: RecordInput[]) => Promise<Outcome<FileReceipt>[]>;
  onFile?: (e: FileEvent) => void;
  onError?: (file: string, e: Error) => void;
  /** A file left in place on purpose (an empty one); without this handler it goes to onError. */
  onSkip?: (file: string, e: Error) => void;
  /** Take in empty files as empty records (default: skip them, see the module comment). */
  allowEmpty?: boolean;
  pollMs?: number;
  maxFileBytes?: number;
}

const FINAL = new Set(['BAD_INPUT', 'TOO_LARGE', 'CONFLICT']);
/** Files (and their bytes) read into memory for one batch, at most. */
const GROUP_FILES = 1000;
const GROUP_BYTES = 32 * 1024 * 1024;

type Ready = { name: string; file: string; st: fs.Stats };

/** Idempotency keys are at most 256 bytes (node/idem.ts). */
const MAX_KEY_BYTES = 256;

/**
 * A file's identity as an idempotency key: name, size, mtime and SHA-256. A name too long for
 * the key (file names may have 255 bytes) is replaced by its SHA-256, so the key stays bounded;
 * shorter names keep the readable form, which earlier versions wrote too.
 */
export function fileKey(name: string, size: number, mtimeMs: number, payload: Uint8Array): string {
  const rest = `${size}:${Math.trunc(mtimeMs)}:${toHex(sha256(payload))}`;
  const plain = `file:${name}:${rest}`;
  if (Buffer.byteLength(plain, 'utf8') <= MAX_KEY_BYTES) return plain;
  return `file#${toHex(sha256(new TextEncoder().encode(name)))}:${rest}`;
}

export class FolderWatcher {
  private seen = new Map<string, string>(); // name -> "size:mtime" at the last look
  private busy = new Set<string>();
  private refused = new Map<string, string>(); // name -> "size:mtime" when the node refused it for good
  private timer?: NodeJS.Timeout;
  private watcher?: fs.FSWatcher;
  private closed = false;
  private scanning: Promise<void> | null = null;
  private rescan = false;
  private readonly re: RegExp;
  private readonly done: string;
  processed = 0;

  constructor(private readonly o: WatchOptions) {
    this.re = globToRegExp(o.include ?? '*');
    this.done = path.join(o.dir, DONE_DIR);
  }

  start(): void {
    fs.mkdirSync(this.done, { recursive: true });
    try {
      this.watcher = fs.watch(this.o.dir, () => this.kick());
      this.watcher.on('error', () => undefined);
    } catch {
      /* polling alone still works */
    }
    this.timer = setInterval(() => this.kick(), this.o.pollMs ?? 250);
    this.kick();
  }

  private kick(): void {
    if (this.closed) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = this.scan().finally(() => {
      this.scanning = null;
      if (this.rescan) {
        this.rescan = false;
        this.kick();
      }
    });
  }

  /** One look at the folder; files seen unchanged since the previous look are taken in. */
  async scan(): Promise<void> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.o.dir);
    } catch (e) {
      this.o.onError?.(this.o.dir, e as Error);
      return;
    }
    const jobs: Promise<void>[] = [];
    const ready: Ready[] = [];
    const present = new Set<string>();
    for (const name of names.sort()) {
      if (name.startsWith('.') || !this.re.test(name) || this.busy.has(name)) continue;
      const file = path.join(this.o.dir, name);
      let st: fs.Stats;
      try {
        st = await fs.promises.stat(file);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      present.add(name);
      const sig = `${st.size}:${st.mtimeMs}`;
      if (this.refused.get(name) === sig) continue; // reported once; tried again when it changes
      this.refused.delete(name);
      if (this.seen.get(name) !== sig) {
        this.seen.set(name, sig);
        continue; // look again next time: it must hold still for one interval
      }
      this.busy.add(name);
      ready.push({ name, file, st });
    }
    if (this.o.submitBatch) for (const g of chunk(ready, GROUP_FILES, GROUP_BYTES, (f) => f.st.size)) jobs.push(this.takeTogether(g).finally(() => g.forEach((f) => this.busy.delete(f.name))));
    else for (const f of ready) jobs.push(this.take(f).finally(() => this.busy.delete(f.name)));
    for (const n of this.seen.keys()) if (!present.has(n) && !this.busy.has(n)) this.seen.delete(n);
    const listed = new Set(names);
    for (const n of this.refused.keys()) if (!listed.has(n)) this.refused.delete(n);
    await Promise.all(jobs);
  }

  /** The record of a ready file (throws what is wrong with it). */
  private async read({ name, file, st }: Ready): Promise<RecordInput> {
    if (this.o.maxFileBytes && st.size > this.o.maxFileBytes) throw UrchainError.TOO_LARGE(`file of ${st.size} bytes exceeds the limit of ${this.o.maxFileBytes}`);
    const payload = new Uint8Array(await fs.promises.readFile(file));
    refuseEmpty(payload, 'the file', this.o.allowEmpty);
    const idemKey = fileKey(name, payload.length, st.mtimeMs, payload);
    return { payload, kind: this.o.kind ?? 'record', meta: { ...this.o.meta, source: this.o.meta?.source ?? 'file', filename: name }, idemKey };
  }

  /** After its receipt: the file goes to .done/. */
  private async moved({ name, file }: Ready, receipt: FileReceipt): Promise<void> {
    await fs.promises.mkdir(this.done, { recursive: true });
    let dest = path.join(this.done, name);
    if (fs.existsSync(dest)) dest = path.join(this.done, `${name}.${receipt.txId.slice(0, 12)}`);
    await fs.promises.rename(file, dest);
    this.seen.delete(name);
    this.processed++;
    this.o.onFile?.({ file, movedTo: dest, receipt });
  }

  private failed({ name, file, st }: Ready, e: unknown): void {
    this.seen.delete(name); // retried on a later look
    // A refusal that a retry cannot change is reported once, until the file changes.
    if (e instanceof UrchainError && FINAL.has(e.code)) this.refused.set(name, `${st.size}:${st.mtimeMs}`);
    (isEmptyRefusal(e) ? (this.o.onSkip ?? this.o.onError) : this.o.onError)?.(file, e as Error);
  }

  private async take(f: Ready): Promise<void> {
    try {
      await this.moved(f, await this.o.submit(await this.read(f)));
    } catch (e) {
      this.failed(f, e);
    }
  }

  /** Files ready together, sent as one batch; each is moved or reported on its own. */
  private async takeTogether(fs_: Ready[]): Promise<void> {
    const recs = await Promise.all(fs_.map((f) => this.read(f).catch((e: unknown) => void this.failed(f, e))));
    const ok = fs_.filter((_, i) => recs[i]);
    if (!ok.length) return;
    let outs: Outcome<FileReceipt>[];
    try {
      outs = await this.o.submitBatch!(recs.filter((r): r is RecordInput => !!r));
    } catch (e) {
      for (const f of ok) this.failed(f, e);
      return;
    }
    await Promise.all(ok.map((f, i) => (outs[i].receipt ? this.moved(f, outs[i].receipt!).catch((e: unknown) => this.failed(f, e)) : this.failed(f, outs[i].error))));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    await this.scanning;
  }
}
