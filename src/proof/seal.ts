/**
 * @module proof/seal
 * The rules for one block of a chain as a proof carries it: its seal (consensus, and which
 * signatures may appear) and, with a trust list, whether enough of its signers are trusted.
 * Used for the record's block and for a countersignature's link block alike.
 */
import { toHex } from '../codec/bytes.js';
import { verify } from '../crypto/ed25519.js';
import { blockMessage } from '../crypto/signed.js';
import type { SignedHeader } from '../chain/header.js';
import type { ChainParams } from '../chain/params.js';
import { consensusFor } from '../consensus/index.js';
import type { TrustScope } from './trust.js';
import { UrchainError } from '../errors.js';

/**
 * The keys that may sign a block: poa the authorities, pow the producer. A proof carries only
 * valid signatures by such keys (checkSeal refuses anything else), so the builder drops any
 * other signature a store may hold.
 */
function maySign(params: ChainParams, block: SignedHeader): Set<string> {
  return new Set(params.consensus === 'poa' ? params.authorities.map(toHex) : [toHex(block.header.producer)]);
}

/**
 * Blocks already sealed, by the keys allowed, block hash and signatures offered (all the answer
 * depends on): a node builds many proofs of one block, and which signatures verify never changes.
 */
const sealed = new Map<string, SignedHeader['signatures']>();

/** Keeps the signatures a verifier accepts: valid, by a key allowed to sign, one per key. */
export function sealSignatures(params: ChainParams, block: SignedHeader, hash: Uint8Array): SignedHeader {
  const allowed = maySign(params, block);
  const id = `${[...allowed].join()}/${toHex(hash)}/${block.signatures.map((s) => toHex(s.key) + toHex(s.sig)).join()}`;
  let signatures = sealed.get(id);
  if (!signatures) {
    const seen = new Set<string>();
    const msg = blockMessage(hash);
    signatures = block.signatures.filter((s) => {
      const k = toHex(s.key);
      if (seen.has(k) || !allowed.has(k) || !verify(msg, s.sig, s.key)) return false;
      seen.add(k);
      return true;
    });
    if (sealed.size >= 256) sealed.clear();
    sealed.set(id, signatures);
  }
  return { header: block.header, signatures: [...signatures] };
}

/**
 * The seal rules for one block of the chain `params`: consensus (poa: producer an authority,
 * difficulty and nonce 0, threshold signatures; pow: difficulty and work, producer signature),
 * and every listed signature valid and by a key allowed to sign. Returns the signers. Throws
 * BAD_BLOCK (consensus) or BAD_PROOF (the reason).
 */
export function checkSeal(block: SignedHeader, hash: Uint8Array, params: ChainParams, what = 'block'): string[] {
  // Each signature is verified once, here; consensus then counts these instead of verifying again.
  const msg = blockMessage(hash);
  const valid = block.signatures.map((s) => verify(msg, s.sig, s.key));
  const signers = new Set(block.signatures.filter((_, i) => valid[i]).map((s) => toHex(s.key)));
  consensusFor(params).validate(block, hash, { signers });
  const allowed = maySign(params, block);
  block.signatures.forEach((s, i) => {
    const k = toHex(s.key);
    if (!allowed.has(k)) throw UrchainError.BAD_PROOF(`${what}: signature by ${k.slice(0, 16)}…, which may not sign blocks of this chain (${params.consensus === 'poa' ? 'not an authority' : 'not the producer'})`);
    if (!valid[i]) throw UrchainError.BAD_PROOF(`${what}: the signature by ${k.slice(0, 16)}… does not verify`);
  });
  return block.signatures.map((s) => toHex(s.key));
}

/** The trust rule for one block of a named chain: enough trusted signers where authorities are listed. */
export function checkBlockTrust(signers: string[], params: ChainParams, t: TrustScope, what = 'block'): void {
  if (!t.authorities) return;
  const need = params.consensus === 'poa' ? params.threshold : 1;
  const n = signers.filter((s) => t.authorities!.includes(s)).length;
  if (n < need) throw UrchainError.BAD_PROOF(`${what}: ${n} trusted block signer(s), ${need} needed`);
}

