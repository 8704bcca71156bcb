/**
 * @module transparency/tlogProof
 * A record's proof as c2sp.org/tlog-proof@v1 (`prove --format tlog-proof`, read by `verify`):
 *
 *   "c2sp.org/tlog-proof@v1\n"
 *   "extra " base64(urchain proof JSON, compact) "\n"
 *   "index " decimal(block height) "\n"
 *   (base64(hash) "\n")*          the block's RFC 9162 inclusion proof in the checkpoint's tree
 *   "\n"
 *   checkpoint note               signed by the chain key, with partners' cosignatures
 *
 * The log's entries are the chain's blocks (transparency/origin), so the index is the block's
 * height and the leaf hash is leafHash(block hash). The record's own path into its block, its
 * transaction, signature evidence, header and chain parameters ride in `extra` as the
 * urchain-proof/1 JSON (urchain-formats(5)); the spec says not to trust extra implicitly, and
 * nothing in it is: verification runs the full urchain proof check on it, then binds its block
 * to the signed checkpoint.
 *
 * Trust, as for JSON proofs: with a trust list the checkpoint must be signed by one of the
 * record chain's checkpointKeys, and a cosignature counts only from a key in witnesses (the
 * list's own, or a partner's, never the record chain's own); without one (--no-trust) the
 * checkpoint must be signed by a key of the chain itself (an authority or the block producer)
 * and cosignatures are counted but not attributed, and the answer is never "trusted".
 * Parsing is strict: one form per value, canonical base64, at most 63 proof lines.
 */
import { fromHex, toBase64, toHex, utf8 } from '../codec/bytes.js';
import { leafHash, verifyInclusion } from '../merkle/tree.js';
import { verifyProofText, type CheckName, type VerifyOk, type VerifyResult } from '../proof/proof.js';
import type { TrustList } from '../proof/trust.js';
import { UrchainError } from '../errors.js';
import { canonicalBase64, noteKey, parseNote, parseVerifierKey, type NoteKey } from './note.js';
import { openTreeHead } from './checkpoint.js';
import { parseCosignerKey, verifyCosignatures } from './cosignature.js';
import { originOf } from './origin.js';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface TlogProof {
  extra?: Uint8Array;
  index: number;
  path: Uint8Array[];
  note: string;
}

const malformed = (why: string) => UrchainError.BAD_ENCODING(`tlog-proof: ${why}`);

export function formatTlogProof(p: TlogProof): string {
  return [TLOG_PROOF_HEADER, ...(p.extra ? [`extra ${toBase64(p.extra)}`] : []), `index ${p.index}`, ...p.path.map(toBase64), ''].join('\n') + `\n${p.note}`;
}

/** True when `text` is in the tlog-proof form (what `verify` dispatches on). */
export const isTlogProof = (text: string): boolean => text.startsWith(`${TLOG_PROOF_HEADER}\n`);

export function parseTlogProof(text: string): TlogProof {
  if (!isTlogProof(text)) throw malformed(`the first line must be ${TLOG_PROOF_HEADER}`);
  const lines = text.split('\n');
  let i = 1;
  let extra: Uint8Array | undefined;
  if (lines[i]?.startsWith('extra ')) {
    extra = canonicalBase64(lines[i].slice(6));
    if (!extra || extra.length === 0) throw malformed('extra: not canonical base64');
    i++;
  }
  const m = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[i] ?? '');
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw malformed('expected "index N" (decimal, no leading zero)');
  i++;
  const path: Uint8Array[] = [];
  for (; i < lines.length && lines[i] !== ''; i++) {
    const h = canonicalBase64(lines[i]);
    if (!h || h.length !== 32) throw malformed(`proof line ${path.length + 1}: expected a 32-byte hash in base64`);
    if (path.length === 63) throw malformed('more than 63 proof lines');
    path.push(h);
  }
  if (i >= lines.length) throw malformed('no blank line before the checkpoint');
  const note = lines.slice(i + 1).join('\n');
  parseNote(note); // the checkpoint must be a note: reported as a format error
  return { extra, index: Number(m[1]), path, note };
}

export type TlogCheckName = CheckName | 'checkpoint' | 'cosignature';

export interface Cosigner {
  /** The cosigner's key name; the partner's name when the trust list names it as a partner. */
  witness: string;
  partner: string | null;
  /** When it cosigned (POSIX seconds, ISO time). */
  time: string;
}

export type TlogVerifyResult =
  | (Omit<VerifyOk, 'checks'> & { format: 'tlog-proof'; checkpoint: { origin: string; size: number; signer: string }; cosignedBy: Cosigner[]; cosignatures: number; checks: TlogCheckName[] })
  | { valid: false; failed: TlogCheckName; reason: string; checks: TlogCheckName[] };

const parseKeys = (list: string[] | undefined, what: string, parse: (s: string) => NoteKey): NoteKey[] =>
  (list ?? []).map((s) => {
    try {
      return parse(s);
    } catch (e) {
      throw UrchainError.BAD_INPUT(`trust list ${what}: ${(e as Error).message}`);
    }
  });

/**
 * Verifies a tlog-proof text. The trust list is checked as verifyProof checks it; a verifier key
 * in it that does not parse is BAD_INPUT (thrown, like any unusable trust list).
 */
export function verifyTlogProof(text: string, trust: TrustList | null): TlogVerifyResult {
  const checks: TlogCheckName[] = [];
  const failed = (check: TlogCheckName, reason: string): TlogVerifyResult => ({ valid: false, failed: check, reason, checks });
  let p: TlogProof;
  try {
    p = parseTlogProof(text);
  } catch (e) {
    return failed('format', (e as Error).message);
  }
  if (!p.extra) return failed('format', 'tlog-proof: no extra line: urchain needs the record and block context it carries');
  let extraText: string;
  try {
    extraText = new TextDecoder('utf-8', { fatal: true }).decode(p.extra);
  } catch {
    return failed('format', 'tlog-proof: extra is not UTF-8 JSON');
  }
  const r: VerifyResult = verifyProofText(extraText, trust);
  if (!r.valid) return { ...r, checks: r.checks };
  checks.push(...r.checks);
  const origin = originOf(r.chain, r.chainId);
  // The record's chain's authorities: they may sign its checkpoint, and never count as its witnesses.
  const authorities = (JSON.parse(extraText).chain as { authorities?: string[] }).authorities ?? [];
  // The checkpoint: whose key may sign it.
  let keys: NoteKey[];
  if (trust) {
    const own = trust.chains.includes(r.chainId) ? trust.checkpointKeys : undefined;
    if (!own?.length) return failed('checkpoint', `the trust list names no checkpointKeys for chain ${r.chainId.slice(0, 16)}… (export it again with \`urchain trust export\`)`);
    keys = parseKeys(own, 'checkpointKeys', parseVerifierKey);
  } else {
    keys = [...new Set([...authorities, r.block.producer])].map((k) => noteKey(origin, fromHex(k, 32)));
  }
  let head;
  try {
    head = openTreeHead(p.note, keys, origin);
  } catch (e) {
    return failed('checkpoint', (e as Error).message);
  }
  checks.push('checkpoint');
  if (p.index !== r.block.height) return failed('inclusion', `index ${p.index} is not the height ${r.block.height} of the record's block`);
  if (!verifyInclusion(p.index, head.size, leafHash(fromHex(r.block.hash, 32)), p.path, head.root))
    return failed('inclusion', `block ${r.block.height} is not in the checkpoint of size ${head.size}: the inclusion proof does not lead to its root`);
  // Cosignatures: attributed only to keys the trust list names, never to the record's own chain.
  // The list's top-level witnesses are, as `trust export` writes them, the exporting chain's own
  // cosigner keys: a key that may sign this checkpoint (or is an authority or the producer of the
  // record's chain) witnessing it would be the log vouching for itself, so it never counts.
  const chainKeys = new Set([...keys.map((k) => toHex(k.publicKey)), ...authorities, r.block.producer].map((k) => k.toLowerCase()));
  const independent = (k: NoteKey) => !chainKeys.has(toHex(k.publicKey));
  const named: { key: NoteKey; partner: string | null }[] = [];
  if (trust) {
    for (const k of parseKeys(trust.witnesses, 'witnesses', parseCosignerKey)) if (independent(k)) named.push({ key: k, partner: null });
    for (const t of trust.partners ?? [])
      if (!t.chains.includes(r.chainId)) for (const k of parseKeys(t.witnesses, `partner ${t.name} witnesses`, parseCosignerKey)) if (independent(k)) named.push({ key: k, partner: t.name });
  }
  let cosignedBy: Cosigner[];
  try {
    cosignedBy = verifyCosignatures(p.note, named.map((n) => n.key)).map((c) => ({
      witness: c.key.name,
      partner: named.find((n) => n.key === c.key)!.partner,
      time: new Date(c.time * 1000).toISOString(),
    }));
  } catch (e) {
    return failed('cosignature', (e as Error).message);
  }
  checks.push('cosignature');
  const lines = parseNote(p.note).signatures.length - head.verifiedBy.length;
  return { ...r, format: 'tlog-proof', checkpoint: { origin, size: head.size, signer: head.verifiedBy[0].name }, cosignedBy, cosignatures: lines, checks };
}

/** The tlog-proof of a record: its urchain proof as extra, its block's path into the checkpoint. */
export function makeTlogProof(proofJson: unknown, blockHeight: number, path: Uint8Array[], cosignedNote: string): string {
  return formatTlogProof({ extra: utf8(JSON.stringify(proofJson)), index: blockHeight, path, note: cosignedNote });
}
