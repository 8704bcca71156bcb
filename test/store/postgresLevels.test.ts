/**
 * Cold proofs out of PostgreSQL read the block's `levels` row and one slice of its body, as out of
 * LMDB (node/blockPaths.ts): the same proof bytes as a whole-body rebuild. A database from before
 * the table (schema 1 as first released) still proves by the rebuild, read-only; a writer that
 * opens it adds the table, and blocks stored from then on get their rows.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PostgresStore } from '../../src/store/postgres.js';
import { Query } from '../../src/node/query.js';
import { verifyProof } from '../../src/proof/proof.js';
import { leafHash, inclusionProof } from '../../src/merkle/tree.js';
import { CHUNK, encodeLevels } from '../../src/merkle/chunks.js';
import { writeBigBlocks, type BigBlock } from '../../support/bigBlocks.js';
import { startPostgres, havePostgres, type PgServer } from '../../support/postgres.js';
import { toHex } from '../helpers.js';

const L = suite('postgres: block levels');
let pg: PgServer | undefined;
let url: string;
let blocks: BigBlock[];

L.before(async () => {
  pg = await startPostgres();
  url = await pg!.createDb('levels');
  blocks = await writeBigBlocks(() => PostgresStore.open(url), [300, 2 * CHUNK + 5]);
});
L.after(async () => pg?.stop());

async function withStore<T>(readOnly: boolean, f: (s: PostgresStore) => T): Promise<T> {
  const s = await PostgresStore.open(url, { readOnly });
  try {
    return f(s);
  } finally {
    await s.close();
  }
}

/** One cold proof (a new Query) of index `i` in block `b`; how its path was made. */
function proveCold(s: PostgresStore, b: BigBlock, i: number) {
  const q = new Query(s);
  const p = q.proof(toHex(b.txIds[i]));
  return { p, chunked: q.blockPaths.counts.chunked };
}

L('blocks of more than 256 records keep their levels; a cold proof comes from them and verifies', async () => {
  await withStore(true, (s) => {
    for (const b of blocks) {
      assert.equal(s.blockLevels(b.hash), encodeLevels(b.txIds));
      const leaves = b.txIds.map(leafHash);
      for (const i of [0, CHUNK - 1, CHUNK, b.txIds.length - 1]) {
        const { p, chunked } = proveCold(s, b, i);
        assert.is(chunked, 1, `block of ${b.txIds.length}, index ${i}: from its chunk`);
        assert.equal(p.block.inclusion, { index: i, path: inclusionProof(leaves, i).map(toHex) });
        assert.ok(verifyProof(p, null).valid);
      }
    }
  });
});

L('a database from before the levels table proves by the rebuild; a writer adds the table back', async () => {
  await pg!.sql(url, 'DROP TABLE urchain.levels');
  const b = blocks[1];
  const i = CHUNK + 3;
  const before = await withStore(true, (s) => {
    assert.is(s.blockLevels(b.hash), undefined);
    const { p, chunked } = proveCold(s, b, i);
    assert.is(chunked, 0, 'no row: the whole body');
    assert.ok(verifyProof(p, null).valid);
    return p;
  });
  await withStore(false, () => undefined);
  const rows = await pg!.sql(url, "SELECT to_regclass('urchain.levels') IS NOT NULL AS t");
  assert.is(rows[0].t, true, 'the writer created the table');
  await withStore(true, (s) => {
    assert.is(s.blockLevels(b.hash), undefined, 'an old block still has no row');
    assert.equal(proveCold(s, b, i).p, before);
  });
});

if (havePostgres()) L.run();
