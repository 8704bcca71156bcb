/**
 * @module node/source
 * Where the read-side commands get their answers: a data folder opened read-only (works while
 * a node runs on it: LMDB readers never block the writer), a PostgreSQL store (`--store`, read
 * in read-only transactions), or a running node's HTTP API. Blocks,
 * transactions, proofs, traces and params are the same JSON either way, so `--data` and `--node`
 * are interchangeable for them. Status is not: a folder knows its chain, head, pending count and
 * size on disk (`dataDir` or `store`, `bytes`); a node also knows its type, key, peers and addresses.
 */
import { openStore, storeName } from '../store/open.js';
import { Query } from './query.js';
import type { BlockView } from '../contracts/blockView.js';
import { NodeClient } from '../io/nodeClient.js';
import type { ProofJson } from '../proof/proof.js';
import { badInput } from '../errors.js';
import { toHex } from '../codec/bytes.js';
import { chainIdOf } from '../chain/params.js';

export interface Source {
  block(ref: string): Promise<BlockView>;
  tx(id: string, payload?: boolean): Promise<ReturnType<Query['tx']>>;
  proof(id: string, stripped: boolean, countersigned?: boolean): Promise<ProofJson>;
  trace(code: string): Promise<ReturnType<Query['trace']>>;
  params(): Promise<ReturnType<Query['params']>>;
  status(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function openSource(o: { data?: string; node?: string; store?: string }): Promise<Source> {
  const local = o.store ?? o.data;
  if (!!local === !!o.node || (o.store && o.data)) throw badInput('give exactly one of --data DIR, --store postgres://… or --node URL');
  if (local) {
    const store = await openStore(o, { readOnly: true });
    const q = new Query(store);
    return {
      block: async (ref) => q.block(ref),
      tx: async (id, payload) => q.tx(id, { payload }),
      proof: async (id, stripped, countersigned) => (countersigned ? q.countersignedProof(id, { stripped }) : q.proof(id, { stripped })),
      trace: async (code) => q.trace(code),
      params: async () => q.params(),
      status: async () => {
        const head = store.head()!;
        const p = store.getParams()!;
        return { chainId: toHex(chainIdOf(p)), chain: p.name, consensus: p.consensus, height: head.height, head: toHex(head.hash), pending: store.pending().length, ...(o.store ? { store: storeName(o) } : { dataDir: o.data }), bytes: store.size() };
      },
      close: () => store.close(),
    };
  }
  const c = new NodeClient(o.node!, { retries: 2 });
  const enc = encodeURIComponent;
  return {
    block: (ref) => c.get(`/v1/blocks/${enc(ref)}`),
    tx: (id, payload) => c.get(`/v1/txs/${enc(id)}${payload ? '?payload=1' : ''}`),
    proof: (id, stripped, countersigned) => c.get(`/v1/proofs/${enc(id)}?stripped=${stripped ? 1 : 0}&countersigned=${countersigned ? 1 : 0}`),
    trace: (code) => c.get(`/v1/products/${enc(code)}`),
    params: () => c.get('/v1/params'),
    status: () => c.get('/v1/status'),
    close: () => c.close(),
  };
}
