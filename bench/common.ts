/**
 * What every bench module shares: the line printer's type, percentiles and min/median/max, the
 * closed-loop driver, a paced open-loop driver, and the I/O and CPU counters of a process
 * (`/proc/PID/io`, `process.cpuUsage`). bench/run.ts passes each module its `emit`, so every line
 * carries the OpenSSL yardsticks measured in the same run.
 */
import fs from 'node:fs';
import { Agent, request } from 'undici';
import { encode as cborEncode } from 'cbor-x';

export type Emit = (o: Record<string, unknown>) => void;

/** Options every bench module gets from bench/run.ts. */
export interface BenchOptions {
  /** Seconds per measurement (`--seconds`). */
  seconds: number;
  /** The command line, for a module's own flags (`flag`). */
  args: string[];
}

/** The value after `k` on the command line, or `d`. */
export function flag(args: string[], k: string, d: string): string {
  const i = args.indexOf(k);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : d;
}

export function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 100) / 100;
}

/** min / median / max of a few round results (the interleaved rounds print these). */
export function spread(xs: number[]): { min: number; median: number; max: number } {
  const s = xs.slice().sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { min: r(s[0]), median: r(s[Math.floor(s.length / 2)]), max: r(s[s.length - 1]) };
}

/**
 * Runs `workers` loops for `seconds`, each calling `once` (which returns how many records it
 * moved) again and again; gives the records, the seconds taken and each call's latency in ms.
 * Closed loop: a worker sends again only when its last call returned, so this finds the maximum
 * rate, not the latency at a given load (that is `paced`).
 */
export async function drive(workers: number, seconds: number, once: (worker: number) => Promise<number>) {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < end) {
        const s = performance.now();
        const k = await once(w); // not `n += await ...`: that reads n before the await and loses counts
        n += k;
        lat.push(performance.now() - s);
      }
    }),
  );
  return { n, lat, secs: (performance.now() - t0) / 1000 };
}

/**
 * Open loop: starts `once` at `perSec` calls a second for `seconds`, whether earlier calls have
 * returned or not, and times each from the moment it was DUE (not the moment it was started), so
 * a stalled server cannot hide its queue (no coordinated omission). At most `maxInFlight` calls
 * run at once; a call due beyond that waits, and its wait counts in its latency.
 */
export async function paced(perSec: number, seconds: number, once: () => Promise<number>, maxInFlight = 4096) {
  const lat: number[] = [];
  /** When each answered request was due (performance.now()), in the order of `lat`. */
  const dueAt: number[] = [];
  const total = Math.max(1, Math.round(perSec * seconds));
  const t0 = performance.now();
  let started = 0;
  let inFlight = 0;
  let n = 0;
  let failed = 0;
  // No list of the calls' promises: kept to the end, they were a few hundred bytes per call that
  // outlived the young generation, and the client's own full collections (12-25 ms, both cores
  // busy) made slow receipts of one record per request (README, issue 11's eleventh part).
  let freed: (() => void) | undefined;
  let allDone: (() => void) | undefined;
  while (started < total) {
    const due = t0 + (started * 1000) / perSec;
    const now = performance.now();
    if (due > now) {
      await new Promise((r) => setTimeout(r, Math.max(0, due - now - 0.5)));
      continue;
    }
    if (inFlight >= maxInFlight) {
      await new Promise<void>((r) => (freed = r));
      continue;
    }
    started++;
    inFlight++;
    void once().then(
      (k) => {
        n += k;
        lat.push(performance.now() - due);
        dueAt.push(due);
        settled();
      },
      () => {
        failed++;
        settled();
      },
    );
  }
  function settled() {
    inFlight--;
    freed?.();
    freed = undefined;
    if (inFlight === 0) allDone?.();
  }
  if (inFlight > 0) await new Promise<void>((r) => (allDone = r));
  return { n, lat, dueAt, failed, secs: (performance.now() - t0) / 1000 };
}

/** A process's I/O counters: bytes it asked to write (wchar), bytes that reached the disk (write_bytes). */
export interface ProcIo {
  wchar: number;
  writeBytes: number;
  rchar: number;
  readBytes: number;
}

export function procIo(pid: number | 'self' = 'self'): ProcIo {
  const t = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(t)?.[1] ?? NaN);
  return { wchar: get('wchar'), writeBytes: get('write_bytes'), rchar: get('rchar'), readBytes: get('read_bytes') };
}

export function ioDelta(a: ProcIo, b: ProcIo): ProcIo {
  return { wchar: b.wchar - a.wchar, writeBytes: b.writeBytes - a.writeBytes, rchar: b.rchar - a.rchar, readBytes: b.readBytes - a.readBytes };
}

/** The /sys file with the I/O counters of the block device (disk or partition) that holds `dir`; it exists only for a block device. */
export function deviceStatFile(dir: string): string {
  const dev = fs.statSync(dir, { bigint: true }).dev;
  // glibc's encoding of dev_t: major in bits 8-19 and 44-63, minor in bits 0-7 and 20-43
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & 0xffffff00n));
  return `/sys/dev/block/${major}:${minor}/stat`;
}

/**
 * Bytes written to the block device that holds `dir`, so far: sectors written
 * (/sys/dev/block/MAJOR:MINOR/stat, 512-byte units whatever the device's sector size) of the
 * partition or disk. Every writer on that device counts, journal and metadata included: a
 * difference over a window is what one process cost the disk only on an otherwise idle machine.
 * Undefined where the folder is on no block device (tmpfs, overlay) or /sys is not there.
 */
export function deviceWrites(dir: string): number | undefined {
  try {
    const fields = fs.readFileSync(deviceStatFile(dir), 'utf8').trim().split(/\s+/);
    const sectors = Number(fields[6]); // the 7th field: sectors written
    return Number.isFinite(sectors) ? sectors * 512 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of this process, in µs. */
export const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** CPU time (user + system) of another process, in µs, from /proc/PID/stat (clock ticks of 10 ms). */
export function cpuMicrosOf(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10_000; // utime, stime (fields 14, 15)
}

/** Posts batches of `perRequest` records of `payloadBytes` to a node's batch API; one client shared by the bench modules. */
export class BatchSender {
  readonly agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  readonly body: Buffer;
  constructor(
    readonly url: string,
    readonly perRequest: number,
    payload: Uint8Array,
  ) {
    this.body = Buffer.from(cborEncode(Array.from({ length: perRequest }, () => ({ payload }))));
  }

  /** Sends one batch; the txIds of its receipts. */
  async send(body: Uint8Array = this.body): Promise<string[]> {
    const res = await request(`${this.url}/v1/records/batch`, { method: 'POST', body, headers: { 'content-type': 'application/cbor' }, dispatcher: this.agent });
    const r = (await res.body.json()) as { receipts: { txId: string }[] };
    if (res.statusCode !== 200) throw new Error(JSON.stringify(r));
    return r.receipts.map((x) => x.txId);
  }

  close = () => this.agent.close();
}
