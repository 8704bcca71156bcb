/**
 * A real node on PostgreSQL (`node run --store postgres://…`), as child processes against a real
 * server (support/postgres.ts): receipts, blocks, `status`/`trace`/`prove`/`audit --store`; a
 * row changed by hand is found by `audit`; a second writer is refused; a password never shows;
 * and kill -9 under load (support/crashCycle.ts) loses no receipted record.
 */
import { suite } from 'uvu';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { startPostgres, type PgServer } from '../../support/postgres.js';
import { crashCycles } from '../../support/crashCycle.js';
import { tmpDir, startNode, cli, cleanupAfter } from '../helpers.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { blockHashOf } from '../../src/chain/header.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import type { ChainParams } from '../../src/chain/params.js';

const T = suite('node on PostgreSQL');
const closing = cleanupAfter(T);
let pg: PgServer | undefined;
T.before(async () => {
  pg = await startPostgres();
  if (pg) closing({ close: () => pg!.stop() });
});

/** `audit --json` prints progress lines before its result when it runs long: the result is the last line. */
const audit = async (db: string) => {
  const r = await cli(['audit', '--store', db, '--json']);
  return { ...r, json: JSON.parse(r.stdout.trim().split('\n').pop()!) };
};

const post = async (url: string, body: string, product: string) => {
  const res = await fetch(`${url}/v1/records?product=${product}`, { method: 'POST', body });
  assert.is(res.status, 200);
  return (await res.json()).txId as string;
};

T('node run --store: receipts in blocks; status, trace, prove and audit read the database; a row changed by hand fails the audit', async () => {
  if (!pg) return;
  const db = await pg.createDb('node');
  const data = tmpDir();
  const node = await startNode(data, ['--store', db, '--block-time', '200ms']);
  const ids = [await post(node.url, 'first', 'SN-1'), await post(node.url, 'second', 'SN-1'), await post(node.url, 'other', 'SN-2')];
  for (const id of ids) await node.included(id);
  // GET /checkpoint keeps its signed-checkpoint guard in DATA/tlog, not in a folder named after the URL.
  const cp = await fetch(`${node.url}/checkpoint`);
  assert.is(cp.status, 200, await cp.clone().text());
  assert.ok(fs.existsSync(path.join(data, 'tlog', 'signed.json')), 'DATA/tlog/signed.json');
  assert.not.ok(fs.existsSync('postgres:'), 'a folder named after the store URL in the working directory');
  // A second node on the same database is refused: one writer.
  const second = await cli(['node', 'run', '--data', tmpDir(), '--store', db, '--api', '127.0.0.1:0', '--json']);
  assert.is(second.code, 1);
  assert.match(second.stderr, /another urchain node writes/);
  await node.stop();

  const status = await cli(['status', '--store', db, '--json']);
  assert.is(status.code, 0, status.stderr);
  assert.ok(status.json.height >= 1);
  assert.is(status.json.pending, 0);
  assert.ok(status.json.bytes > 0);
  const trace = await cli(['trace', 'SN-1', '--store', db, '--json']);
  assert.equal(trace.json.records.map((r: { txId: string }) => r.txId).sort(), ids.slice(0, 2).sort());
  const proof = await cli(['prove', ids[1], '--store', db, '--json']);
  assert.is(proof.code, 0, proof.stderr);
  assert.is(proof.json.txId, ids[1]);
  const local = await cli(['prove', ids[1], '--data', data, '--json']);
  assert.is(local.code, 1, 'the LMDB folder holds no chain: the chain is in PostgreSQL');
  const ok = await audit(db);
  assert.is(ok.code, 0, ok.stdout + ok.stderr);
  assert.ok(ok.json.ok && ok.json.transactions >= 3, ok.stdout);

  // One byte of one payload, changed by hand in the database.
  await pg.sql(db, `UPDATE urchain.payloads SET payload = convert_to('secxnd', 'UTF8') WHERE tx_id = decode($1, 'hex')`, [ids[1]]);
  const bad = await audit(db);
  assert.is(bad.code, 1, bad.stdout);
  assert.is(bad.json.ok, false);
  assert.is(bad.json.problem.txId, ids[1]);
});

T('a transaction core changed by hand is found too', async () => {
  if (!pg) return;
  const db = await pg.createDb('core');
  const node = await startNode(tmpDir(), ['--store', db, '--block-time', '200ms']);
  const id = await post(node.url, 'a record', 'SN-9');
  await node.included(id);
  await node.stop();
  await pg.sql(db, `UPDATE urchain.txs SET core = overlay(core placing '\\x00'::bytea from length(core) for 1) WHERE tx_id = decode($1, 'hex')`, [id]);
  const bad = await audit(db);
  assert.is(bad.code, 1, bad.stdout);
  assert.is(bad.json.problem.txId, id);
});

T('a first start that fails (its API address in use) leaves the database without a chain', async () => {
  if (!pg) return;
  const db = await pg.createDb('failed');
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  try {
    const port = (busy.address() as net.AddressInfo).port;
    const r = await cli(['node', 'run', '--data', tmpDir(), '--store', db, '--api', `127.0.0.1:${port}`, '--json']);
    assert.is(r.code, 1, r.stderr);
  } finally {
    busy.close();
  }
  assert.equal(await pg.sql(db, `SELECT to_regclass('urchain.meta') IS NULL AS gone`), [{ gone: true }]);
});

T('the password is never printed: not in errors, not in status', async () => {
  if (!pg) return;
  const closed = 'postgres://urchain:s3cret-pw@127.0.0.1:1/nothing';
  const r = await cli(['status', '--store', closed, '--json']);
  assert.is(r.code, 1);
  assert.not.match(r.stdout + r.stderr, /s3cret-pw/);
  assert.match(r.stdout + r.stderr, /urchain:\*\*\*@127\.0\.0\.1:1/);
  const bad = await cli(['status', '--store', 'mysql://u:s3cret-pw@h/db', '--json']);
  assert.is(bad.code, 2);
  assert.not.match(bad.stdout + bad.stderr, /s3cret-pw/);
});

T('records are partitioned by height range: a new range gets its partitions in the commit that needs them', async () => {
  if (!pg) return;
  const db = await pg.createDb('parts');
  const key = generateKeyPair();
  const params: ChainParams = { version: 1, name: 'p', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
  const s = closing(await PostgresStore.open(db, { partitionSpan: 2 }));
  const g = genesisWrite(params);
  await s.initChain(params, g);
  const ingest = async (n: number) => {
    const ids = [new Uint8Array(32).fill(n)];
    const b = signBatch(ids, key);
    await s.commitIngest({ batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs: [{ txId: ids[0], coreBytes: new Uint8Array([n]), index: 0, payload: new Uint8Array([n]) }] });
  };
  await ingest(1);
  // Two empty blocks: the head moves to height 2, the start of the next range.
  let parent = g;
  for (const h of [1, 2]) {
    const header = { ...parent.block.signed.header, height: h, prevHash: parent.hash, timestamp: h };
    const hash = blockHashOf(header);
    const w = { hash, block: { signed: { header, signatures: [] }, work: BigInt(h), frontier: [hash] }, txIds: [], move: { disconnect: [], connect: [{ hash, height: h, txIds: [] }], head: { hash, height: h }, repending: [] } };
    await s.commitBlock(w);
    parent = w as never;
  }
  await ingest(2);
  const parts = await pg.sql(db, `SELECT c.relname AS name, (SELECT count(*) FROM urchain.txs t WHERE t.tableoid = c.oid)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'urchain.txs'::regclass ORDER BY 1`);
  assert.equal(parts, [{ name: 'txs_h0', n: 1 }, { name: 'txs_h2', n: 1 }]);
  assert.equal([...s.getPayload(new Uint8Array(32).fill(2))!], [2]);
  assert.equal([...s.getPayload(new Uint8Array(32).fill(1))!], [1]);
});

T('a writer whose lock session ends (server restart, pg_terminate_backend) commits nothing more: the pool would reconnect without the lock', async () => {
  if (!pg) return;
  const db = await pg.createDb('lock');
  const key = generateKeyPair();
  const params: ChainParams = { version: 1, name: 'l', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
  const s = closing(await PostgresStore.open(db));
  await s.initChain(params, genesisWrite(params));
  const ingest = (n: number) => {
    const ids = [new Uint8Array(32).fill(n)];
    const b = signBatch(ids, key);
    return s.commitIngest({ batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs: [{ txId: ids[0], coreBytes: new Uint8Array([n]), index: 0 }] });
  };
  await ingest(1);
  await pg.sql(db, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'urchain'`);
  // The lock is free now: another node may take it; this one must not write beside it.
  const other = closing(await PostgresStore.open(db));
  const e = await ingest(2).then(() => undefined, (x: unknown) => x);
  assert.ok(e, 'a commit without the writer lock must fail');
  assert.is((e as { code?: string }).code, 'UNAVAILABLE', String(e));
  assert.match(String((e as Error).message), /lost the writer lock/);
  assert.is(other.hasTx(new Uint8Array(32).fill(2)), false);
  await other.close();
});

T('kill -9 under load with the chain in PostgreSQL: every receipt is in a block, nothing twice, audit passes', async () => {
  if (!pg) return;
  const db = await pg.createDb('crash');
  const r = await crashCycles({ dir: tmpDir('urchain-crash-'), store: db, cycles: 2, http: 2, batch: 1, profichain: 1, batchSize: 5, receiptsPerCycle: 20 });
  assert.ok(r.receipts > 0, 'clients got receipts');
  assert.is(r.lost, 0, `lost: ${r.lostTxIds.join(', ')}`);
  assert.is(r.duplicates, 0, `stored twice: ${r.duplicateIds.join(', ')}`);
  assert.ok(r.audit.ok, JSON.stringify(r.audit));
});

T.run();
