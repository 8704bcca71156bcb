/**
 * `--only hypercore`: Hypercore 11 beside urchain's in-process intake, in the same process run,
 * on the same 1 KiB payloads, in interleaved rounds (Hypercore, urchain, Hypercore, urchain …),
 * each side batched (1,000 records per call) and one record at a time.
 *
 * urchain: the node's own intake (src/node/intake.ts) on an LmdbStore, records submitted
 * together so they form one group commit: each record gets its txId, batch signature, Merkle
 * path and a receipt only after LMDB's synced commit. No block production runs here (the node
 * process does that beside intake; `--only ingest` measures the whole node).
 *
 * Hypercore as shipped never syncs: its storage (hypercore-storage) is RocksDB, whose writes go
 * to its write-ahead log without `sync`, and the binding offers no sync write option. Made
 * durable here by `fdatasync` of RocksDB's current WAL file after each append call (and of the
 * previous WAL when RocksDB switched to a new one), which is what RocksDB's own
 * `WriteOptions.sync` does. Without that sync it is printed too, as "as shipped".
 *
 * Bare lmdb-js (one put per record, 1,000 per synced commit) runs in the rounds too: the floor
 * under urchain's layout, without signatures, trees or indexes.
 *
 * Per round and side: records/s, CPU µs per record (process.cpuUsage), and bytes written per
 * record (this process's /proc/self/io write_bytes and wchar; both stores write from the same
 * threads, so these are rough: `hypercore.bytes` measures each side alone). Printed:
 * min/median/max over the rounds, and the ratio urchain / Hypercore of the medians.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { LmdbStore } from '../src/store/lmdb.js';
import { genesisWrite } from '../src/ledger/genesis.js';
import { chainIdOf, type ChainParams } from '../src/chain/params.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { Intake } from '../src/node/intake.js';
import { ROLES } from '../src/contracts/roles.js';
import { durableCommit } from '../src/store/commit.js';
import { sha256 } from '../src/crypto/hash.js';
import { open as openLmdb } from 'lmdb';
import { cpuMicros, flag, ioDelta, procIo, spread, type BenchOptions, type Emit } from './common.js';

/** Hypercore and its storage are CommonJS without types: loaded through require. */
const require = createRequire(import.meta.url);

/** One side of the comparison: appends `records` and resolves once they are durable. */
interface Side {
  name: string;
  mode: 'batched' | 'single';
  durable: string;
  /** Appends `n` records as the side's mode says; resolves when all are durable. */
  run(n: number): Promise<void>;
}

/** Keeps an fd on RocksDB's current WAL file and `fdatasync`s it (and the one before, if RocksDB switched). */
class WalSync {
  private fd?: fsp.FileHandle;
  private number = -1;
  constructor(private readonly rocks: any) {}

  async sync(): Promise<void> {
    const w = await this.rocks.currentWalFile();
    if (w.number !== this.number) {
      const old = this.fd;
      // The WAL path is relative to the database folder (rocks.path).
      this.fd = await fsp.open(path.join(this.rocks.path, w.path), 'r');
      this.number = w.number;
      if (old) {
        await old.datasync(); // its last writes may not be synced yet
        await old.close();
      }
    }
    await this.fd!.datasync();
  }

  close = async () => this.fd?.close();
}

async function openHypercore(dir: string) {
  const Hypercore = require('hypercore');
  const CoreStorage = require('hypercore-storage');
  const storage = new CoreStorage(dir);
  const core = new Hypercore(storage);
  await core.ready();
  const wal = new WalSync(storage.rocks);
  // flush: RocksDB writes its memtable out to the SST and blob files where records end up.
  return { core, wal, flush: () => storage.db.flush(), close: async () => (await wal.close(), await core.close(), await storage.close?.()) };
}

type Hc = Awaited<ReturnType<typeof openHypercore>>;
type Ur = Awaited<ReturnType<typeof openUrchain>>;

/** Hypercore batched and durable: one append call per `batch.length` records, then the WAL's fdatasync. */
async function hcBatched(hc: Hc, batch: Buffer[], n: number, sync = true): Promise<void> {
  for (let i = 0; i < n; i += batch.length) {
    await hc.core.append(batch);
    if (sync) await hc.wal.sync();
  }
}

/**
 * urchain batched: `batch.length` records handed over in one call (Intake.acceptAll, what the HTTP
 * batch route calls), so they form one group commit; each answer is the record's durable receipt
 * in raw form (txId, core fields, batch root), made into JSON only when a route writes it.
 */
async function urBatched(ur: Ur, batch: Buffer[], n: number): Promise<void> {
  const recs = batch.map((payload) => ({ payload }));
  for (let i = 0; i < n; i += batch.length) {
    const out = await ur.intake.acceptAll(recs);
    for (const r of out) if (r instanceof Error) throw r;
  }
}

async function openUrchain(dir: string) {
  const key = generateKeyPair();
  const params: ChainParams = { version: 1, name: 'bench', created: Date.now(), consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
  const store = await LmdbStore.open(dir);
  await store.initChain(params, genesisWrite(params));
  const intake = new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full });
  return { intake, close: async () => (await intake.close(), await store.close()) };
}

/**
 * The floor under urchain's layout: bare lmdb-js with the store's own settings and commit
 * (store/commit.ts), each record one put of its 1 KiB under a random 32-byte key, 1,000 per
 * synced transaction. No signature, no Merkle tree, no indexes.
 */
function openBareLmdb(dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const env = openLmdb({ path: path.join(dir, 'bare.lmdb'), overlappingSync: true, compression: false, encoding: 'binary', eventTurnBatching: false } as never);
  let k = 0;
  const run = async (batch: Buffer[], n: number) => {
    for (let i = 0; i < n; i += batch.length)
      await durableCommit(env, () => {
        for (const p of batch) env.putSync(Buffer.from(sha256(Buffer.from(String(k++)))), p);
      });
  };
  return { run, close: () => env.close() };
}

export async function hypercoreBench(emit: Emit, o: BenchOptions): Promise<void> {
  const rounds = Math.max(3, Number(flag(o.args, '--rounds', '3')));
  const batch = 1000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-hc-'));
  const payload = crypto.randomBytes(1024);
  const batchOf = Array.from({ length: batch }, () => payload);
  const hc = await openHypercore(path.join(dir, 'hypercore'));
  const ur = await openUrchain(path.join(dir, 'urchain'));
  const bare = openBareLmdb(path.join(dir, 'bare'));
  const sides: Side[] = [
    { name: 'hypercore', mode: 'batched', durable: 'fdatasync of the RocksDB WAL after each append', run: (n) => hcBatched(hc, batchOf, n) },
    { name: 'urchain', mode: 'batched', durable: 'LMDB synced commit before the receipt', run: (n) => urBatched(ur, batchOf, n) },
    { name: 'hypercore', mode: 'single', durable: 'fdatasync of the RocksDB WAL after each append', run: async (n) => {
      for (let i = 0; i < n; i++) {
        await hc.core.append(payload);
        await hc.wal.sync();
      }
    } },
    { name: 'urchain', mode: 'single', durable: 'LMDB synced commit before the receipt', run: async (n) => {
      for (let i = 0; i < n; i++) await ur.intake.submit({ payload });
    } },
    { name: 'hypercore (as shipped, no sync)', mode: 'batched', durable: 'none', run: (n) => hcBatched(hc, batchOf, n, false) },
    { name: 'lmdb (bare: one put per record, no provenance)', mode: 'batched', durable: 'LMDB synced commit', run: (n) => bare.run(batchOf, n) },
  ];
  type Round = { perSec: number; cpuUs: number; writeBytes: number; wchar: number; records: number };
  const results = new Map<Side, Round[]>(sides.map((s) => [s, []]));
  const sizes = new Map<Side, number>();
  try {
    // Each measurement first finds its size: as many records as fit in about `seconds`, judged
    // from a short first call, so a slow side (one at a time) does not stretch the run.
    for (const s of sides) {
      const t = performance.now();
      const probe = s.mode === 'batched' ? batch : 20;
      await s.run(probe);
      const perSec = probe / ((performance.now() - t) / 1000);
      const unit = s.mode === 'batched' ? batch : 1;
      sizes.set(s, Math.max(unit, Math.round((perSec * o.seconds) / unit) * unit));
    }
    for (let r = 0; r < rounds; r++) {
      for (const s of sides) {
        const n = sizes.get(s)!;
        global.gc?.(); // a collection left over from the other side is not billed to this one
        const io0 = procIo();
        const c0 = cpuMicros();
        const t0 = performance.now();
        await s.run(n);
        const secs = (performance.now() - t0) / 1000;
        const io = ioDelta(io0, procIo());
        results.get(s)!.push({ perSec: n / secs, cpuUs: (cpuMicros() - c0) / n, writeBytes: io.writeBytes / n, wchar: io.wchar / n, records: n });
      }
    }
  } finally {
    await hc.close();
    await ur.close();
    await bare.close();
  }
  // As many records as the smaller durable batched round (a multiple of the batch).
  const durableBatched = sides.filter((s) => s.mode === 'batched' && s.durable !== 'none').map((s) => sizes.get(s) ?? batch);
  const settled = await settledBytes(dir, payload, batch, Math.min(...durableBatched));
  fs.rmSync(dir, { recursive: true, force: true });
  const median = (s: Side, k: keyof Round) => spread(results.get(s)!.map((x) => x[k])).median;
  for (const s of sides) {
    const rs = results.get(s)!;
    emit({
      bench: 'hypercore.side-by-side',
      impl: s.name,
      mode: s.mode,
      recordsPerCall: s.mode === 'batched' ? batch : 1,
      payloadBytes: 1024,
      durable: s.durable,
      rounds: rs.length,
      recordsPerRound: rs[0]?.records,
      recordsPerSec: spread(rs.map((x) => x.perSec)),
      cpuUsPerRecord: spread(rs.map((x) => x.cpuUs)),
      writeBytesPerRecord: spread(rs.map((x) => x.writeBytes)),
      wcharPerRecord: spread(rs.map((x) => x.wchar)),
    });
  }
  for (const mode of ['batched', 'single'] as const) {
    const [h, u] = [sides.find((s) => s.name === 'hypercore' && s.mode === mode)!, sides.find((s) => s.name === 'urchain' && s.mode === mode)!];
    const ratio = (k: keyof Round) => Math.round((median(u, k) / median(h, k)) * 100) / 100;
    emit({
      bench: 'hypercore.ratio',
      mode,
      of: 'urchain / hypercore (durable), medians',
      recordsPerSec: ratio('perSec'),
      cpuUsPerRecord: ratio('cpuUs'),
      writeBytesPerRecord: mode === 'batched' ? Math.round((settled.urchain.writeBytes / settled.hypercore.writeBytes) * 100) / 100 : undefined,
      urchainCpuOverBareLmdb: mode === 'batched' ? Math.round((median(u, 'cpuUs') / median(sides[sides.length - 1], 'cpuUs')) * 100) / 100 : undefined,
      mustReach: mode === 'batched' ? 'recordsPerSec >= 1.0 (issue 11)' : undefined,
    });
  }
  for (const impl of ['hypercore', 'urchain'] as const) {
    const io = settled[impl];
    emit({ bench: 'hypercore.bytes', impl, mode: 'batched', payloadBytes: 1024, records: settled.records, writeBytesPerRecord: Math.round(io.writeBytes), wcharPerRecord: Math.round(io.wchar), includes: impl === 'hypercore' ? 'open, the appends, a RocksDB memtable flush (the SST and blob files every record ends up in), close' : 'open, the appends (every commit synced), close' });
  }
}

/**
 * Bytes written per record by each side alone, all in: a fresh store, `n` records in batches,
 * then close, so Hypercore's RocksDB writes its memtable out (the SST and blob files every record
 * ends up in) within the count. The interleaved rounds above cannot tell the two apart: both
 * write from the same libuv threads, and background work of one may land in the other's round.
 */
async function settledBytes(dir: string, payload: Buffer, batch: number, n: number) {
  const batchOf = Array.from({ length: batch }, () => payload);
  const per = (io: ReturnType<typeof procIo>) => ({ writeBytes: io.writeBytes / n, wchar: io.wchar / n });
  let io0 = procIo();
  const hc = await openHypercore(path.join(dir, 'hypercore-settled'));
  await hcBatched(hc, batchOf, n);
  await hc.flush();
  await hc.close();
  const hypercore = per(ioDelta(io0, procIo()));
  io0 = procIo();
  const ur = await openUrchain(path.join(dir, 'urchain-settled'));
  await urBatched(ur, batchOf, n);
  await ur.close();
  const urchain = per(ioDelta(io0, procIo()));
  return { records: n, hypercore, urchain };
}
