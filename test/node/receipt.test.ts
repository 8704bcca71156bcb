import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { Intake } from '../../src/node/intake.js';
import { Durable, BatchRef, Source, receiptsJson } from '../../src/node/receipt.js';
import { decodeCore } from '../../src/chain/transaction.js';
import { tmpDir, cleanupAfter, hex } from '../helpers.js';
import { ROLES } from '../../src/contracts/roles.js';
import type { IngestWrite } from '../../src/store/types.js';

const closing = cleanupAfter(test);
const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'r', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };

async function setup(onCommitted?: (ids: Uint8Array[], w: IngestWrite) => void) {
  const store = closing(await LmdbStore.open(tmpDir()));
  await store.initChain(params, genesisWrite(params));
  return { store, intake: new Intake({ store, key, chainId: chainIdOf(params), role: ROLES.full, onCommitted }) };
}

test('json() is byte for byte JSON.stringify(receipt()), duplicates and any kind included', () => {
  const ref = new BatchRef(new Uint8Array(32).fill(7));
  for (const kind of ['record', 'epcis', 'ké"\\\u2028x']) {
    for (const dup of [false, true]) {
      const d = new Durable(new Uint8Array(32).fill(1), new Source('ab'.repeat(32), 'cd'.repeat(32)), 1_764_000_000_123, 42, kind, new Uint8Array(32).fill(2), 1024, ref, dup);
      assert.is(d.json(), JSON.stringify(d.receipt()));
      const error = JSON.stringify({ error: { code: 'BAD_INPUT', message: 'kind "ké": … \u0000' } });
      const body = receiptsJson([d, error, d], '{"receipts":[', ']}');
      assert.is(Buffer.from(body).toString('utf8'), JSON.stringify({ receipts: [d.receipt(), JSON.parse(error), d.receipt()] }));
      assert.is(d.receipt().duplicate, dup ? true : undefined);
    }
  }
  const first = new Durable(new Uint8Array(32), new Source('a', 'b'), 0, Number.MAX_SAFE_INTEGER, 'record', new Uint8Array(32), 0, ref);
  assert.is(first.again().json(), JSON.stringify({ ...first.receipt(), duplicate: true }));
});

test('a receipt says what the stored core says, also for batches committed while another syncs', async () => {
  const { store, intake } = await setup();
  // Three waves: the commit loop keeps two batches in flight, each with its own timestamp.
  const waves = await Promise.all([0, 1, 2].map(async (w) => {
    if (w) await new Promise((r) => setImmediate(r));
    return Promise.all(Array.from({ length: 50 }, (_, i) => intake.submit({ payload: Buffer.from(`w${w}r${i}`), kind: 'k.x', meta: i % 2 ? { product: `P${i}` } : undefined })));
  }));
  for (const r of waves.flat()) {
    const tx = store.getTx(hex(r.txId))!;
    const c = decodeCore(tx.coreBytes);
    assert.equal([r.timestamp, r.seq, r.kind, r.payloadLength, r.payloadDigest, r.batchRoot], [c.timestamp, c.seq, c.kind, c.payloadLength, Buffer.from(c.payloadDigest).toString('hex'), Buffer.from(tx.batchRoot).toString('hex')]);
    assert.is(r.origin, Buffer.from(key.publicKey).toString('hex'));
    assert.is(r.chainId, Buffer.from(chainIdOf(params)).toString('hex'));
  }
  assert.is(intake.receiptFor(hex(waves[1][3].txId)).seq, waves[1][3].seq);
});

test('acceptAll answers every record in order: its durable form or its own error', async () => {
  const { store, intake } = await setup();
  const out = await intake.acceptAll([
    { payload: Buffer.from('a') },
    { payload: Buffer.from('b'), kind: 'Bad Kind' },
    { payload: Buffer.from('c'), idemKey: 'K' },
    { payload: Buffer.from('c'), idemKey: 'K' },
    { payload: Buffer.from('other'), idemKey: 'K' },
  ]);
  assert.ok(out[0] instanceof Durable);
  assert.is((out[1] as { code?: string }).code, 'BAD_INPUT');
  const [c1, c2] = [out[2] as Durable, out[3] as Durable];
  assert.equal(c1.txId, c2.txId);
  assert.is(c1.duplicate, false);
  assert.is(c2.duplicate, true);
  assert.is((out[4] as { code?: string }).code, 'CONFLICT');
  assert.is(store.pending().length, 2);
  assert.equal(await intake.acceptAll([]), []);
});

test.run();
