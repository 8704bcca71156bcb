/**
 * `npm run bench -- --only proofs`: proof generation on a cold cache (a new Query per proof, as
 * after a restart or for a block no one asked about lately) out of blocks of 1k, 10k, 100k and 1M
 * records (`--block-sizes 1000,10000`), with the blocks' chunk roots (the `levels` bucket, O(256 +
 * log n)) and without them (a store from before it: the whole block's tree is rebuilt, O(n)).
 * The store is built through LmdbStore and BlockTree (support/bigBlocks.ts), records in signed
 * batches of 1,000, so the batch part of every proof costs the same at each block size; each
 * line gives min/median/max over a few proofs of random records, and `proofs.growth` the ratio
 * of the largest block's median to the smallest's (close to 1 with chunk roots).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LmdbStore } from '../src/store/lmdb.js';
import { Query } from '../src/node/query.js';
import { verifyProof } from '../src/proof/proof.js';
import { CHUNK, encodeLevels } from '../src/merkle/chunks.js';
import { BlockPaths } from '../src/node/blockPaths.js';
import { toHex } from '../src/codec/bytes.js';
import { writeBigBlocks, dropLevels, type BigBlock } from '../support/bigBlocks.js';
import { flag, spread, type Emit, type BenchOptions } from './common.js';

type Paths = 'chunks' | 'rebuild';

export async function proofsBench(emit: Emit, o: BenchOptions): Promise<void> {
  const sizes = flag(o.args, '--block-sizes', '1000,10000,100000,1000000').split(',').map(Number);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-proofs-'));
  const data = path.join(dir, 'data');
  try {
    let t = performance.now();
    const blocks = await writeBigBlocks(data, sizes);
    emit({ bench: 'proofs.store', blockRecords: sizes, records: sizes.reduce((a, b) => a + b, 0), buildSeconds: Math.round((performance.now() - t) / 100) / 10 });
    for (const b of blocks) {
      // What the levels row costs when the block is written (one more leaf hash and node hash per
      // record, done in the block's commit), and its size.
      t = performance.now();
      const row = encodeLevels(b.txIds);
      emit({ bench: 'proofs.levels', blockRecords: b.txIds.length, encodeLevelsMs: Math.round((performance.now() - t) * 10) / 10, levelsRowBytes: b.txIds.length > CHUNK ? row.length : 0 });
    }
    const chunks = await measure(data, blocks, 'chunks', emit);
    await dropLevels(data);
    const rebuild = await measure(data, blocks, 'rebuild', emit);
    const last = blocks.length - 1;
    const r = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    for (const [p, m] of [['chunks', chunks], ['rebuild', rebuild]] as const)
      emit({ bench: 'proofs.growth', paths: p, blockRecords: [sizes[0], sizes[last]], coldProofUsMedian: [m.proof[0], m.proof[last]], ratio: r(m.proof[last], m.proof[0]), coldBlockPathUsMedian: [m.path[0], m.path[last]], blockPathRatio: r(m.path[last], m.path[0]) });
    emit({ bench: 'proofs.speedup', blockRecords: sizes[last], rebuildOverChunks: Math.round(rebuild.proof[last] / chunks.proof[last]) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Cold proofs out of each block; the medians in µs (whole proofs, block paths alone), in block order. */
async function measure(data: string, blocks: BigBlock[], paths: Paths, emit: Emit): Promise<{ proof: number[]; path: number[] }> {
  const s = await LmdbStore.open(data, { readOnly: true });
  const medians: number[] = [];
  const pathMedians: number[] = [];
  try {
    for (const b of blocks) {
      const n = b.txIds.length;
      const reps = paths === 'rebuild' && n >= 100_000 ? 3 : 15;
      const us: number[] = [];
      const pathUs: number[] = [];
      const header = s.getBlock(b.hash)!.signed.header;
      let made = { chunked: 0, whole: 0 };
      for (let r = 0; r < reps; r++) {
        const id = toHex(b.txIds[Math.floor(Math.random() * n)]);
        const q = new Query(s);
        const t = performance.now();
        const proof = q.proof(id);
        us.push((performance.now() - t) * 1000);
        made = { chunked: made.chunked + q.blockPaths.counts.chunked, whole: made.whole + q.blockPaths.counts.whole };
        if (r === 0 && !verifyProof(proof, null).valid) throw new Error(`bench proofs: the proof of ${id} does not verify`);
        // The block's part alone (the batch's part, 1,000 leaves, is the same at every size).
        const i = Math.floor(Math.random() * n);
        const t2 = performance.now();
        new BlockPaths(s).path(b.hash, header, i, b.txIds[i]);
        pathUs.push((performance.now() - t2) * 1000);
      }
      const pm = spread(pathUs);
      const m = spread(us);
      medians.push(m.median);
      pathMedians.push(pm.median);
      emit({ bench: 'proofs.cold', paths, blockRecords: n, proofs: reps, coldProofUsMin: m.min, coldProofUsMedian: m.median, coldProofUsMax: m.max, coldBlockPathUsMin: pm.min, coldBlockPathUsMedian: pm.median, coldBlockPathUsMax: pm.max, pathsFromChunks: made.chunked, pathsFromWholeBody: made.whole });
    }
  } finally {
    await s.close();
  }
  return { proof: medians, path: pathMedians };
}
