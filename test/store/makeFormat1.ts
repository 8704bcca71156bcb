/**
 * Wrote the format-1 fixture (test/store/fixtures/format1/): a small chain made by the format-1
 * store code (the release before store format 2), kept so the migration is tested on a REAL old
 * folder, not one the new code imitates. Kept for the record; running it again with a later
 * release writes that release's format, so it is not part of the test run:
 *
 *   node dist/test/store/makeFormat1.js <out folder>
 *
 * The chain: blocks 1-3 from the node's own intake (records with product codes, identifiers,
 * client idempotency keys, one entanglement record), a batch from another origin taken in
 * without payloads (one payload added afterwards with putPayload), and records still pending.
 * Beside chain.lmdb (a compacted copy) it writes format1.json: every Store answer (storeDump.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LmdbStore } from '../../src/store/lmdb.js';
import { BlockTree } from '../../src/ledger/blocktree.js';
import { consensusFor } from '../../src/consensus/index.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { signBatch } from '../../src/chain/batch.js';
import { encodeCore, txIdOf } from '../../src/chain/transaction.js';
import { sha256 } from '../../src/crypto/hash.js';
import { signCheckpoint } from '../../src/chain/checkpoint.js';
import { Intake } from '../../src/node/intake.js';
import { Pool } from '../../src/node/pool.js';
import { Producer } from '../../src/node/producer.js';
import { ROLES } from '../../src/contracts/roles.js';
import { entanglePrefixOf } from '../../src/store/buckets.js';
import { dumpStore, type DumpKeys } from './storeDump.js';

const out = process.argv[2];
if (!out) throw new Error('usage: makeFormat1.js <out folder>');
const work = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'format1-'));
const key = generateKeyPair();
const peer = generateKeyPair();
const partner = generateKeyPair();
const params: ChainParams = { version: 1, name: 'format1', created: Date.now() - 60_000, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
const chainId = chainIdOf(params);

const store = await LmdbStore.open(work);
await store.initChain(params, genesisWrite(params));
const tree = new BlockTree(store, consensusFor(params), params);
const pool = new Pool();
const intake = new Intake({ store, key, chainId, role: ROLES.full, onCommitted: (ids) => pool.add(ids) });
const producer = new Producer(tree, pool, key, 60_000, (o) => o.forEach((x) => x.move && pool.apply(x.move)), (e) => {
  throw e;
});
const meta = (i: number): Record<string, string> => ({ product: `P-${i % 3}`, ...(i % 4 === 0 ? { 'id.0001': `urn:lot:${i % 5}` } : {}) });
const submitRound = (from: number, n: number) =>
  Promise.all(Array.from({ length: n }, (_, k) => intake.submit({ payload: Buffer.from(`sample ${from + k}`), meta: meta(from + k), idemKey: (from + k) % 2 === 0 ? `key-${from + k}` : undefined })));

const partnerHex = Buffer.from(partner.publicKey).toString('hex');
for (let round = 0; round < 3; round++) {
  await submitRound(round * 12, 12);
  if (round === 1) {
    const cp = signCheckpoint({ chainId: new Uint8Array(32).fill(9), height: 7, blockHash: new Uint8Array(32).fill(1), timestamp: 1 }, partner);
    await intake.submit({ payload: cp, kind: 'entangle', meta: { partner: partnerHex, height: '7' } });
  }
  await producer.tick();
}
// A batch from another origin, stored without payloads (as a node that keeps only its own).
const peerTxs = Array.from({ length: 4 }, (_, i) => {
  const payload = Buffer.from(`peer ${i}`);
  const coreBytes = encodeCore({ version: 1, chainId, origin: peer.publicKey, timestamp: 1, seq: i + 1, kind: 'record', meta: [['product', 'P-peer']], payloadDigest: sha256(payload), payloadLength: payload.length });
  return { txId: txIdOf(coreBytes), coreBytes, index: i, payload, product: 'P-peer' };
});
const pb = signBatch(peerTxs.map((t) => t.txId), peer);
await store.commitIngest({ batchRoot: pb.root, batch: { origin: peer.publicKey, signature: pb.signature, txIds: peerTxs.map((t) => t.txId) }, txs: peerTxs.map(({ payload: _p, ...t }) => t) });
pool.add(peerTxs.map((t) => t.txId));
await store.putPayload(peerTxs[1].txId, peerTxs[1].payload);
await producer.tick();
// Left pending.
await submitRound(100, 7);
await producer.stop();
await store.close();

fs.mkdirSync(out, { recursive: true });
await LmdbStore.backup(work, path.join(out, 'chain.lmdb'), true);
const keys: DumpKeys = {
  products: ['P-0', 'P-1', 'P-2', 'P-peer', 'urn:lot:0', 'urn:lot:1', 'urn:lot:4', 'none'],
  idem: ['client:key-0', 'client:key-2', 'client:key-24', 'client:key-100', 'client:key-1', `entangle:${partnerHex}:${'7'.padStart(15, '0')}`, 'missing'],
  entanglePrefixes: ['entangle:', entanglePrefixOf(partnerHex), 'countersign:'],
  absent: ['00'.repeat(32), 'ff'.repeat(32)],
};
const ro = await LmdbStore.open(out, { readOnly: true });
fs.writeFileSync(path.join(out, 'format1.json'), JSON.stringify({ keys, dump: dumpStore(ro, keys) }, null, 1) + '\n');
await ro.close();
fs.rmSync(work, { recursive: true, force: true });
console.log(`wrote ${out}`);
