/**
 * @module transparency/otsProof
 * Anchored proofs: an urchain proof plus what ties its block to Bitcoin (urchain-formats(5),
 * OPENTIMESTAMPS ANCHOR). `urchain prove TXID --anchor` writes one, `urchain verify` checks it:
 *
 *   { "format": "urchain-anchored-proof/1",
 *     "proof":  an urchain-proof/1 document, as `urchain prove` writes it,
 *     "anchor": { "checkpoint": the signed C2SP checkpoint note (text),
 *                 "index": the block's height, "size": the checkpoint's tree size,
 *                 "path": [the RFC 9162 inclusion proof of leafHash(block hash) at index in
 *                          the checkpoint's tree, lowercase hex],
 *                 "ots": the .ots file, canonical padded base64 } }
 *
 * Verification: the proof as `urchain verify` checks it (same trust rules), then the checkpoint's
 * origin is the proof's chain, the block is in its tree, the .ots stamps SHA-256 of the
 * checkpoint's text, and a bitcoin attestation in it matches the merkle root of the header at
 * its height in the HeaderSource. The earliest such block bounds the record: it existed before
 * that block's time (Bitcoin block times are right to about two hours). The checkpoint's
 * signature is checked where the verifier knows a key for it (the trust list's authorities and
 * origins, or under --no-trust a proof-of-authority chain's own authorities) and reported.
 */
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { leafHash, MerkleLevels, verifyInclusion } from '../merkle/tree.js';
import { paramsFromJson } from '../chain/params.js';
import { verifyProof, type ProofJson, type TrustList, type VerifyOk, type VerifyFail, type CheckName } from '../proof/proof.js';
import { obj, uint, text, list, hex, base64 } from '../proof/shape.js';
import { UrchainError } from '../errors.js';
import { noteKey, openNote, parseNote } from './note.js';
import { parseCheckpointText } from './checkpoint.js';
import { checkpointOrigin } from './origin.js';
import { attestations, parseOts } from './ots.js';
import { checkBitcoinAttestation } from './otsBitcoin.js';
import type { HeaderSource } from './otsHeaders.js';
import { listAnchors, otsStatus } from './otsFolder.js';
import fs from 'node:fs';

export const ANCHORED_FORMAT = 'urchain-anchored-proof/1';

export interface AnchorJson {
  checkpoint: string;
  index: number;
  size: number;
  path: string[];
  ots: string;
}
export interface AnchoredProofJson {
  format: typeof ANCHORED_FORMAT;
  proof: ProofJson;
  anchor: AnchorJson;
}

/** True when a parsed JSON document claims to be an anchored proof (verify dispatches on it). */
export const isAnchoredProof = (doc: unknown): boolean => !!doc && typeof doc === 'object' && (doc as { format?: unknown }).format === ANCHORED_FORMAT;

/**
 * The anchored proof of `proof` from the anchors in `dir`: the earliest anchor covering its block
 * with a bitcoin attestation, else the earliest pending one (verify fails on it until `anchor
 * upgrade` got Bitcoin's answer). `hashAt(i)` is the canonical block hash at height i; the
 * checkpoint's root must still be the root of those hashes (the chain was not reorganised).
 */
export function buildAnchoredProof(proof: ProofJson, dir: string, hashAt: (i: number) => Uint8Array | undefined): AnchoredProofJson {
  const h = proof.block.header.height;
  const covering = listAnchors(dir).filter((a) => a.size > h);
  if (!covering.length) throw UrchainError.NOT_FOUND(`no anchored checkpoint in ${dir} covers block ${h} yet: run \`urchain anchor\` once the block is final`);
  // One unreadable .ots (a half-copied folder, a hand edit) must not hide the others that cover the block.
  const readable = covering.flatMap((f) => {
    try {
      return [{ f, confirmed: otsStatus(parseOts(new Uint8Array(fs.readFileSync(f.ots)))).bitcoin.length > 0 }];
    } catch {
      return [];
    }
  });
  if (!readable.length) throw UrchainError.BAD_ENCODING(`no .ots in ${dir} that covers block ${h} can be read: run \`urchain anchor\` again`);
  const a = (readable.find((x) => x.confirmed) ?? readable[0]).f;
  const note = fs.readFileSync(a.note, 'utf8');
  const cp = parseCheckpointText(parseNote(note).text);
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < cp.size; i++) {
    const bh = hashAt(i);
    if (!bh) throw UrchainError.NOT_FOUND(`no canonical block at height ${i}`);
    leaves.push(leafHash(bh));
  }
  const tree = new MerkleLevels(leaves);
  if (toHex(tree.root()) !== toHex(cp.root)) throw UrchainError.CONFLICT(`the chain no longer matches the anchored checkpoint of size ${cp.size}`);
  if (toHex(hashAt(h)!) !== proof.block.hash) throw UrchainError.CONFLICT(`block ${h} of the proof is not the canonical one`);
  return {
    format: ANCHORED_FORMAT,
    proof,
    anchor: { checkpoint: note, index: h, size: cp.size, path: tree.proof(h).map(toHex), ots: toBase64(new Uint8Array(fs.readFileSync(a.ots))) },
  };
}

export interface AnchorVerdict {
  origin: string;
  size: number;
  /** Keys (hex) whose signatures on the checkpoint verified; empty when none was known. */
  signedBy: string[];
  bitcoin: { height: number; blockHash: string; time: string; timestamp: number; confirmations: number };
  /** Calendars whose attestations are still pending in the .ots. */
  pending: string[];
  headers: string;
}
export type AnchoredResult = (VerifyOk & { anchor: AnchorVerdict }) | (Omit<VerifyFail, 'failed' | 'checks'> & { failed: CheckName | 'anchor'; checks: (CheckName | 'anchor')[] });

/** Verifies an anchored proof document against a trust list (or null) and a header source. */
export async function verifyAnchoredProof(doc: unknown, trust: TrustList | null, headers: HeaderSource): Promise<AnchoredResult> {
  let a: AnchorJson, proofDoc: unknown;
  try {
    const top = obj(doc, '', ['format', 'proof', 'anchor']);
    proofDoc = top.proof;
    const an = obj(top.anchor, 'anchor', ['checkpoint', 'index', 'size', 'path', 'ots']);
    a = { checkpoint: text(an.checkpoint, 'anchor.checkpoint'), index: uint(an.index, 'anchor.index'), size: uint(an.size, 'anchor.size'), path: list(an.path, 'anchor.path', 0, 64).map((p, i) => toHex(hex(p, `anchor.path[${i}]`, 32))), ots: toBase64(base64(an.ots, 'anchor.ots')) };
  } catch (e) {
    return { valid: false, failed: 'format', reason: (e as Error).message, checks: [] };
  }
  const r = verifyProof(proofDoc, trust);
  if (!r.valid) return r;
  const checks: (CheckName | 'anchor')[] = [...r.checks];
  try {
    const anchor = await checkAnchor(a, proofDoc as ProofJson, r, trust, headers);
    checks.push('anchor');
    return { ...r, checks: checks as CheckName[], anchor };
  } catch (e) {
    if (e instanceof UrchainError && e.code !== 'INTERNAL') return { valid: false, failed: 'anchor', reason: e.message, checks };
    throw e;
  }
}

async function checkAnchor(a: AnchorJson, proof: ProofJson, r: VerifyOk, trust: TrustList | null, headers: HeaderSource): Promise<AnchorVerdict> {
  const params = paramsFromJson(proof.chain);
  const origin = checkpointOrigin(params);
  const { text: cpText } = parseNote(a.checkpoint);
  const cp = parseCheckpointText(cpText);
  if (cp.origin !== origin) throw UrchainError.BAD_PROOF(`the checkpoint is of ${JSON.stringify(cp.origin)}, the proof's chain is ${JSON.stringify(origin)}`);
  if (cp.size !== a.size || a.index !== r.block.height || a.index >= cp.size) throw UrchainError.BAD_PROOF(`the checkpoint (size ${cp.size}) does not cover block ${r.block.height} at index ${a.index}`);
  if (!verifyInclusion(a.index, cp.size, leafHash(fromHex(r.block.hash)), a.path.map((p) => fromHex(p)), cp.root)) throw UrchainError.BAD_PROOF(`block ${r.block.height} is not in the checkpoint's tree (size ${cp.size})`);
  const keys = trust ? [...(trust.authorities ?? []), ...(trust.origins ?? [])] : params.consensus === 'poa' ? params.authorities.map(toHex) : [];
  let signedBy: string[] = [];
  if (keys.length) {
    const opened = openNote(a.checkpoint, [...new Set(keys)].map((k) => noteKey(origin, fromHex(k))));
    signedBy = opened.verifiedBy.map((k) => toHex(k.publicKey));
  }
  const ots = parseOts(fromBase64(a.ots));
  if (ots.hashOp !== 'sha256' || toHex(ots.digest) !== toHex(sha256(utf8(cpText)))) throw UrchainError.BAD_PROOF('the .ots does not stamp the checkpoint (its digest is not SHA-256 of the checkpoint text)');
  const found = attestations(ots.timestamp, ots.digest);
  const bitcoin = found.filter((x) => x.attestation.type === 'bitcoin').sort((x, y) => (x.attestation as { height: number }).height - (y.attestation as { height: number }).height);
  const problems: string[] = [];
  const tip = bitcoin.length ? await headers.tip() : 0;
  for (const b of bitcoin) {
    const height = (b.attestation as { height: number }).height;
    const header = await headers.header(height);
    if (!header) {
      problems.push(`bitcoin block ${height} is not in ${headers.describe} (its tip is ${tip})`);
      continue;
    }
    try {
      const ok = checkBitcoinAttestation(b.commitment, header, height);
      return { origin, size: cp.size, signedBy, bitcoin: { ...ok, time: new Date(ok.time * 1000).toISOString(), timestamp: ok.time * 1000, confirmations: tip - height + 1 }, pending: otsStatus(ots).pending, headers: headers.describe };
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const pending = otsStatus(ots).pending;
  if (!bitcoin.length) throw UrchainError.BAD_PROOF(`the anchor has no Bitcoin attestation yet${pending.length ? ` (pending at ${pending.join(', ')}: run \`urchain anchor upgrade\`, then prove again)` : ''}`);
  throw UrchainError.BAD_PROOF(problems.join('; '));
}
