/**
 * The storage conformance suite: every behaviour of the Store interface (src/store/types.ts) the
 * node relies on, written once and run against each backend by its own test file
 * (lmdbConformance.test.ts, postgresConformance.test.ts). A new backend passes this or is not a
 * backend. Not a test file itself (no `.test.`): the runner finds it through the backends.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Store, BlockWrite, IngestWrite, StoredBlock } from '../../src/store/types.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { blockHashOf, type Header } from '../../src/chain/header.js';
import { signBatch } from '../../src/chain/batch.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { entangleKey, countersignKey } from '../../src/store/buckets.js';
import { CHUNK, encodeLevels } from '../../src/merkle/chunks.js';
import type { ChainParams } from '../../src/chain/params.js';
import { toHex, errorCodeOf } from '../helpers.js';

export interface Backend {
  /** A new, empty place for one store; `open` opens (a writer: creates) the store there. */
  fresh(): Promise<{ open(o?: { readOnly?: boolean }): Promise<Store> }>;
  /** Makes a commit of `w` fail inside its transaction, after its first writes (if the backend can). */
  failMidCommit?(s: Store, w: IngestWrite): Promise<void>;
  before?(): Promise<void>;
  after?(): Promise<void>;
}

const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'conf', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
const genesis = genesisWrite(params);
const id = (n: number) => new Uint8Array(32).fill(n);
const hexes = (xs: Iterable<Uint8Array>) => [...xs].map(toHex);

/** An ingest of the records `ns` (txId filled with n), one batch. */
function ingest(ns: number[], o: { payload?: boolean; product?: string; identifiers?: (n: number) => string[]; idem?: (n: number) => string | undefined; seq?: number } = {}): IngestWrite {
  const ids = ns.map(id);
  const b = signBatch(ids, key);
  return {
    batchRoot: b.root,
    batch: { origin: key.publicKey, signature: b.signature, txIds: ids },
    txs: ns.map((n, index) => ({
      txId: id(n),
      coreBytes: new Uint8Array([0x82, n, index]),
      index,
      payload: o.payload === false ? undefined : new Uint8Array([n, n, n]),
      product: o.product,
      identifiers: o.identifiers?.(n),
      idemKey: o.idem?.(n),
    })),
    seq: o.seq,
  };
}

/** A block on `parent` holding records `ns`; `salt` makes siblings differ. */
function block(parent: StoredBlock, parentHash: Uint8Array, ns: number[], salt = 0): { w: BlockWrite; hash: Uint8Array; height: number } {
  const p = parent.signed.header;
  const header: Header = { ...p, height: p.height + 1, prevHash: parentHash, timestamp: p.timestamp + 1000 + salt, txCount: ns.length, nonce: BigInt(salt) };
  const hash = blockHashOf(header);
  const w: BlockWrite = {
    hash,
    block: { signed: { header, signatures: [{ key: key.publicKey, sig: new Uint8Array(64).fill(7 + salt) }] }, work: 2n ** 60n + BigInt(header.height), frontier: [hash, parentHash] },
    txIds: ns.map(id),
  };
  return { w, hash, height: header.height };
}

const connect = (b: { w: BlockWrite; hash: Uint8Array; height: number }) => ({ hash: b.hash, height: b.height, txIds: b.w.txIds });

export function storeConformance(name: string, backend: Backend) {
  const t = suite(`store conformance: ${name}`);
  const open: Store[] = [];
  const track = (s: Store) => (open.push(s), s);
  t.before(async () => backend.before?.());
  t.after.each(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => undefined);
  });
  t.after(async () => backend.after?.());

  const chain = async () => {
    const place = await backend.fresh();
    const s = track(await place.open());
    await s.initChain(params, genesis);
    return { place, s };
  };

  t('a new chain: params, head, genesis block, height 0; a second initChain is refused', async () => {
    const { s } = await chain();
    assert.is(s.getParams()!.name, 'conf');
    assert.equal(s.head(), { hash: genesis.hash, height: 0 });
    assert.is(toHex(s.hashAt(0)!), toHex(genesis.hash));
    assert.equal(s.getBody(genesis.hash), []);
    assert.is(s.getBlock(genesis.hash)!.work, 0n);
    assert.is(s.hashAt(1), undefined);
    assert.is(s.lastSeq(), 0);
    assert.equal(s.pending(), []);
    let code = '';
    await s.initChain(params, genesis).catch((e) => (code = e.code));
    assert.is(code, 'EXISTS');
  });

  t('an ingest commit: transactions, batch, payloads, pending in arrival order, index, idempotency, seq', async () => {
    const { s } = await chain();
    await s.commitIngest(ingest([9, 3], { product: 'P-1', idem: (n) => `client:k${n}`, seq: 4 }));
    await s.commitIngest(ingest([5], { payload: false, product: 'P-1' }));
    assert.equal(hexes(s.pending()), hexes([id(9), id(3), id(5)]));
    assert.equal(hexes(s.productTxs('P-1')), hexes([id(3), id(5), id(9)])); // sorted by txId, as LMDB's dupSort
    assert.equal(s.productTxs('nope'), []);
    const tx = s.getTx(id(3))!;
    assert.equal([...tx.coreBytes], [0x82, 3, 1]);
    assert.is(tx.index, 1);
    assert.equal(hexes(s.getBatch(tx.batchRoot)!.txIds), hexes([id(9), id(3)]));
    assert.is(toHex(s.getBatch(tx.batchRoot)!.origin), toHex(key.publicKey));
    assert.ok(s.hasTx(id(5)));
    assert.not.ok(s.hasTx(id(6)));
    assert.equal([...s.getPayload(id(9))!], [9, 9, 9]);
    assert.is(s.getPayload(id(5)), undefined);
    assert.is(toHex(s.idem('client:k3')!), toHex(id(3)));
    assert.is(s.idem('client:k5'), undefined);
    assert.is(s.lastSeq(), 4);
    assert.is(s.location(id(9)), undefined);
  });

  t('a record taken in twice keeps its first copy and its place in the pool', async () => {
    const { s } = await chain();
    await s.commitIngest(ingest([1, 2]));
    const again = ingest([2, 2, 3]);
    again.txs[0].coreBytes = new Uint8Array([0x80]);
    await s.commitIngest(again);
    assert.equal(hexes(s.pending()), hexes([id(1), id(2), id(3)]));
    assert.equal([...s.getTx(id(2))!.coreBytes], [0x82, 2, 1]);
  });

  t('the entanglement index: by key, and ranges in key order from a start within a prefix', async () => {
    const { s } = await chain();
    const signer = 'ab'.repeat(32);
    const keys = [entangleKey(signer, 10), entangleKey(signer, 2), countersignKey(7, 'cd'), entangleKey('ef'.repeat(32), 1)];
    await s.commitIngest(ingest([1, 2, 3, 4], { idem: (n) => keys[n - 1] }));
    assert.is(toHex(s.idem(keys[0])!), toHex(id(1)));
    assert.equal([...s.entangleRange(`entangle:${signer}:`)].map((r) => r.key), [keys[1], keys[0]]);
    assert.equal([...s.entangleRange(`entangle:${signer}:`, entangleKey(signer, 3))].map((r) => toHex(r.txId)), [toHex(id(1))]);
    assert.equal([...s.entangleRange('countersign:')].map((r) => r.key), [keys[2]]);
    assert.is(s.idem(keys[2].replace('countersign', 'client')), undefined);
  });

  t('a block of more than 256 ids keeps its levels row; body slices are slices of the body', async () => {
    const { place, s } = await chain();
    const many = Array.from({ length: 3 * CHUNK + 89 }, (_, i) => new Uint8Array(32).fill(i % 251, 0, 16).fill(i >> 8, 16, 17));
    const big = block(genesis.block, genesis.hash, [], 9);
    await s.commitBlock({ ...big.w, txIds: many });
    const small = block(genesis.block, genesis.hash, [1, 2], 11);
    await s.commitBlock(small.w);
    for (const r of [s, track(await place.open({ readOnly: true }))]) {
      assert.equal(r.blockLevels?.(big.hash), encodeLevels(many));
      assert.is(r.blockLevels?.(small.hash), undefined, 'a small block has no row');
      assert.is(r.blockLevels?.(id(99)), undefined, 'nor an unknown one');
      for (const [from, to] of [[0, 1], [0, CHUNK], [CHUNK, 2 * CHUNK], [3 * CHUNK, many.length], [many.length - 1, many.length]])
        assert.equal(hexes(r.getBodySlice!(big.hash, from, to)!), hexes(many.slice(from, to)), `${from}..${to}`);
      assert.is(r.getBodySlice!(id(99), 0, 1), undefined);
    }
  });

  t('a block commit: body, heights, locations, pending cleared, head', async () => {
    const { s } = await chain();
    await s.commitIngest(ingest([1, 2, 3]));
    const b1 = block(genesis.block, genesis.hash, [2, 1]);
    await s.commitBlock({ ...b1.w, move: { disconnect: [], connect: [connect(b1)], head: { hash: b1.hash, height: 1 }, repending: [] } });
    assert.equal(s.head(), { hash: b1.hash, height: 1 });
    assert.is(toHex(s.hashAt(1)!), toHex(b1.hash));
    assert.equal(hexes(s.getBody(b1.hash)!), hexes([id(2), id(1)]));
    const got = s.getBlock(b1.hash)!;
    assert.is(got.work, 2n ** 60n + 1n);
    assert.is(got.signed.header.height, 1);
    assert.equal([...got.signed.signatures[0].sig], [...new Uint8Array(64).fill(7)]);
    assert.equal(hexes(got.frontier), hexes([b1.hash, genesis.hash]));
    assert.equal(s.location(id(1)), { blockHash: b1.hash, height: 1, index: 1 });
    assert.equal(hexes(s.pending()), hexes([id(3)]));
    // A block stored off the canonical chain: readable, but no height, location or head.
    const side = block(genesis.block, genesis.hash, [3], 5);
    await s.commitBlock(side.w);
    assert.ok(s.getBlock(side.hash));
    assert.is(toHex(s.hashAt(1)!), toHex(b1.hash));
    assert.is(s.location(id(3)), undefined);
  });

  t('a reorganisation: dropped blocks lose heights and locations, their records go back to the pool, before later ones', async () => {
    const { s } = await chain();
    await s.commitIngest(ingest([1, 2, 3, 4]));
    const a1 = block(genesis.block, genesis.hash, [1, 2]);
    const a2 = block(a1.w.block, a1.hash, [3]);
    await s.commitBlock({ ...a1.w, move: { disconnect: [], connect: [connect(a1)], head: { hash: a1.hash, height: 1 }, repending: [] } });
    await s.commitBlock({ ...a2.w, move: { disconnect: [], connect: [connect(a2)], head: { hash: a2.hash, height: 2 }, repending: [] } });
    assert.equal(hexes(s.pending()), hexes([id(4)]));
    const b1 = block(genesis.block, genesis.hash, [2], 1);
    await s.commitBlock(b1.w);
    const b2 = block(b1.w.block, b1.hash, [], 1);
    const b3 = block(b2.w.block, b2.hash, [4], 1);
    await s.commitBlock(b2.w);
    await s.commitBlock({
      ...b3.w,
      move: {
        disconnect: [connect(a2), connect(a1)],
        connect: [connect(b1), connect(b2), connect(b3)],
        head: { hash: b3.hash, height: 3 },
        repending: [id(3), id(1)],
      },
    });
    assert.equal(s.head(), { hash: b3.hash, height: 3 });
    assert.equal([1, 2, 3].map((h) => toHex(s.hashAt(h)!)), hexes([b1.hash, b2.hash, b3.hash]));
    assert.equal(s.location(id(2)), { blockHash: b1.hash, height: 1, index: 0 });
    assert.equal(s.location(id(4)), { blockHash: b3.hash, height: 3, index: 0 });
    assert.is(s.location(id(1)), undefined);
    assert.is(s.location(id(3)), undefined);
    // Back in the pool: LMDB (store format 2) puts them where they first arrived (their record
    // numbers), PostgreSQL at its end in the order given; either way before what comes next.
    const back = hexes(s.pending());
    assert.ok([hexes([id(1), id(3)]), hexes([id(3), id(1)])].some((o) => o.join() === back.join()), back.join());
    // Taken in after the reorg: behind the repended ones.
    await s.commitIngest(ingest([0]));
    assert.equal(hexes(s.pending()), [...back, toHex(id(0))]);
  });

  t('putPayload fills a gap of a stored transaction and ignores an unknown one', async () => {
    const { s } = await chain();
    await s.commitIngest(ingest([1], { payload: false }));
    await s.putPayload(id(1), new Uint8Array([4, 2]));
    await s.putPayload(id(2), new Uint8Array([4, 2]));
    assert.equal([...s.getPayload(id(1))!], [4, 2]);
    assert.is(s.getPayload(id(2)), undefined);
    assert.not.ok(s.hasTx(id(2)));
  });

  t('a commit that fails leaves every bucket as it was, and the next one succeeds', async () => {
    const { s } = await chain();
    await s.commitIngest(ingest([1]));
    const bad = ingest([2, 3], { product: 'x'.repeat(5000), idem: (n) => `client:${n}` });
    let code = '';
    await s.commitIngest(bad).catch((e) => (code = e.code));
    assert.is(code, 'BAD_INPUT');
    const untouched = () => {
      assert.not.ok(s.hasTx(id(2)));
      assert.is(s.getBatch(bad.batchRoot), undefined);
      assert.is(s.idem('client:2'), undefined);
      assert.equal(hexes(s.pending()), hexes([id(1)]));
    };
    untouched();
    if (backend.failMidCommit) {
      const mid = ingest([2, 3], { product: 'Q', idem: (n) => `client:${n}` });
      code = '';
      await backend.failMidCommit(s, mid).catch((e) => (code = e.code));
      assert.is(code, 'STORE');
      untouched();
      assert.equal(s.productTxs('Q'), []);
    }
    await s.commitIngest(ingest([4]));
    assert.equal(hexes(s.pending()), hexes([id(1), id(4)]));
  });

  t('reopened (for writing and read-only) the store holds everything; new records queue behind the old', async () => {
    const { place, s } = await chain();
    await s.commitIngest(ingest([9, 8], { product: 'R', idem: (n) => `client:${n}`, seq: 2 }));
    const b1 = block(genesis.block, genesis.hash, [9]);
    await s.commitBlock({ ...b1.w, move: { disconnect: [], connect: [connect(b1)], head: { hash: b1.hash, height: 1 }, repending: [] } });
    await s.close();
    const r = track(await place.open({ readOnly: true }));
    assert.ok(r.readOnly);
    assert.equal(r.head(), { hash: b1.hash, height: 1 });
    assert.is(r.lastSeq(), 2);
    assert.equal(hexes(r.pending()), hexes([id(8)]));
    assert.equal(hexes(r.productTxs('R')), hexes([id(8), id(9)]));
    assert.equal(r.location(id(9)), { blockHash: b1.hash, height: 1, index: 0 });
    assert.ok(r.size() > 0);
    await r.close();
    const w = track(await place.open());
    await w.commitIngest(ingest([1]));
    assert.equal(hexes(w.pending()), hexes([id(8), id(1)]));
    assert.is(w.lastSeq(), 2);
    assert.is(toHex(w.idem('client:9')!), toHex(id(9)));
  });

  t('a read-only open of a place without a store is NOT_FOUND', async () => {
    const place = await backend.fresh();
    let code = '';
    await place.open({ readOnly: true }).then(track, (e) => (code = e.code));
    assert.is(code, 'NOT_FOUND');
  });

  t('identifiers: one index row each, beside the product code', async () => {
    const { s } = await chain();
    await s.commitIngest(ingest([1, 2], { product: 'P', identifiers: (n) => [`urn:epc:id:sgtin:1.${n}`, 'urn:epc:class:lgtin:lot'] }));
    assert.equal(hexes(s.productTxs('P')), hexes([id(1), id(2)]));
    assert.equal(hexes(s.productTxs('urn:epc:id:sgtin:1.2')), hexes([id(2)]));
    assert.equal(hexes(s.productTxs('urn:epc:class:lgtin:lot')), hexes([id(1), id(2)]));
    assert.is(errorCodeOf(() => s.productTxs('urn:epc:id:sgtin:1.3')), 'none');
  });

  return t;
}
