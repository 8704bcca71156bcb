/**
 * @module node/query
 * Read-side answers over a store: blocks, transactions, proofs, product traces, status. The same
 * code serves the node's HTTP API and the CLI's `--data DIR` mode, so both give the same JSON.
 * Merkle levels of recently used batches are cached, and a path in a block comes from one slice of
 * its body and its stored levels row (node/blockPaths.ts): a proof out of a block of n
 * transactions costs O(log n) hashes (plus one 256-leaf chunk on a cold cache), not O(n).
 */
import type { Store, StoredBlock } from '../store/types.js';
import { MerkleLevels, leafHash } from '../merkle/tree.js';
import { decodeCore, coreToJson, metaGet } from '../chain/transaction.js';
import { headerToJson, sigsToJson } from '../chain/header.js';
import { chainIdOf, paramsToJson } from '../chain/params.js';
import { buildProof, type ProofJson } from '../proof/proof.js';
import { toHex, fromHex, toBase64, fromBase64 } from '../codec/bytes.js';
import { openCheckpoint } from '../chain/checkpoint.js';
import { buildCountersignature, type CountersignatureJson } from '../proof/countersigned.js';
import { UrchainError, notFound, badInput } from '../errors.js';
import { identifierKey } from '../epcis/identifiers.js';
import { countersignKey, entanglePrefixOf, COUNTERSIGN_PREFIX } from '../store/buckets.js';
import type { BlockView } from '../contracts/blockView.js';
import { BlockPaths } from './blockPaths.js';
import { Lru } from './lru.js';

export class Query {
  /** Paths in blocks: from one chunk of the body and the levels row when the block has one (node/blockPaths.ts). */
  readonly blockPaths: BlockPaths;
  private batchTrees = new Lru<MerkleLevels>(64);

  constructor(readonly store: Store) {
    this.blockPaths = new BlockPaths(store);
  }

  /** Resolves "head", a height, or a block hash. */
  resolveBlock(ref: string): { hash: Uint8Array; block: StoredBlock } {
    let hash: Uint8Array | undefined;
    if (ref === 'head' || ref === '') hash = this.store.head()?.hash;
    else if (/^\d{1,15}$/.test(ref)) hash = this.store.hashAt(Number(ref));
    else if (/^[0-9a-fA-F]{64}$/.test(ref)) hash = fromHex(ref.toLowerCase(), 32);
    else throw badInput(`block reference ${JSON.stringify(ref)}: expected head, a height or a 64-digit block hash`);
    const block = hash && this.store.getBlock(hash);
    if (!hash || !block) throw notFound(`no block ${ref}`);
    return { hash, block };
  }

  block(ref: string, opts: { txIds?: boolean } = { txIds: true }): BlockView {
    const { hash, block } = this.resolveBlock(ref);
    const h = block.signed.header;
    const canon = this.store.hashAt(h.height);
    return {
      hash: toHex(hash),
      height: h.height,
      canonical: !!canon && toHex(canon) === toHex(hash),
      header: headerToJson(h),
      signatures: sigsToJson(block.signed.signatures),
      work: block.work.toString(),
      ...(opts.txIds === false ? {} : { txIds: (this.store.getBody(hash) ?? []).map(toHex) }),
    };
  }

  private txIdArg(id: string): Uint8Array {
    if (!/^[0-9a-fA-F]{64}$/.test(id)) throw badInput(`transaction id ${JSON.stringify(id)}: expected 64 hex digits`);
    return fromHex(id.toLowerCase(), 32);
  }

  tx(id: string, opts: { payload?: boolean } = {}) {
    const txId = this.txIdArg(id);
    const tx = this.store.getTx(txId);
    if (!tx) throw notFound(`no transaction ${id}`);
    const core = decodeCore(tx.coreBytes);
    const loc = this.store.location(txId);
    const payload = opts.payload ? this.store.getPayload(txId) : undefined;
    return {
      txId: toHex(txId),
      core: coreToJson(core),
      batchRoot: toHex(tx.batchRoot),
      block: loc ? { hash: toHex(loc.blockHash), height: loc.height, index: loc.index } : null,
      payloadStored: opts.payload ? payload !== undefined : undefined,
      ...(payload ? { payload: toBase64(payload) } : {}),
    };
  }

  /** `payload`: one fetched from an archive, for a node that does not keep it. */
  proof(id: string, opts: { stripped?: boolean; payload?: Uint8Array } = {}): ProofJson {
    const txId = this.txIdArg(id);
    const tx = this.store.getTx(txId);
    if (!tx) throw notFound(`no transaction ${id}`);
    const loc = this.store.location(txId);
    if (!loc) throw UrchainError.CONFLICT(`transaction ${id} is not in a block yet; try again after the next block`, { pending: true });
    const batch = this.store.getBatch(tx.batchRoot);
    if (!batch) throw UrchainError.STORE(`batch ${toHex(tx.batchRoot)} missing from the store`);
    const block = this.store.getBlock(loc.blockHash)!;
    const params = this.store.getParams()!;
    const payload = opts.stripped ? undefined : (this.store.getPayload(txId) ?? opts.payload);
    if (!opts.stripped && !payload) throw notFound(`payload of ${id} is not stored on this node; ask an archive, or use --stripped`, { missing: 'payload' });
    const batchTree = this.batchTrees.get(toHex(tx.batchRoot), () => new MerkleLevels(batch.txIds.map(leafHash)));
    return buildProof({
      txId,
      core: decodeCore(tx.coreBytes),
      payload,
      evidence: { batchSize: batch.txIds.length, index: tx.index, path: batchTree.proof(tx.index), signature: batch.signature },
      block: block.signed,
      blockHash: loc.blockHash,
      inclusion: { index: loc.index, path: this.blockPaths.path(loc.blockHash, block.signed.header, loc.index, txId) },
      params,
    });
  }

  /** Proofs of the included `entangle` records that carry `partnerHex`'s checkpoints, newest first. */
  entangled(partnerHex: string, limit = 16): ProofJson[] {
    const rows = [...this.store.entangleRange(entanglePrefixOf(partnerHex))].reverse(); // keys sort by height
    const out: ProofJson[] = [];
    for (const r of rows) {
      if (out.length >= limit) break;
      if (this.store.location(r.txId)) out.push(this.proof(toHex(r.txId)));
    }
    return out;
  }

  private historyTrees = new Lru<MerkleLevels>(4);

  /**
   * The proof plus, per partner, the first countersignature at or above the record's block: the
   * link from its block to the checkpointed block and the partner's proof of taking it in.
   */
  countersignedProof(id: string, opts: { stripped?: boolean } = {}): ProofJson {
    const proof = this.proof(id, opts);
    const h = proof.block.header.height;
    const seen = new Set<string>();
    const out: CountersignatureJson[] = [];
    for (const row of this.store.entangleRange(COUNTERSIGN_PREFIX, countersignKey(h, ''))) {
      const payload = this.store.getPayload(row.txId);
      if (!payload) continue;
      // The node checked what it stored under these keys; a store written before it did may
      // hold anything there (a client could use these keys then): skip what does not open.
      let partnerProof: ProofJson, cp: ReturnType<typeof openCheckpoint>;
      try {
        partnerProof = JSON.parse(Buffer.from(payload).toString('utf8')) as ProofJson;
        cp = openCheckpoint(fromBase64(partnerProof.payload!, 'checkpoint'));
      } catch {
        continue;
      }
      const partner = String(partnerProof.core?.chainId); // one countersignature per partner chain
      if (seen.has(partner)) continue;
      const H = cp.height;
      const linkHash = this.store.hashAt(H);
      if (!linkHash || toHex(linkHash) !== toHex(cp.blockHash)) continue; // not on our canonical chain (any more)
      const link = this.store.getBlock(linkHash)!;
      let path: Uint8Array[] = [];
      if (H > h) {
        const tree = this.historyTrees.get(String(H), () => new MerkleLevels(Array.from({ length: H }, (_, i) => leafHash(this.store.hashAt(i)!))));
        path = tree.proof(h);
      }
      out.push(buildCountersignature(link.signed, linkHash, { index: h, size: H, path }, partnerProof, this.store.getParams()!));
      seen.add(partner);
    }
    if (!out.length) throw UrchainError.CONFLICT(`no partner has countersigned block ${h} yet; run \`urchain entangle push\` and \`pull\` on both sides, then try again`);
    return { ...proof, countersignatures: out };
  }

  /**
   * Every record indexed under `code`: a product code as given, and a GS1 identifier (EPC URN or
   * Digital Link URI, any host) also under its canonical key, so either form finds the same records.
   */
  trace(code: string) {
    if (!code) throw badInput('product code: expected a non-empty string');
    const key = identifierKey(code);
    const seen = new Set<string>();
    const ids: Uint8Array[] = [];
    for (const k of key === code ? [code] : [code, key])
      for (const id of this.store.productTxs(k)) {
        if (!seen.has(toHex(id))) ids.push(id);
        seen.add(toHex(id));
      }
    const rows = ids.map((txId) => {
      const tx = this.store.getTx(txId)!;
      const core = decodeCore(tx.coreBytes);
      const loc = this.store.location(txId);
      return {
        txId: toHex(txId),
        timestamp: core.timestamp,
        time: new Date(core.timestamp).toISOString(),
        kind: core.kind,
        origin: toHex(core.origin),
        meta: Object.fromEntries(core.meta),
        product: metaGet(core.meta, 'product'),
        block: loc ? { height: loc.height, hash: toHex(loc.blockHash), index: loc.index } : null,
      };
    });
    // In chain order: included records by (height, index), then pending ones by time.
    rows.sort((a, b) => {
      if (a.block && b.block) return a.block.height - b.block.height || a.block.index - b.block.index;
      if (a.block) return -1;
      if (b.block) return 1;
      return a.timestamp - b.timestamp;
    });
    return { product: code, ...(key !== code ? { key } : {}), count: rows.length, records: rows };
  }

  params() {
    const p = this.store.getParams();
    if (!p) throw notFound('no chain in this store');
    return { chainId: toHex(chainIdOf(p)), ...paramsToJson(p) };
  }
}
