/**
 * Store format 2 against a model (issue 11 review): a seeded random run of ingests (some of
 * records already stored, some failing halfway through their transaction), blocks, reorganisations
 * (disconnect, repending, connect, side blocks stored first), putPayload and reopenings, and after
 * every step the store's answers are the model's: every record stored, the pool exactly the
 * records no canonical block holds, every canonical record located in its block at its index,
 * the head. It guards what the record numbers must keep: a failed commit leaves nothing behind
 * (and the numbers it used only leave a gap), a reopened store numbers after every record, a
 * repended record gets its place back, a record of a dropped block loses its location. Format 3's
 * merges of recent txIds into `recordnumbers` run throughout (a low threshold), between and
 * during the other steps, and every answer stays the model's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { isUrchainError } from '../../src/errors.js';
import type { ChainParams } from '../../src/chain/params.js';
import type { IngestWrite, BlockWrite } from '../../src/store/types.js';
import { tmpDir, cleanup, toHex } from '../helpers.js';

test.after(() => cleanup());

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'model', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
const id = (n: number) => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(4, n + 1); // unique
  b[0] = (n * 97) & 0xff; // spread over the first two bytes, as SHA-256 ids are: merges cut them into slices
  b[1] = (n * 31) & 0xff;
  b[31] = 0x4d;
  return b;
};
/** Merges start at a handful of recent ids, a few ids per commit: they run between every other step. */
const opts = { mergeAt: 6, mergeSlice: 3 };
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

test('format 2 and 3 under a random run of ingests, failed commits, blocks, reorganisations, putPayload and reopenings answers as the model', async () => {
  let seed = 20261126;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const dir = tmpDir();
  let s = await LmdbStore.open(dir, opts);
  const g = genesisWrite(params);
  try {
    await s.initChain(params, g);
    let chain: { hash: Uint8Array; txIds: Uint8Array[] }[] = [{ hash: g.hash, txIds: [] }];
    const stored = new Set<string>();
    const payloads = new Map<string, string>();
    const lost = new Set<string>(); // ids only a failed commit held
    let nextId = 0;
    let blockNo = 0;
    const pool = () => {
      const placed = new Set(chain.flatMap((b) => b.txIds.map(toHex)));
      return [...stored].filter((h) => !placed.has(h)).sort();
    };
    const block = (height: number, prev: Uint8Array, txIds: Uint8Array[]): BlockWrite => {
      const hash = new Uint8Array(32).fill(0xbb);
      new DataView(hash.buffer).setUint32(0, ++blockNo);
      const header = { ...g.block.signed.header, height, prevHash: prev, txCount: txIds.length };
      return { hash, block: { ...g.block, signed: { ...g.block.signed, header } }, txIds };
    };
    const counts = { ingests: 0, failed: 0, blocks: 0, reorgs: 0, reopens: 0, fills: 0, merged: 0 };
    let lastUnmerged = 0;
    for (let step = 0; step < 300; step++) {
      const r = rnd();
      if (r < 0.35) {
        // Some ids already stored (kept as first stored), one new id last: the one that fails the commit when asked.
        const ns = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => (rnd() < 0.15 && nextId ? Math.floor(rnd() * nextId) : nextId++));
        ns.push(nextId++);
        const fail = rnd() < 0.2;
        const ids = ns.map(id);
        const b = signBatch(ids, key);
        const w: IngestWrite = {
          batchRoot: b.root,
          batch: { origin: key.publicKey, signature: b.signature, txIds: ids },
          txs: ns.map((n, index) => {
            const last = index === ns.length - 1;
            const payload = fail && last ? ('not bytes' as never) : rnd() < 0.4 ? undefined : new Uint8Array([n & 0xff, 1]);
            return { txId: id(n), coreBytes: new Uint8Array([0x81, n & 0x17]), index, payload };
          }),
        };
        try {
          await s.commitIngest(w);
          assert.not.ok(fail, 'a commit with a record that is not bytes succeeded');
          counts.ingests++;
          w.txs.forEach((t) => {
            const h = toHex(t.txId);
            if (stored.has(h)) return;
            stored.add(h);
            lost.delete(h); // taken in again, this time whole
            if (t.payload) payloads.set(h, toHex(t.payload));
          });
        } catch (e) {
          if (!fail) throw e;
          assert.ok(isUrchainError(e, 'STORE'), String(e));
          for (const t of w.txs) if (!stored.has(toHex(t.txId))) lost.add(toHex(t.txId));
          counts.failed++;
        }
      } else if (r < 0.6) {
        const picked = pool()
          .filter(() => rnd() < 0.6)
          .map(fromHex);
        const height = chain.length;
        const b = block(height, chain[height - 1].hash, picked);
        await s.commitBlock({ ...b, move: { disconnect: [], connect: [{ hash: b.hash, height, txIds: picked }], head: { hash: b.hash, height }, repending: [] } });
        chain.push({ hash: b.hash, txIds: picked });
        counts.blocks++;
      } else if (r < 0.8 && chain.length > 1) {
        // Drop the top k blocks; a branch of m blocks from the fork takes some of their records and of the pool.
        const k = 1 + Math.floor(rnd() * Math.min(3, chain.length - 1));
        const keep = chain.slice(0, chain.length - k);
        const dropped = chain.slice(chain.length - k);
        let free = [...dropped.flatMap((b) => b.txIds.map(toHex)), ...pool()];
        const branch: BlockWrite[] = [];
        let prev = keep[keep.length - 1].hash;
        for (let j = 0, m = Math.floor(rnd() * 4); j < m; j++) {
          const pick = free.filter(() => rnd() < 0.5);
          free = free.filter((h) => !pick.includes(h));
          const b = block(keep.length + j, prev, pick.map(fromHex));
          branch.push(b);
          prev = b.hash;
        }
        const connect = branch.map((b, j) => ({ hash: b.hash, height: keep.length + j, txIds: b.txIds }));
        const incoming = new Set(connect.flatMap((c) => c.txIds.map(toHex)));
        const disconnect = dropped.map((b, i) => ({ hash: b.hash, height: keep.length + i, txIds: b.txIds })).reverse();
        const repending = dropped.flatMap((b) => b.txIds).filter((t) => !incoming.has(toHex(t)));
        const top = connect[connect.length - 1] ?? { hash: keep[keep.length - 1].hash, height: keep.length - 1 };
        for (const b of branch.slice(0, -1)) await s.commitBlock(b); // side blocks stored first, as the tree does
        const last = branch[branch.length - 1] ?? { ...g, hash: keep[keep.length - 1].hash };
        await s.commitBlock({ ...last, move: { disconnect, connect, head: { hash: top.hash, height: top.height }, repending } });
        chain = [...keep, ...connect.map((c) => ({ hash: c.hash, txIds: c.txIds }))];
        counts.reorgs++;
      } else if (r < 0.9) {
        await s.close();
        s = await LmdbStore.open(dir, opts);
        counts.reopens++;
      } else if (stored.size) {
        const all = [...stored];
        const h = all[Math.floor(rnd() * all.length)];
        await s.putPayload(fromHex(h), new Uint8Array([9, step & 0xff]));
        payloads.set(h, toHex(new Uint8Array([9, step & 0xff])));
        counts.fills++;
      }

      const at = `step ${step}`;
      if (s.unmerged() < lastUnmerged) counts.merged++;
      lastUnmerged = s.unmerged();
      assert.equal(s.pending().map(toHex).sort(), pool(), `${at}: the pool`);
      assert.is(new Set(s.pending().map(toHex)).size, s.pending().length, `${at}: no record pending twice`);
      chain.forEach((b, height) =>
        b.txIds.forEach((t, index) => assert.equal(s.location(t), { blockHash: b.hash, height, index }, `${at}: location of ${toHex(t).slice(0, 8)}`)),
      );
      for (const h of pool()) assert.is(s.location(fromHex(h)), undefined, `${at}: a pending record has no location`);
      for (const h of stored) {
        assert.ok(s.hasTx(fromHex(h)) && s.getTx(fromHex(h)), `${at}: ${h.slice(0, 8)} stored`);
        const p = s.getPayload(fromHex(h));
        assert.is(p && toHex(p), payloads.get(h), `${at}: payload of ${h.slice(0, 8)}`);
      }
      for (const h of lost) assert.not.ok(s.hasTx(fromHex(h)), `${at}: nothing of a failed commit`);
      assert.equal(s.head(), { hash: chain[chain.length - 1].hash, height: chain.length - 1 }, `${at}: the head`);
    }
    // The run met every case it is about.
    for (const [k, v] of Object.entries(counts)) assert.ok(v >= 3, `${k}: ${v}`);
  } finally {
    await s.close();
  }
});

test.run();
