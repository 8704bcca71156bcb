/**
 * The LMDB store on a full disk (a small tmpfs; root only, skipped with a message otherwise):
 * commits that overlap — one small enough for the space left, the next too big — each settle,
 * none waits forever for the other's flush, no promise is left unhandled, and the disk holds
 * exactly the commits that resolved.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import fs from 'node:fs';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import type { IngestWrite } from '../../src/store/types.js';
import type { ChainParams } from '../../src/chain/params.js';
import { cleanup } from '../helpers.js';
import { onTmpfs, fill } from '../tmpfs.js';

test.after(() => cleanup());

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'f', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
let n = 0;
function write(size: number): IngestWrite {
  const ids = [new Uint8Array(32).fill(0)];
  new DataView(ids[0].buffer).setUint32(0, ++n);
  const b = signBatch(ids, key);
  return { batchRoot: b.root, batch: { origin: key.publicKey, signature: b.signature, txIds: ids }, txs: [{ txId: ids[0], coreBytes: new Uint8Array([n]), index: 0, payload: new Uint8Array(size) }] };
}
const settled = (p: Promise<void>, ms = 15_000) =>
  Promise.race([p.then(() => 'ok', (e: { code?: string }) => `failed ${e.code}`), new Promise<string>((r) => setTimeout(() => r('never settled'), ms).unref())]);

test('overlapping commits on a full disk each settle, and the disk holds exactly those that resolved', async () => {
  await onTmpfs('4m', async (mnt) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    let s: LmdbStore | undefined;
    try {
      s = await LmdbStore.open(path.join(mnt, 'data'));
      await s.initChain(params, genesisWrite(params));
      fill(path.join(mnt, 'filler'), 1024 * 1024);
      const outcomes: string[] = [];
      for (let round = 0; round < 8; round++) {
        const small = write(16);
        const big = write(3 * 1024 * 1024);
        const p1 = s.commitIngest(small);
        await new Promise((r) => setTimeout(r, round % 4)); // 0-3 ms apart: varies how the two commits overlap (the load pattern, not a wait)
        const p2 = s.commitIngest(big);
        const [a, b] = [await settled(p1), await settled(p2)];
        assert.is.not(a, 'never settled', `round ${round}: a commit waited for the flush of a later, failed one`);
        assert.is(b, 'failed STORE');
        assert.is(s.hasTx(small.txs[0].txId), a === 'ok', `round ${round}: ${a} but the disk says otherwise`);
        assert.not.ok(s.hasTx(big.txs[0].txId));
        outcomes.push(a);
      }
      fs.rmSync(path.join(mnt, 'filler'));
      const after = write(3 * 1024 * 1024);
      assert.is(await settled(s.commitIngest(after)), 'ok');
      assert.ok(s.hasTx(after.txs[0].txId));
      await new Promise((r) => setImmediate(r));
      assert.equal(unhandled, [], 'unhandled rejections');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await s?.close();
    }
  });
});

test.run();
