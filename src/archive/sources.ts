/**
 * @module archive/sources
 * The two places `archive export` reads a chain from (archive/tiles ChainSource): a store (a data
 * folder, read through the Store interface; the checkpoint signed here with the chain key, as
 * `urchain checkpoint --data` signs it) or a running node's API (GET /checkpoint, which the node
 * signs, and GET /v1/blocks/{height}). What either says is checked by archive/tiles against the
 * checkpoint's root before anything is written.
 */
import type { Store } from '../store/types.js';
import type { KeyPair } from '../crypto/ed25519.js';
import type { NodeClient } from '../io/nodeClient.js';
import type { BlockView } from '../contracts/blockView.js';
import { signChainCheckpoint } from '../node/tlog.js';
import { parseNote } from '../transparency/note.js';
import { parseCheckpointText } from '../transparency/checkpoint.js';
import { fromHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import type { ChainSource } from './tiles.js';

export function storeSource(store: Store, key: KeyPair, depth?: number): ChainSource {
  const hashAt = (h: number) => {
    const hash = store.hashAt(h);
    if (!hash) throw UrchainError.STORE(`no canonical block at height ${h}`);
    return hash;
  };
  return {
    checkpoint: async () => {
      const s = signChainCheckpoint(store, key, depth);
      return { note: s.note, size: s.head.size, root: s.head.root };
    },
    blockHashes: async (from, to) => Array.from({ length: to - from }, (_, i) => hashAt(from + i)),
    historyRoot: async (h) => store.getBlock(hashAt(h))!.signed.header.historyRoot,
  };
}

/** Requests in flight at once when fetching blocks from a node. */
const PARALLEL = 16;

export function nodeSource(client: NodeClient, depth?: number): ChainSource {
  const block = (h: number) => client.get<BlockView>(`/v1/blocks/${h}?noTxs=1`);
  return {
    checkpoint: async () => {
      const note = await client.getText(`/checkpoint${depth === undefined ? '' : `?depth=${depth}`}`);
      const h = parseCheckpointText(parseNote(note).text);
      return { note, size: h.size, root: h.root };
    },
    blockHashes: async (from, to) => {
      const out: Uint8Array[] = new Array(to - from);
      let next = from;
      const worker = async () => {
        for (let h = next++; h < to; h = next++) {
          const b = await block(h);
          if (b.height !== h || !b.canonical) throw UrchainError.BAD_REPLY(`the node answered block ${b.height} (canonical ${b.canonical}) for height ${h}`);
          out[h - from] = fromHex(b.hash, 32, 'block hash');
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      return out;
    },
    historyRoot: async (h) => fromHex((await block(h)).header.historyRoot, 32, 'historyRoot'),
  };
}
