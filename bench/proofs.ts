/**
 * `npm run bench -- --only proofs`: proof generation on a cold cache (a new Query per proof, as
 * after a restart or for a block no one asked about lately) out of blocks of 1k, 10k, 100k and 1M
 * records (`--block-sizes 1000,10000`, `--proofs N` per block and kind), with the blocks' levels
 * rows (the `levels` bucket: one 256-record chunk and log(n/256) stored nodes, O(256 + log n)) and
 * without them (as a store from before the bucket: the whole block's tree is rebuilt, O(n)).
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
import { writeBigBlocks, type BigBlock } from '../support/bigBlocks.js';
import { flag, spread, type Emit, type BenchOptions } from './common.js';

type Paths = 'chunks' | 'rebuild';
const PATHS: Paths[] = ['chunks', 'rebuild'];

/** A block as measured: its hash, size and the records whose proofs are timed (picked at random). */
interface Sample {
  hash: Uint8Array;
  n: number;
  picks: { index: number; txId: Uint8Array }[];
}

export async function proofsBench(emit: Emit, o: BenchOptions): Promise<void> {
  const sizes = flag(o.args, '--block-sizes', '1000,10000,100000,1000000').split(',').map(Number);
  const reps = Number(flag(o.args, '--proofs', '15'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urchain-bench-proofs-'));
  const data = path.join(dir, 'data');
  try {
    let t = performance.now();
    let blocks: BigBlock[] | undefined = await writeBigBlocks(data, sizes);
    emit({ bench: 'proofs.store', blockRecords: sizes, records: sizes.reduce((a, b) => a + b, 0), buildSeconds: Math.round((performance.now() - t) / 100) / 10 });
    for (const b of blocks) {
      // What the levels row costs when the block is written (one more leaf hash and node hash per
      // record, done in the block's commit), and its size.
      t = performance.now();
      const row = encodeLevels(b.txIds);
      emit({ bench: 'proofs.levels', blockRecords: b.txIds.length, encodeLevelsMs: Math.round((performance.now() - t) * 10) / 10, levelsRowBytes: b.txIds.length > CHUNK ? row.length : 0 });
    }
    // Keep only what is measured: a million ids held on to would make the collector's pauses part of the times.
    const samples = blocks.map((b): Sample => {
      const picks = Array.from({ length: reps * 2 }, () => Math.floor(Math.random() * b.txIds.length)).map((index) => ({ index, txId: b.txIds[index] }));
      return { hash: b.hash, n: b.txIds.length, picks };
    });
    blocks = undefined;
    const s = await LmdbStore.open(data, { readOnly: true });
    const m: Record<Paths, { proof: Spread[]; path: Spread[] }> = { chunks: { proof: [], path: [] }, rebuild: { proof: [], path: [] } };
    try {
      for (const b of samples) for (const [p, r] of measure(s, b, reps, emit)) (m[p].proof.push(r.proof), m[p].path.push(r.path));
    } finally {
      await s.close();
    }
    const last = samples.length - 1;
    const ratio = (xs: Spread[], k: keyof Spread) => Math.round((xs[last][k] / xs[0][k]) * 100) / 100;
    for (const p of PATHS)
      emit({
        bench: 'proofs.growth',
        paths: p,
        blockRecords: [sizes[0], sizes[last]],
        coldProofUsMedian: [m[p].proof[0].median, m[p].proof[last].median],
        ratio: ratio(m[p].proof, 'median'),
        ratioOfMins: ratio(m[p].proof, 'min'),
        coldBlockPathUsMedian: [m[p].path[0].median, m[p].path[last].median],
        blockPathRatio: ratio(m[p].path, 'median'),
        blockPathRatioOfMins: ratio(m[p].path, 'min'),
      });
    emit({ bench: 'proofs.speedup', blockRecords: sizes[last], rebuildOverChunks: Math.round(m.rebuild.proof[last].median / m.chunks.proof[last].median) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type Spread = ReturnType<typeof spread>;

/**
 * Cold proofs out of one block, with its levels row and without it (the same store seen without
 * `blockLevels`, which is how a store from before the bucket reads: test/node/blockPaths.test.ts
 * proves the same bytes both ways), in alternating rounds so both see the same machine.
 */
function measure(s: LmdbStore, b: Sample, reps: number, emit: Emit): Map<Paths, { proof: Spread; path: Spread }> {
  const old = new Proxy(s, { get: (t, k) => (k === 'blockLevels' ? undefined : Reflect.get(t, k)) });
  const header = s.getBlock(b.hash)!.signed.header;
  const times = new Map(PATHS.map((p) => [p, { proof: [] as number[], path: [] as number[], made: { chunked: 0, whole: 0 } }]));
  for (let r = 0; r < reps; r++)
    for (const p of PATHS) {
      if (p === 'rebuild' && b.n >= 100_000 && r >= 3) continue; // seconds each: three tell enough
      const store = p === 'chunks' ? s : old;
      const x = times.get(p)!;
      const { txId } = b.picks[r];
      const q = new Query(store);
      let t = performance.now();
      const proof = q.proof(toHex(txId));
      x.proof.push((performance.now() - t) * 1000);
      x.made.chunked += q.blockPaths.counts.chunked;
      x.made.whole += q.blockPaths.counts.whole;
      if (r === 0 && !verifyProof(proof, null).valid) throw new Error(`bench proofs: the proof of ${toHex(txId)} does not verify`);
      // The block's part alone (the batch's part, 1,000 leaves, is the same at every size).
      const other = b.picks[reps + r];
      t = performance.now();
      new BlockPaths(store).path(b.hash, header, other.index, other.txId);
      x.path.push((performance.now() - t) * 1000);
    }
  const out = new Map<Paths, { proof: Spread; path: Spread }>();
  for (const [p, x] of times) {
    const proof = spread(x.proof);
    const path = spread(x.path);
    out.set(p, { proof, path });
    emit({ bench: 'proofs.cold', paths: p, blockRecords: b.n, proofs: x.proof.length, coldProofUsMin: proof.min, coldProofUsMedian: proof.median, coldProofUsMax: proof.max, coldBlockPathUsMin: path.min, coldBlockPathUsMedian: path.median, coldBlockPathUsMax: path.max, pathsFromChunks: x.made.chunked, pathsFromWholeBody: x.made.whole });
  }
  return out;
}
