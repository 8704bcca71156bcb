/**
 * @module node/idem
 * Idempotency keys, in two namespaces that cannot meet:
 *
 *   client:<key>                 a key a client sends (HTTP `key=`, Profichain idemKey, a watched
 *                                file's identity), stored with the `client:` prefix
 *   entangle:<signer>:<height>   derived by the node from the verified checkpoint an `entangle`
 *                                record carries (the partner's network key and height)
 *   countersign:<height>:<chain> derived by the node from the verified partner proof a
 *                                `countersign` record carries (our checkpointed height, their chain)
 *
 * The store keeps client keys in its idem bucket and the two derived kinds in its entanglement
 * index (store/buckets.ts builds those keys), where node/query.ts finds a partner's checkpoints
 * and the countersignatures of a height; `store.idem(key)` looks a key up wherever it belongs.
 *
 * A client can thus never write under an internal key, whatever key it sends: for `entangle` and
 * `countersign` records the node ignores a client key and derives the key from the payload, whose
 * signatures it checks first. Stores written before the namespaces hold client keys without the
 * prefix; they are still found (except under the prefixes the node uses now: client:, entangle:,
 * countersign:).
 *
 * A key names content: the same key with the same kind, metadata and payload is a retry and gets
 * the first receipt back; with anything different it is a CONFLICT, never a silent duplicate.
 */
import { openCheckpoint } from '../chain/checkpoint.js';
import { decodeCore, metaGet, type Meta } from '../chain/transaction.js';
import { verifyProof, type ProofJson } from '../proof/proof.js';
import { toHex, fromBase64 } from '../codec/bytes.js';
import { UrchainError, badInput } from '../errors.js';
import type { Store } from '../store/types.js';
import { entangleKey, countersignKey, ENTANGLE_INDEX_PREFIXES } from '../store/buckets.js';

export const MAX_CLIENT_KEY_BYTES = 256;
export const CLIENT_PREFIX = 'client:';

/** What a record is, for telling a retry from a conflicting reuse of its key. */
export interface Content {
  kind: string;
  meta: Meta;
  digest: Uint8Array;
  length: number;
}

export const fingerprint = (c: Content) => JSON.stringify([c.kind, c.meta, toHex(c.digest), c.length]);

/** The stored key of a client's key (checked: 1-256 UTF-8 bytes). */
export function clientKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key, 'utf8') > MAX_CLIENT_KEY_BYTES)
    throw badInput(`idempotency key: expected 1-${MAX_CLIENT_KEY_BYTES} bytes of UTF-8 text`);
  return CLIENT_PREFIX + key;
}

/**
 * The node's own key for the records entanglement writes, from their verified payload; undefined
 * for every other kind. Throws BAD_INPUT when the payload is not what the kind promises.
 */
export function internalKey(kind: string, payload: Uint8Array, meta: Meta, chainId: Uint8Array): string | undefined {
  if (kind === 'entangle') {
    const cp = open(() => openCheckpoint(payload), 'an entangle record carries a signed checkpoint');
    agree(meta, { partner: toHex(cp.signer), chain: toHex(cp.chainId), height: String(cp.height), hash: toHex(cp.blockHash) }, 'entangle');
    return entangleKey(toHex(cp.signer), cp.height);
  }
  if (kind === 'countersign') {
    const what = "a countersign record carries a partner's proof of an entangle record holding this chain's checkpoint";
    const p = open(() => JSON.parse(Buffer.from(payload).toString('utf8')) as ProofJson, what);
    const v = verifyProof(p, null);
    if (!v.valid) throw badInput(`${what}: ${v.reason}`);
    if (p.core.kind !== 'entangle' || p.countersignatures || p.payload === undefined) throw badInput(what);
    const cp = open(() => openCheckpoint(fromBase64(p.payload!, 'checkpoint')), what);
    if (toHex(cp.chainId) !== toHex(chainId)) throw badInput(`${what}; this checkpoint is of chain ${toHex(cp.chainId).slice(0, 16)}…`);
    const partnerChain = String(p.core.chainId).toLowerCase();
    if (partnerChain === toHex(chainId)) throw badInput(`${what}; this proof is from this chain itself`);
    agree(meta, { height: String(cp.height) }, 'countersign');
    return countersignKey(cp.height, partnerChain);
  }
  return undefined;
}

function open<T>(f: () => T, what: string): T {
  try {
    return f();
  } catch (e) {
    throw badInput(`${what} (${(e as Error).message})`);
  }
}

/** Metadata that restates the payload must say what the payload says. */
function agree(meta: Meta, expect: Record<string, string>, kind: string) {
  for (const [k, v] of Object.entries(expect)) {
    const got = metaGet(meta, k);
    if (got !== undefined && got !== v) throw badInput(`${kind} record: meta ${k} ${JSON.stringify(got)} does not match its payload (${v})`);
  }
}

/** The transaction stored under `key`; for a client key also the form written before namespaces. */
export function lookup(store: Store, key: string): Uint8Array | undefined {
  const found = store.idem(key);
  if (found || !key.startsWith(CLIENT_PREFIX)) return found;
  const legacy = key.slice(CLIENT_PREFIX.length);
  // Not under a prefix the node now uses itself: `client:x` bare is the new form of key x.
  return [CLIENT_PREFIX, ...ENTANGLE_INDEX_PREFIXES].some((p) => legacy.startsWith(p)) ? undefined : store.idem(legacy);
}

/** Throws CONFLICT unless the stored transaction `txId` holds the same content. */
export function checkSame(store: Store, txId: Uint8Array, c: Content, key: string): void {
  const tx = store.getTx(txId);
  if (!tx) throw UrchainError.STORE(`idempotency key ${JSON.stringify(key)} names transaction ${toHex(txId)}, which is missing from the store`);
  const core = decodeCore(tx.coreBytes);
  if (fingerprint({ kind: core.kind, meta: core.meta, digest: core.payloadDigest, length: core.payloadLength }) !== fingerprint(c)) throw conflict(key, toHex(txId));
}

export function conflict(key: string, txIdHex?: string): UrchainError {
  const shown = key.startsWith(CLIENT_PREFIX) ? key.slice(CLIENT_PREFIX.length) : key;
  return UrchainError.CONFLICT(
    `idempotency key ${JSON.stringify(shown)} was used${txIdHex ? ` for transaction ${txIdHex}` : ' by a record in flight'} with a different payload, kind or metadata; use a new key for new content`,
    txIdHex ? { txId: txIdHex } : {},
  );
}
