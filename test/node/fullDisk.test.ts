/**
 * A node whose disk fills up: on a small tmpfs (root only; skipped with a message otherwise) a
 * real `node run` takes records, the disk is filled, a record is refused with STORE while reads
 * still work and the process stays up, space is freed, records are taken in again, and after a
 * restart every acknowledged record is there.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { startNode, cleanupAfter, type RunningNode } from '../helpers.js';
import { onTmpfs, fill } from '../tmpfs.js';
import { LmdbStore } from '../../src/store/lmdb.js';
import { BlockTree } from '../../src/ledger/blocktree.js';
import { consensusFor } from '../../src/consensus/index.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { Intake } from '../../src/node/intake.js';
import { Pool } from '../../src/node/pool.js';
import { Producer } from '../../src/node/producer.js';
import type { AddOutcome } from '../../src/ledger/blocktree.js';
import { ROLES } from '../../src/contracts/roles.js';

cleanupAfter(test);

const post = (url: string, body: Uint8Array | string, key?: string) =>
  fetch(`${url}/v1/records?product=P-1${key ? `&key=${key}` : ''}`, { method: 'POST', body: body as never }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));

test('a full disk refuses records with STORE, keeps serving reads and the process, and recovers once space is freed', async () => {
  await onTmpfs('24m', async (mnt) => {
    let node: RunningNode | undefined;
    try {
      const data = path.join(mnt, 'data');
      node = await startNode(data, ['--block-time', '100ms']);
      let stderr = '';
      node.proc.stderr!.on('data', (d) => (stderr += d));
      const acked: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await post(node.url, `before ${i}`);
        assert.is(r.status, 200, JSON.stringify(r.json));
        acked.push(r.json.txId);
      }
      await node.waitFor((e) => e.event === 'block' && e.pending === 0);

      const filler = path.join(mnt, 'filler');
      fill(filler);
      const big = new Uint8Array(2 * 1024 * 1024).fill(1);
      const refused = await post(node.url, big, 'big-1');
      assert.is.not(refused.status, 200, 'a record was acknowledged on a full disk');
      assert.is(refused.json.error.code, 'STORE');
      assert.match(refused.json.error.message, /ENOSPC|EIO|no space|disk/i, refused.json.error.message);
      // A batch of good records in one commit: each refused, none acknowledged.
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => post(node!.url, big.slice(0, 200_000 + i))));
      for (const r of many) if (r.status === 200) acked.push(r.json.txId);
      assert.ok(many.some((r) => r.json.error?.code === 'STORE'));

      // Reads still work, and the process is alive.
      const st = await fetch(`${node.url}/v1/status`).then((r) => r.json());
      assert.ok(st.height >= 1);
      const tx = await fetch(`${node.url}/v1/txs/${acked[0]}?payload=1`).then((r) => r.json());
      assert.is(Buffer.from(tx.payload, 'base64').toString(), 'before 0');
      assert.is(node.proc.exitCode, null);

      // Space back: records are taken in again, the same key included (nothing was kept of it).
      fs.rmSync(filler);
      const again = await post(node.url, big, 'big-1');
      assert.is(again.status, 200, JSON.stringify(again.json));
      assert.not.ok(again.json.duplicate);
      acked.push(again.json.txId);
      for (let i = 0; i < 3; i++) acked.push((await post(node.url, `after ${i}`)).json.txId);
      await node.waitFor((e) => e.event === 'block' && e.pending === 0 && e.height >= 2);
      assert.not.match(stderr, /unhandled|UnhandledPromiseRejection/i);
      assert.is(await node.stop(), 0);

      node = await startNode(data, ['--block-time', '100ms']);
      for (const id of acked) {
        const r = await fetch(`${node.url}/v1/txs/${id}`);
        assert.is(r.status, 200, `acknowledged ${id} is missing after the restart`);
      }
      assert.is((await node.stop()), 0);
      node = undefined;
    } finally {
      if (node) await node.kill9();
    }
  });
});

test('a block the full disk cannot take leaves pool, head and pending as they were; the next one gets through', async () => {
  await onTmpfs('16m', async (mnt) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    let store: LmdbStore | undefined;
    try {
      const key = generateKeyPair();
      const p: ChainParams = { version: 1, name: 'full', created: Date.now() - 1000, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
      store = await LmdbStore.open(path.join(mnt, 'data'));
      await store.initChain(p, genesisWrite(p));
      const tree = new BlockTree(store, consensusFor(p), p);
      const pool = new Pool();
      const intake = new Intake({ store, key, chainId: chainIdOf(p), role: ROLES.full, onCommitted: (ids) => pool.add(ids) });
      await Promise.all(Array.from({ length: 4000 }, (_, i) => intake.submit({ payload: Buffer.from(`sample ${i}`), meta: { product: `P-${i % 50}` } })));
      const errors: Error[] = [];
      const blocks: AddOutcome[][] = [];
      const producer = new Producer(tree, pool, key, 60_000, (o) => (blocks.push(o), o.forEach((x) => x.move && pool.apply(x.move))), (e) => errors.push(e));

      const filler = path.join(mnt, 'filler');
      fill(filler);
      await producer.tick();
      assert.is(blocks.length, 0, 'a block was committed on a full disk');
      assert.is(errors.length, 1);
      assert.is((errors[0] as { code?: string }).code, 'STORE');
      assert.is(tree.head().height, 0);
      assert.is(pool.size, 4000);
      assert.is(store.pending().length, 4000);
      // Records are refused too, and reads still answer.
      const e = await intake.submit({ payload: new Uint8Array(1024 * 1024) }).then(() => undefined, (x: { code?: string }) => x.code);
      assert.is(e, 'STORE');
      assert.is(store.productTxs('P-7').length, 80);

      fs.rmSync(filler);
      await producer.tick();
      assert.is(blocks.length, 1);
      assert.is(tree.head().height, 1);
      assert.is(pool.size, 0);
      assert.is(store.pending().length, 0);
      await producer.stop();
      await new Promise((r) => setImmediate(r));
      assert.equal(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await store?.close();
    }
  });
});

test.run();
