/**
 * Crash cycles (urchain issue 9, "lose nothing"): a real node child process under load from four
 * kinds of client at once — HTTP one record per request, HTTP batches, Profichain, and files in
 * its watched folder — killed with SIGKILL again and again and restarted on the same folder.
 * Clients retry what got no receipt with the same idempotency key, as a careful client does.
 * At the end every receipt must name a transaction in a block, no client record may be stored
 * twice, and `urchain audit` must pass. Used by `npm run crashtest` and, for one short cycle,
 * by test/cli/crashtest.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encode as cborEncode } from 'cbor-x';
import { startNode, cli, type RunningNode } from './children.js';
import { ProfichainClient, parseAddress } from '../src/ingest/profichain/client.js';
import { openStore } from '../src/store/open.js';
import { decodeCore, metaGet } from '../src/chain/transaction.js';
import { fromHex } from '../src/codec/bytes.js';

export interface CrashOptions {
  cycles: number;
  dir: string;
  /** Concurrent clients of each kind (the folder writer is one). */
  http?: number;
  batch?: number;
  profichain?: number;
  /** Records per batch request and per Profichain SUBMIT. */
  batchSize?: number;
  /** Receipts to wait for in each cycle before the kill (so every cycle kills a node under load). */
  receiptsPerCycle?: number;
  log?: (line: string) => void;
  /** The node merges its recent txIds into the txId index past this many (URCHAIN_STORE_MERGE_AT): low, so kills land in merges too. */
  mergeAt?: number;
  /** `postgres://…`: the node keeps its chain there (node run --store), and the checks read it there. */
  store?: string;
}

export interface CrashResult {
  cycles: number;
  receipts: number;
  byClient: Record<Client, number>;
  /** Receipts whose transaction is in no block of the final chain. */
  lost: number;
  lostTxIds: string[];
  /** Extra copies of client records (same record id stored more than once). */
  duplicates: number;
  duplicateIds: string[];
  /** Client records in the chain that never got a receipt (sent just before a kill): allowed. */
  storedWithoutReceipt: number;
  audit: { ok: boolean; code: number | null; [k: string]: unknown };
  seconds: number;
}

type Client = 'http' | 'batch' | 'profichain' | 'watch';

// Used only for the load pattern (random kill moments, client pacing, retry back-off), never to
// wait for something to happen: that is awaited.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `p` does or after `ms`, whichever is first (a bounded wait that may end early). */
async function atMost(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}

export async function crashCycles(o: CrashOptions): Promise<CrashResult> {
  const t0 = Date.now();
  const data = path.join(o.dir, 'data');
  const inbox = path.join(o.dir, 'inbox');
  fs.mkdirSync(inbox, { recursive: true });
  const args = ['--block-time', '200ms', '--profichain', '127.0.0.1:0', '--watch', inbox, '--include', '*.rec', ...(o.store ? ['--store', o.store] : [])];
  const nodes: RunningNode[] = [];
  const receipts: { client: Client; rid: string; txId: string }[] = [];
  // Resolved when `receipts` reaches `receiptGoal` (the push below checks).
  let receiptGoal = Infinity;
  let reached = () => undefined as void;
  const receipt = (r: { client: Client; rid: string; txId: string }) => {
    receipts.push(r);
    if (receipts.length >= receiptGoal) reached();
  };
  let node: RunningNode;
  let pc = '';
  // Clients that find the node gone wait on `ready`, which the restart resolves.
  let ready: Promise<void> = Promise.resolve();
  let markUp = () => undefined as void;
  const start = async () => {
    node = await startNode(data, args, o.mergeAt ? { env: { URCHAIN_STORE_MERGE_AT: String(o.mergeAt) } } : {});
    nodes.push(node);
    pc = (await fetch(`${node.url}/v1/status`).then((r) => r.json())).profichain;
  };
  await start();
  let stop = false;
  const retryWait = async () => {
    await ready;
    await sleep(5);
  };

  const httpClient = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const rid = `h${w}-${i}`;
      while (!stop) {
        try {
          const res = await fetch(`${node.url}/v1/records?key=${rid}&meta.rid=${rid}`, { method: 'POST', body: `http record ${rid}` });
          const j = await res.json();
          if (res.status === 200) {
            receipt({ client: 'http', rid, txId: j.txId });
            break;
          }
          if (res.status < 500) throw new Error(`http ${rid}: refused with ${res.status} ${JSON.stringify(j)}`);
        } catch (e) {
          if (/refused with/.test((e as Error).message)) throw e;
        }
        await retryWait();
      }
    }
  };

  const batchClient = async (w: number) => {
    const size = o.batchSize ?? 20;
    for (let i = 0; !stop; i++) {
      const rids = Array.from({ length: size }, (_, k) => `b${w}-${i}-${k}`);
      const body = cborEncode(rids.map((rid) => ({ payload: Buffer.from(`batch record ${rid}`), meta: { rid }, key: rid })));
      while (!stop) {
        try {
          const res = await fetch(`${node.url}/v1/records/batch`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/cbor' } });
          const j = await res.json();
          if (res.status === 200 && j.receipts.every((r: { txId?: string }) => r.txId)) {
            j.receipts.forEach((r: { txId: string }, k: number) => receipt({ client: 'batch', rid: rids[k], txId: r.txId }));
            break;
          }
          if (res.status < 500 && res.status !== 200) throw new Error(`batch: refused with ${res.status} ${JSON.stringify(j)}`);
        } catch (e) {
          if (/refused with/.test((e as Error).message)) throw e;
        }
        await retryWait();
      }
    }
  };

  const profichainClient = async (w: number) => {
    const size = o.batchSize ?? 20;
    let c: ProfichainClient | undefined;
    for (let i = 0; !stop; i++) {
      let todo = Array.from({ length: size }, (_, k) => `p${w}-${i}-${k}`);
      while (todo.length && !stop) {
        try {
          c ??= await ProfichainClient.connect({ ...parseAddress(pc), timeoutMs: 2000 });
          const got = await Promise.allSettled(c.submitMany(todo.map((rid) => ({ payload: new TextEncoder().encode(`profichain record ${rid}`), meta: { rid }, idemKey: rid }))));
          const failed: string[] = [];
          got.forEach((g, k) => (g.status === 'fulfilled' ? receipt({ client: 'profichain', rid: todo[k], txId: g.value.txId }) : failed.push(todo[k])));
          todo = failed;
        } catch {
          /* not connected: below */
        }
        if (todo.length) {
          await c?.close().catch(() => undefined);
          c = undefined;
          await retryWait();
        }
      }
    }
    await c?.close();
  };

  const folderWriter = async () => {
    for (let i = 0; !stop; i++) {
      const tmp = path.join(inbox, `w-${i}.tmp`);
      fs.writeFileSync(tmp, `watched file w-${i}`);
      fs.renameSync(tmp, path.join(inbox, `w-${i}.rec`));
      await sleep(20);
    }
  };

  const clients = [
    ...Array.from({ length: o.http ?? 8 }, (_, w) => httpClient(w)),
    ...Array.from({ length: o.batch ?? 2 }, (_, w) => batchClient(w)),
    ...Array.from({ length: o.profichain ?? 2 }, (_, w) => profichainClient(w)),
    folderWriter(),
  ];
  // A client that throws (a refusal it should never get) ends the run at once.
  let clientError: Error | undefined;
  const allClients = Promise.all(clients.map((p) => p.catch((e: Error) => ((clientError ??= e), (stop = true)))));

  for (let cycle = 1; cycle <= o.cycles && !clientError; cycle++) {
    // Wait (at most 20 s) for this cycle's receipts, so every cycle kills a node under load.
    receiptGoal = receipts.length + (o.receiptsPerCycle ?? 50);
    await atMost(new Promise<void>((r) => (reached = r)), 20_000);
    receiptGoal = Infinity;
    await sleep(Math.random() * 300); // a random kill moment: part of the load pattern
    ready = new Promise<void>((r) => (markUp = r));
    await node!.kill9();
    await start();
    markUp();
    o.log?.(`cycle ${cycle}: ${receipts.length} receipts`);
  }
  stop = true;
  await allClients;
  if (clientError) throw clientError;

  // Let the watcher take in every file still in the inbox (at most 30 s), and the producer put
  // every record in a block.
  const left = new Set(fs.readdirSync(inbox).filter((f) => f.endsWith('.rec')));
  if (left.size) await atMost(node!.waitFor((e) => e.event === 'file' && left.delete(path.basename(e.file)) && left.size === 0, 30_000), 30_000);
  await node!.drained();
  await node!.stop();
  // A file whose node died between its receipt and its move is taken in again and gets the first
  // receipt back: the same pair twice is one receipt.
  const fileReceipts = new Set<string>();
  for (const n of nodes) for (const e of n.events) if (e.event === 'file') fileReceipts.add(`${path.basename(e.file)} ${e.txId}`);
  for (const f of fileReceipts) receipts.push({ client: 'watch', rid: f.split(' ')[0], txId: f.split(' ')[1] });

  const store = await openStore({ data, store: o.store }, { readOnly: true });
  let lost: string[] = [];
  const counts = new Map<string, number>();
  try {
    lost = receipts.filter((r) => !store.location(fromHex(r.txId, 32))).map((r) => r.txId);
    const head = store.head()!;
    for (let h = 1; h <= head.height; h++) {
      for (const id of store.getBody(store.hashAt(h)!) ?? []) {
        const core = decodeCore(store.getTx(id)!.coreBytes);
        const rid = metaGet(core.meta, 'rid') ?? metaGet(core.meta, 'filename');
        if (rid) counts.set(rid, (counts.get(rid) ?? 0) + 1);
      }
    }
  } finally {
    await store.close();
  }
  const a = await cli(['audit', ...(o.store ? ['--store', o.store] : ['--data', data]), '--json']);
  // A long audit prints progress lines first (`--json`); the result is the last line.
  const audit = (() => {
    try {
      return JSON.parse(a.stdout.trim().split('\n').pop() ?? '');
    } catch {
      return {};
    }
  })();
  const receipted = new Set(receipts.map((r) => r.rid));
  const dups = [...counts].filter(([, n]) => n > 1);
  const byClient = { http: 0, batch: 0, profichain: 0, watch: 0 } as Record<Client, number>;
  for (const r of receipts) byClient[r.client]++;
  return {
    cycles: o.cycles,
    receipts: receipts.length,
    byClient,
    lost: lost.length,
    lostTxIds: [...new Set(lost)].slice(0, 20),
    duplicates: dups.reduce((n, [, c]) => n + c - 1, 0),
    duplicateIds: dups.slice(0, 20).map(([rid]) => rid),
    storedWithoutReceipt: [...counts.keys()].filter((rid) => !receipted.has(rid)).length,
    audit: { ...audit, ok: audit.ok === true && a.code === 0, code: a.code },
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
}
