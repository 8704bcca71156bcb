/**
 * @module node/init
 * Creates a data folder: the node key (node.key, mode 0600) and the chain, fixed by its genesis
 * parameters. With no options this is a proof-of-authority chain with this node as its only
 * authority, the default `node run` uses on an empty folder. Also what a start needs around
 * that: the folder's modes, the check of --genesis against the chain a folder holds, and undoing
 * the creation of a chain when the start that made it fails.
 */
import path from 'node:path';
import fs from 'node:fs';
import { loadOrCreateKey } from '../io/keyfile.js';
import { checkParams, chainIdOf, type ChainParams, type ConsensusName } from '../chain/params.js';
import { genesisWrite } from '../ledger/genesis.js';
import { LmdbStore } from '../store/lmdb.js';
import { fromHex, toHex, equal } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import type { KeyPair } from '../crypto/ed25519.js';

export const DEFAULT_BLOCK_TIME_MS = 5000;
export const DEFAULT_POW_DIFFICULTY = 16;

export interface InitOptions {
  dataDir: string;
  name?: string;
  consensus?: ConsensusName;
  authorities?: string[];
  threshold?: number;
  difficulty?: number;
  blockTime?: number;
  /** Join an existing chain: its genesis parameters (from `GET /v1/params` or `urchain init`). */
  params?: ChainParams;
}

export const keyPath = (dataDir: string) => path.join(dataDir, 'node.key');

export function defaultParams(o: InitOptions, key: KeyPair): ChainParams {
  const consensus = o.consensus ?? 'poa';
  const authorities = o.authorities?.length ? o.authorities.map((a, i) => fromHex(a, 32, `--authority #${i + 1}`)) : consensus === 'poa' ? [key.publicKey] : [];
  return checkParams({
    version: 1,
    name: o.name ?? path.basename(path.resolve(o.dataDir)),
    created: Date.now(),
    consensus,
    authorities,
    threshold: o.threshold ?? (consensus === 'poa' ? 1 : 0),
    difficulty: consensus === 'pow' ? (o.difficulty ?? DEFAULT_POW_DIFFICULTY) : 0,
    blockTime: o.blockTime ?? DEFAULT_BLOCK_TIME_MS,
  });
}

/** Writes key and genesis; fails with EXISTS if the folder already holds a chain. */
export async function initData(o: InitOptions): Promise<{ params: ChainParams; chainId: string; publicKey: string; keyFile: string; keyCreated: boolean; genesisHash: string }> {
  makePrivateDir(o.dataDir);
  const { key, created } = loadOrCreateKey(keyPath(o.dataDir));
  const store = await LmdbStore.open(o.dataDir);
  try {
    if (store.getParams()) throw UrchainError.EXISTS(`${o.dataDir} already holds a chain (${toHex(chainIdOf(store.getParams()!))})`);
    const params = o.params ? checkParams(o.params) : defaultParams(o, key);
    const g = genesisWrite(params);
    await store.initChain(params, g);
    return { params, chainId: toHex(chainIdOf(params)), publicKey: toHex(key.publicKey), keyFile: keyPath(o.dataDir), keyCreated: created, genesisHash: toHex(g.hash) };
  } finally {
    await store.close();
  }
}

/** True when `key` is one of the chain's authorities (PoA) or any producer may seal (PoW). */
export function isAuthority(params: ChainParams, key: Uint8Array): boolean {
  return params.consensus === 'pow' || params.authorities.some((a) => equal(a, key));
}

/** Folders holding chain data and keys are the node's alone (0700; files 0600). */
export function makePrivateDir(dir: string) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** `--genesis` on a folder that holds a chain must name that chain. */
export function sameChain(dataDir: string, held: ChainParams, given: ChainParams) {
  const a = toHex(chainIdOf(held));
  const b = toHex(chainIdOf(given));
  if (a !== b)
    throw UrchainError.CONFLICT(
      `--genesis is chain ${given.name} (${b.slice(0, 16)}…) but ${dataDir} holds chain ${held.name} (${a.slice(0, 16)}…); a data folder holds one chain: use another --data`,
    );
}

/**
 * After a failed start on a folder that held no chain: removes the chain this start created,
 * unless something is in it beyond the genesis block (then it stays: nothing taken in is lost).
 */
export async function removeUntouchedChain(dataDir: string) {
  const file = path.join(dataDir, 'chain.lmdb');
  if (!fs.existsSync(file)) return;
  const s = await LmdbStore.open(dataDir, { readOnly: true });
  let untouched: boolean;
  try {
    untouched = !s.getParams() || ((s.head()?.height ?? 0) === 0 && s.pending().length === 0);
  } finally {
    await s.close();
  }
  if (untouched) for (const f of [file, `${file}-lock`]) fs.rmSync(f, { force: true });
}
