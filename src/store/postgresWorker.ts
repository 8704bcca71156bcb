/**
 * @module store/postgresWorker
 * The worker thread that owns the PostgreSQL connections of one PostgresStore (store/postgres.ts).
 * Reads arrive on `syncPort` while the main thread blocks on a shared flag (Atomics.wait): the
 * answer is posted back, then the flag set and notified. Writes arrive as ordinary messages and
 * run one at a time, each as one transaction, answered once COMMIT has returned, which with
 * `synchronous_commit = on` means the WAL record is flushed on the server. Reads run on other
 * pooled connections meanwhile (they see the last committed state, as an LMDB reader does).
 *
 * The writer also holds a session advisory lock on a reserved connection: one node writes to a
 * database. PostgreSQL releases it when the session ends, so a node killed with -9 does not
 * leave it behind.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import postgres from 'postgres';
import { CREATE_SCHEMA, SCHEMA, PG_FORMAT, DEFAULT_PARTITION_SPAN, TABLES, LEVELS_TABLE, partitionDdl, rangeStart } from './postgresSchema.js';
import { CHUNK as LEAVES_PER_CHUNK, encodeLevels } from '../merkle/chunks.js';
import { encode, decode, asUint } from '../codec/cbor.js';
import { toHex } from '../codec/bytes.js';
import type { PgTarget } from './postgresUrl.js';
import type { IngestWrite, BlockWrite } from './types.js';
import { headCodec, seqCodec } from './buckets.js';
import type { EncodedBlock } from './postgresRows.js';

export interface WorkerInit {
  target: PgTarget;
  readOnly: boolean;
  partitionSpan?: number;
  flag: Int32Array;
  syncPort: MessagePort;
}

const { target, readOnly, partitionSpan, flag, syncPort } = workerData as WorkerInit;
const S = SCHEMA;
/** An advisory lock key: "urch" (the lock is per database). */
const WRITER_LOCK = 0x75726368;
/** Rows per INSERT statement (PostgreSQL allows 65,535 parameters; five columns a row at most). */
const CHUNK = 5000;

const sql = postgres({
  host: target.host,
  port: target.port,
  database: target.database,
  username: target.user,
  password: target.password,
  ssl: target.ssl,
  max: 4,
  onnotice: () => undefined,
  connect_timeout: 10,
  connection: {
    application_name: 'urchain',
    synchronous_commit: 'on',
    ...(readOnly ? { default_transaction_read_only: 'on' } : {}),
  } as never,
});
type Tx = postgres.TransactionSql;
let lockConn: postgres.ReservedSql | undefined;
/** The server process of the session holding the writer lock. */
let lockPid: number | undefined;
let span = partitionSpan ?? DEFAULT_PARTITION_SPAN;
let headHeight = 0;
let arrival = 0;
/** Whether the database has the `levels` table (one written by an older release, opened read-only, may not). */
let hasLevels = false;
const ranges = new Set<number>();

const b = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const hexes = (ids: Uint8Array[]) => ids.map(toHex);
const one = async <T>(q: Promise<T[]> | postgres.PendingQuery<postgres.Row[]>): Promise<T | undefined> => ((await q) as T[])[0];
const metaValue = async (name: string) => (await one<{ value: Buffer }>(sql`SELECT value FROM ${sql(S)}.meta WHERE name = ${name}`))?.value;

async function open(): Promise<{ created: boolean }> {
  if (!readOnly) {
    lockConn = await sql.reserve();
    const [{ got, pid }] = await lockConn.unsafe(`SELECT pg_try_advisory_lock(${WRITER_LOCK}) AS got, pg_backend_pid() AS pid`);
    lockPid = pid;
    if (!got) throw Object.assign(new Error(`another urchain node writes to ${target.shown}`), { urchain: 'CONFLICT' });
  }
  const [{ exists }] = await sql`SELECT to_regclass(${S + '.meta'}) IS NOT NULL AS exists`;
  let created = false;
  if (!exists) {
    if (readOnly) throw Object.assign(new Error(`no urchain data in ${target.shown}; run \`urchain node run --store ${target.shown}\` first`), { urchain: 'NOT_FOUND' });
    await sql.begin(async (t) => {
      await t.unsafe(CREATE_SCHEMA);
      await t`INSERT INTO ${t(S)}.meta ${t([{ name: 'format', value: b(encode(PG_FORMAT)) }, { name: 'partitionSpan', value: b(encode(span)) }])}`;
    });
    created = true;
  }
  const fmt = await metaValue('format');
  const format = fmt ? asUint(decode(fmt), 'schema format') : 0;
  if (format !== PG_FORMAT) return { created, format } as never;
  if (!readOnly) await sql.unsafe(LEVELS_TABLE);
  const [{ levels }] = await sql`SELECT to_regclass(${S + '.levels'}) IS NOT NULL AS levels`;
  hasLevels = levels;
  const sp = await metaValue('partitionSpan');
  if (sp) span = asUint(decode(sp), 'partition span');
  const head = await metaValue('head');
  headHeight = head ? headCodec.decode(head).height : 0;
  const [{ max }] = await sql`SELECT coalesce(max(arrival), -1)::text AS max FROM ${sql(S)}.pending`;
  arrival = Number(max) + 1;
  for (const r of await sql`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = ${S} AND p.relname = 'txs'`)
    ranges.add(Number(/_h(\d+)$/.exec(r.relname)![1]));
  return { created, format } as never;
}

/**
 * Inside each write transaction: the session that took the writer lock still holds it. When the
 * server restarts or that session is ended, the lock is gone while the pool reconnects by itself,
 * and a second node could start writing beside this one: the commit fails instead (no receipt).
 */
async function stillWriter(t: Tx) {
  const [{ held }] = await t`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = ${WRITER_LOCK} AND objsubid = 1 AND granted AND pid = ${lockPid ?? -1} AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS held`;
  if (!held) throw Object.assign(new Error(`lost the writer lock on ${target.shown} (the server restarted or the session was ended): not writing beside another node; restart the node`), { urchain: 'UNAVAILABLE' });
}

/** Multi-row INSERTs of `rows`, CHUNK a statement, each followed by the fragment `conflict` makes. */
async function insert(t: Tx, table: string, rows: Record<string, unknown>[], conflict?: () => postgres.PendingQuery<postgres.Row[]>) {
  for (let i = 0; i < rows.length; i += CHUNK) await t`INSERT INTO ${t(S)}.${t(table)} ${t(rows.slice(i, i + CHUNK))} ${conflict ? conflict() : t``}`;
}

async function ensureRange(t: Tx, start: number) {
  if (ranges.has(start)) return;
  for (const ddl of partitionDdl(start, span)) await t.unsafe(ddl);
}

async function writeIngest(t: Tx, w: IngestWrite): Promise<number> {
  const at = rangeStart(headHeight, span);
  await ensureRange(t, at);
  const batch = { root: b(w.batchRoot), origin: b(w.batch.origin), signature: b(w.batch.signature), tx_ids: Buffer.concat(w.batch.txIds.map(b)) };
  await t`INSERT INTO ${t(S)}.batches ${t(batch)} ON CONFLICT (root) DO NOTHING`;
  // The first copy of a record wins, within this write and against the store (as in LMDB).
  const seen = new Set<string>();
  const firsts = w.txs.filter((x) => !seen.has(toHex(x.txId)) && !!seen.add(toHex(x.txId)));
  const fresh = new Set<string>();
  for (let i = 0; i < firsts.length; i += CHUNK) {
    const rows = firsts.slice(i, i + CHUNK).map((x) => ({ tx_id: b(x.txId), at_height: headHeight }));
    for (const r of await t`INSERT INTO ${t(S)}.tx_index ${t(rows)} ON CONFLICT (tx_id) DO NOTHING RETURNING tx_id`) fresh.add(toHex(r.tx_id));
  }
  const news = firsts.filter((x) => fresh.has(toHex(x.txId)));
  let next = arrival;
  await insert(t, 'txs', news.map((x) => ({ at_height: headHeight, tx_id: b(x.txId), core: b(x.coreBytes), batch_root: batch.root, idx: x.index })));
  await insert(t, 'payloads', news.filter((x) => x.payload).map((x) => ({ at_height: headHeight, tx_id: b(x.txId), payload: b(x.payload!) })));
  await insert(t, 'pending', news.map((x) => ({ tx_id: b(x.txId), arrival: next++ })));
  const codes = new Map<string, { code: string; tx_id: Buffer }>();
  for (const x of news) for (const code of [...(x.product ? [x.product] : []), ...(x.identifiers ?? [])]) codes.set(`${code}\u0000${toHex(x.txId)}`, { code, tx_id: b(x.txId) });
  await insert(t, 'identifiers', [...codes.values()], () => t`ON CONFLICT DO NOTHING`);
  for (const table of ['idem', 'entangle'] as const) {
    const keyed = new Map<string, Buffer>(); // a later row of one key replaces an earlier one, as a put does
    for (const x of news) if (x.idemKey && isEntangle(x.idemKey) === (table === 'entangle')) keyed.set(x.idemKey, b(x.txId));
    const rows = [...keyed].map(([key, tx_id]) => ({ key, tx_id }));
    await insert(t, table, rows, () => t`ON CONFLICT (key) DO UPDATE SET tx_id = EXCLUDED.tx_id`);
  }
  if (w.seq !== undefined) await putMeta(t, 'seq', seqCodec.encode(w.seq));
  return next;
}

const isEntangle = (k: string) => k.startsWith('entangle:') || k.startsWith('countersign:');

async function putMeta(t: Tx, name: string, value: Uint8Array) {
  await t`INSERT INTO ${t(S)}.meta ${t({ name, value: b(value) })} ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`;
}

async function writeBlock(t: Tx, w: BlockWrite & { encoded: EncodedBlock }): Promise<number> {
  const e = w.encoded;
  const row = { hash: b(w.hash), height: e.height, header: b(e.header), signatures: b(e.signatures), work: e.work, frontier: b(e.frontier), body: Buffer.concat(w.txIds.map(b)) };
  await t`INSERT INTO ${t(S)}.blocks ${t(row)} ON CONFLICT (hash) DO UPDATE SET height = EXCLUDED.height, header = EXCLUDED.header, signatures = EXCLUDED.signatures, work = EXCLUDED.work, frontier = EXCLUDED.frontier, body = EXCLUDED.body`;
  // A block's levels follow from its body alone, so a row once written never changes.
  if (w.txIds.length > LEAVES_PER_CHUNK) await t`INSERT INTO ${t(S)}.levels ${t({ hash: b(w.hash), levels: b(w.levels ?? encodeLevels(w.txIds)) })} ON CONFLICT (hash) DO NOTHING`;
  let next = arrival;
  const m = w.move;
  if (!m) return next;
  const unhex = (ids: string[]) => t`SELECT decode(x, 'hex') FROM unnest(${ids}::text[]) AS x`;
  if (m.disconnect.length) {
    await t`DELETE FROM ${t(S)}.heights WHERE height IN (SELECT unnest(${m.disconnect.map((d) => d.height)}::bigint[]))`;
    const gone = hexes(m.disconnect.flatMap((d) => d.txIds));
    if (gone.length) await t`DELETE FROM ${t(S)}.locations WHERE tx_id IN (${unhex(gone)})`;
  }
  if (m.repending.length) {
    await t`DELETE FROM ${t(S)}.pending WHERE tx_id IN (${unhex(hexes(m.repending))})`;
    await insert(t, 'pending', m.repending.map((id) => ({ tx_id: b(id), arrival: next++ })));
  }
  for (const c of m.connect) {
    await t`INSERT INTO ${t(S)}.heights ${t({ height: c.height, hash: b(c.hash) })} ON CONFLICT (height) DO UPDATE SET hash = EXCLUDED.hash`;
    if (!c.txIds.length) continue;
    const locs = c.txIds.map((id, i) => ({ tx_id: b(id), block_hash: b(c.hash), height: c.height, idx: i }));
    await insert(t, 'locations', locs, () => t`ON CONFLICT (tx_id) DO UPDATE SET block_hash = EXCLUDED.block_hash, height = EXCLUDED.height, idx = EXCLUDED.idx`);
    await t`DELETE FROM ${t(S)}.pending WHERE tx_id IN (${unhex(hexes(c.txIds))})`;
  }
  await putMeta(t, 'head', headCodec.encode(m.head));
  return next;
}

/** Writes, one transaction at a time, in the order they came. */
const writes = {
  async init(a: { params: Uint8Array; genesis: BlockWrite & { encoded: EncodedBlock } }) {
    let next = arrival;
    await sql.begin(async (t) => {
      await stillWriter(t);
      const had = await t`SELECT 1 FROM ${t(S)}.meta WHERE name = 'params'`;
      if (had.length) throw Object.assign(new Error(`${target.shown} already holds a chain`), { urchain: 'EXISTS' });
      await putMeta(t, 'params', a.params);
      next = await writeBlock(t, a.genesis);
    });
    arrival = next;
    if (a.genesis.move) headHeight = a.genesis.move.head.height;
  },
  async ingest(w: IngestWrite) {
    let next = arrival;
    await sql.begin(async (t) => {
      await stillWriter(t);
      next = await writeIngest(t, w);
    });
    arrival = next;
    ranges.add(rangeStart(headHeight, span)); // only once committed: a failed commit created no partition
  },
  async block(w: BlockWrite & { encoded: EncodedBlock }) {
    let next = arrival;
    await sql.begin(async (t) => {
      await stillWriter(t);
      next = await writeBlock(t, w);
    });
    arrival = next;
    if (w.move) headHeight = w.move.head.height;
  },
  async payload(a: { txId: Uint8Array; payload: Uint8Array }) {
    await sql.begin(async (t) => {
      await stillWriter(t);
      await t`INSERT INTO ${t(S)}.payloads (at_height, tx_id, payload) SELECT at_height, tx_id, ${b(a.payload)} FROM ${t(S)}.tx_index WHERE tx_id = ${b(a.txId)} ON CONFLICT (at_height, tx_id) DO UPDATE SET payload = EXCLUDED.payload`;
    });
  },
  async dropIfUntouched() {
    await sql.begin(async (t) => {
      const [{ n }] = await t`SELECT (SELECT count(*) FROM ${t(S)}.tx_index) + (SELECT count(*) FROM ${t(S)}.heights WHERE height > 0) AS n`;
      if (Number(n) === 0) await t.unsafe(`DROP SCHEMA ${S} CASCADE`);
    });
  },
  /** For the conformance suite's atomic-failure test: a write that fails after its first statements. */
  async failingIngest(w: IngestWrite) {
    await sql.begin(async (t) => {
      await writeIngest(t, w);
      await t`SELECT 1 / 0`;
    });
  },
};

/** Reads: each answers with plain values (bytes as Uint8Array, numbers, strings). */
const reads = {
  meta: (name: string) => metaValue(name),
  block: async (hash: Uint8Array) => one(sql`SELECT header, signatures, work::text AS work, frontier FROM ${sql(S)}.blocks WHERE hash = ${b(hash)}`),
  body: async (hash: Uint8Array) => (await one<{ body: Buffer }>(sql`SELECT body FROM ${sql(S)}.blocks WHERE hash = ${b(hash)}`))?.body,
  // substring counts bytes from 1: ids [from, to) are bytes 32·from+1 … 32·to.
  bodySlice: async (hash: Uint8Array, from: number, to: number) =>
    (await one<{ s: Buffer }>(sql`SELECT substring(body FROM ${from * 32 + 1} FOR ${(to - from) * 32}) AS s FROM ${sql(S)}.blocks WHERE hash = ${b(hash)}`))?.s,
  levels: async (hash: Uint8Array) => (hasLevels ? (await one<{ levels: Buffer }>(sql`SELECT levels FROM ${sql(S)}.levels WHERE hash = ${b(hash)}`))?.levels : undefined),
  hashAt: async (h: number) => (await one<{ hash: Buffer }>(sql`SELECT hash FROM ${sql(S)}.heights WHERE height = ${h}`))?.hash,
  tx: async (id: Uint8Array) =>
    one(sql`SELECT t.core, t.batch_root, t.idx FROM ${sql(S)}.tx_index i JOIN ${sql(S)}.txs t ON t.at_height = i.at_height AND t.tx_id = i.tx_id WHERE i.tx_id = ${b(id)}`),
  hasTx: async (id: Uint8Array) => (await sql`SELECT 1 FROM ${sql(S)}.tx_index WHERE tx_id = ${b(id)}`).length > 0,
  batch: async (root: Uint8Array) => one(sql`SELECT origin, signature, tx_ids FROM ${sql(S)}.batches WHERE root = ${b(root)}`),
  payload: async (id: Uint8Array) =>
    (await one<{ payload: Buffer }>(sql`SELECT p.payload FROM ${sql(S)}.tx_index i JOIN ${sql(S)}.payloads p ON p.at_height = i.at_height AND p.tx_id = i.tx_id WHERE i.tx_id = ${b(id)}`))?.payload,
  location: async (id: Uint8Array) => one(sql`SELECT block_hash, height::int AS height, idx FROM ${sql(S)}.locations WHERE tx_id = ${b(id)}`),
  pending: async () => (await sql`SELECT tx_id FROM ${sql(S)}.pending ORDER BY arrival`).map((r) => r.tx_id as Buffer),
  codeTxs: async (code: string) => (await sql`SELECT tx_id FROM ${sql(S)}.identifiers WHERE code = ${code} ORDER BY tx_id`).map((r) => r.tx_id as Buffer),
  idem: async (table: 'idem' | 'entangle', key: string) => (await one<{ tx_id: Buffer }>(sql`SELECT tx_id FROM ${sql(S)}.${sql(table)} WHERE key = ${key}`))?.tx_id,
  entangleRange: async (prefix: string, start: string) =>
    (await sql`SELECT key, tx_id FROM ${sql(S)}.entangle WHERE key >= ${start} AND substr(key, 1, ${prefix.length}) = ${prefix} ORDER BY key`).map((r) => ({ key: r.key as string, txId: r.tx_id as Buffer })),
  size: async () => {
    const [{ n }] = await sql`SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = ${S} AND c.relkind = 'r'`;
    return Number(n);
  },
  tables: async () => TABLES,
};

const wire = (e: unknown) => {
  const err = e as Error & { code?: string; urchain?: string };
  return { message: String(err?.message ?? e), code: typeof err?.code === 'string' ? err.code : undefined, urchain: err?.urchain };
};

syncPort.on('message', async (m: { id: number; op: keyof typeof reads; args: unknown[] }) => {
  let reply: unknown;
  try {
    reply = { id: m.id, ok: true, value: await (reads[m.op] as (...a: unknown[]) => Promise<unknown>)(...m.args) };
  } catch (e) {
    reply = { id: m.id, ok: false, error: wire(e) };
  }
  syncPort.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});

let queue: Promise<unknown> = Promise.resolve();
parentPort!.on('message', (m: { id: number; op: string; arg: unknown }) => {
  const run = async () => {
    if (m.op === 'open') return open();
    if (m.op === 'close') {
      await lockConn?.release();
      await sql.end({ timeout: 5 });
      return undefined;
    }
    return (writes as Record<string, (a: unknown) => Promise<unknown>>)[m.op](m.arg);
  };
  queue = queue.then(run).then(
    (value) => parentPort!.postMessage({ id: m.id, ok: true, value }),
    (e) => parentPort!.postMessage({ id: m.id, ok: false, error: wire(e) }),
  );
});
