/**
 * @module node/tlog
 * The chain's C2SP checkpoint out of a store: the tree head over the final blocks
 * (transparency/origin) signed as a signed note with the chain key. Used by `urchain checkpoint
 * --data` and by the node's GET /checkpoint, so both print the same bytes (Ed25519 is
 * deterministic).
 */
import path from 'node:path';
import { fromBase64, toBase64, toHex } from '../codec/bytes.js';
import { consistencyProof, frontierRoot, inclusionProof, leafHash } from '../merkle/tree.js';
import type { KeyPair } from '../crypto/ed25519.js';
import type { Store } from '../store/types.js';
import { UrchainError } from '../errors.js';
import { checkpointOrigin, finalityDepth, finalHeight } from '../transparency/origin.js';
import { signTreeHead, type TreeHead } from '../transparency/checkpoint.js';
import { formatVerifierKey, noteKey } from '../transparency/note.js';
import { cosignedFile, cosignedSizes, readIfExists, readJsonState, tlogDir, writeFileAtomic } from '../transparency/stateFile.js';
import { makeTlogProof } from '../transparency/tlogProof.js';
import { parseCheckpointText } from '../transparency/checkpoint.js';
import { parseNote } from '../transparency/note.js';
import { LmdbStore } from '../store/lmdb.js';
import { Query } from './query.js';
import { keyPath } from './init.js';
import { readKeyFile } from '../io/keyfile.js';
import fs from 'node:fs';

export interface ChainTreeHead extends TreeHead {
  /** Height of the newest block covered (size - 1) and its hash. */
  height: number;
  blockHash: Uint8Array;
  depth: number;
}

/** The tree head over the blocks at depth >= `depth` below the head (default: transparency/origin). */
export function chainTreeHead(store: Store, depth?: number): ChainTreeHead {
  const params = store.getParams();
  const head = store.head();
  if (!params || !head) throw UrchainError.NOT_FOUND(`${store.path} holds no chain`);
  const d = finalityDepth(params, depth);
  const height = finalHeight(head.height, d);
  const blockHash = store.hashAt(height);
  const block = blockHash && store.getBlock(blockHash);
  if (!blockHash || !block) throw UrchainError.STORE(`no canonical block at height ${height}`);
  return { origin: checkpointOrigin(params), size: height + 1, root: frontierRoot(block.frontier), height, blockHash, depth: d };
}

/**
 * The signed checkpoint. The key must be a chain key: under proof-of-authority one of the chain's
 * authorities (the key verifiers accept for this chain, as for entanglement checkpoints); under
 * proof-of-work there are none and the node's own key signs.
 */
export function signChainCheckpoint(store: Store, key: KeyPair, depth?: number): { head: ChainTreeHead; note: string; verifierKey: string } {
  const params = store.getParams();
  if (params?.consensus === 'poa' && !params.authorities.some((a) => toHex(a) === toHex(key.publicKey)))
    throw UrchainError.BAD_INPUT(`key ${toHex(key.publicKey).slice(0, 16)}… is not an authority of chain ${params.name}: its checkpoints must be signed by one of its authority keys`);
  const head = chainTreeHead(store, depth);
  return { head, note: signTreeHead(head, key), verifierKey: formatVerifierKey(noteKey(head.origin, key.publicKey)) };
}

/**
 * The log's leaves up to `size`: leafHash(hash of the canonical block at height i). O(size)
 * reads; proofs below build on them (a chain of a million blocks costs about a second).
 */
export function historyLeaves(store: Store, size: number): Uint8Array[] {
  const head = store.head();
  if (!head || !Number.isSafeInteger(size) || size < 0 || size > head.height + 1) throw UrchainError.NOT_FOUND(`no history of size ${size} in ${store.path} (head at height ${head?.height ?? 'none'})`);
  return Array.from({ length: size }, (_, i) => {
    const h = store.hashAt(i);
    if (!h) throw UrchainError.STORE(`no canonical block at height ${i}`);
    return leafHash(h);
  });
}

/** RFC 9162 consistency proof of the history from size `size1` to `size2` (size1 <= size2). */
export function historyConsistency(store: Store, size1: number, size2: number): Uint8Array[] {
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2) throw UrchainError.BAD_INPUT(`consistency from size ${size1} to ${size2}: expected 0 <= old <= new`);
  return consistencyProof(historyLeaves(store, size2), size1);
}

/** RFC 9162 inclusion proof of the block at `height` in the history of `size` (height < size). */
export function historyInclusion(store: Store, height: number, size: number): Uint8Array[] {
  return inclusionProof(historyLeaves(store, size), height);
}

/** DATA/tlog/signed.json: the last checkpoint this data folder's log signed. */
export const signedStateFile = (dataDir: string): string => path.join(tlogDir(dataDir), 'signed.json');

interface SignedState {
  origin: string;
  size: number;
  root: string;
}

/**
 * A signer that remembers the last checkpoint it signed and never signs one inconsistent with it.
 * The depth keeps reorganisations away from signed blocks; this catches the one deeper than the
 * depth (a long private branch under proof-of-work). Check in O(1): the canonical block at height
 * last.size - 1 still carries the frontier whose root was signed, so today's chain extends (or
 * holds as a prefix) the tree signed then, and any size signed now has a consistency proof with
 * it. Persisted (`persist`: true for DATA/tlog/signed.json of the store's folder, or a file),
 * the last checkpoint survives a restart and is shared by every signer of the folder (the node's
 * GET /checkpoint, `entangle push --data`): read before each signature and written, atomically,
 * before the note is handed out.
 */
export class CheckpointSigner {
  private last?: { size: number; root: Uint8Array };
  private file?: string;

  constructor(private readonly persist?: string | true) {}

  private load(store: Store): void {
    if (this.persist && !this.file) this.file = this.persist === true ? signedStateFile(store.path) : this.persist;
    const s = this.file ? readJsonState<SignedState>(this.file) : undefined;
    if (!s) return;
    if (!Number.isSafeInteger(s.size) || typeof s.root !== 'string') throw UrchainError.STORE(`${this.file}: not a signed-checkpoint state`);
    if (!this.last || s.size > this.last.size) this.last = { size: s.size, root: fromBase64(s.root) };
  }

  /** The last checkpoint signed (after reading the file), if any. */
  lastSigned(store: Store): { size: number; root: Uint8Array } | undefined {
    this.load(store);
    return this.last;
  }

  sign(store: Store, key: KeyPair, depth?: number): string {
    this.load(store);
    if (this.last) {
      const hash = store.hashAt(this.last.size - 1);
      const block = hash && store.getBlock(hash);
      if (!block || toHex(frontierRoot(block.frontier)) !== toHex(this.last.root))
        throw UrchainError.UNAVAILABLE(`a reorganisation deeper than the checkpoint depth replaced blocks of the last signed checkpoint (size ${this.last.size}): refusing to sign an inconsistent one; raise --depth`);
    }
    const s = signChainCheckpoint(store, key, depth);
    if (!this.last || s.head.size > this.last.size) {
      // Re-read first: another signer of the folder may have written a larger one meanwhile.
      const now = this.file && readJsonState<SignedState>(this.file);
      if (this.file && !(now && now.size >= s.head.size)) writeFileAtomic(this.file, `${JSON.stringify({ origin: s.head.origin, size: s.head.size, root: toBase64(s.head.root) } satisfies SignedState)}\n`);
      this.last = { size: s.head.size, root: s.head.root };
    }
    return s.note;
  }
}

/**
 * The record's proof as c2sp.org/tlog-proof@v1 (transparency/tlogProof), out of a data folder:
 * the newest cosigned checkpoint that covers the record's block (DATA/tlog/cosigned/, filed by
 * `entangle pull --data`); without one, a checkpoint signed now with DATA/node.key (through the
 * folder's persisted signer), which carries no cosignature. The chain must still hold the tree
 * the checkpoint states.
 */
export async function proveTlog(dataDir: string, txId: string, stripped: boolean): Promise<{ text: string; height: number; size: number; cosigned: boolean }> {
  const store = await LmdbStore.open(dataDir, { readOnly: true });
  try {
    const proof = new Query(store).proof(txId, { stripped });
    const height = proof.block.header.height;
    const size = cosignedSizes(dataDir).filter((s) => s > height).pop();
    let note = size === undefined ? undefined : readIfExists(cosignedFile(dataDir, size));
    const cosigned = note !== undefined;
    if (!note) {
      if (!fs.existsSync(keyPath(dataDir))) throw UrchainError.NOT_FOUND(`no cosigned checkpoint covers block ${height} in ${tlogDir(dataDir)}, and no ${keyPath(dataDir)} to sign one`);
      note = new CheckpointSigner(true).sign(store, readKeyFile(keyPath(dataDir)));
    }
    const head = parseCheckpointText(parseNote(note).text);
    if (head.size <= height) throw UrchainError.UNAVAILABLE(`block ${height} is not final yet: the newest checkpoint covers heights below ${head.size}; try again later`);
    const hash = store.hashAt(head.size - 1);
    const block = hash && store.getBlock(hash);
    if (!block || toHex(frontierRoot(block.frontier)) !== toHex(head.root)) throw UrchainError.STORE(`the chain in ${dataDir} no longer holds the tree of the checkpoint of size ${head.size}`);
    return { text: makeTlogProof(proof, height, historyInclusion(store, height, head.size), note), height, size: head.size, cosigned };
  } finally {
    await store.close();
  }
}
