/**
 * @module proof/trust
 * The trust list: which chains, keys and partners a verifier accepts (urchain-formats(5),
 * TRUST LIST). Parsed strictly, because a list that is read loosely trusts more than its author
 * meant: `{}`, a misspelled member or a proof file given by mistake must be an error, never
 * "trusted". The strict JSON profile (proof/json.ts) applies; then:
 *
 *   {"chains": [chain id, ...],                  required, at least one
 *    "authorities": [key, ...],                  optional, at least one when present
 *    "origins": [key, ...],                      optional, at least one when present
 *    "checkpointKeys": [vkey, ...],              optional: C2SP checkpoint verifier keys of the chains
 *    "witnesses": [vkey, ...],                   optional: C2SP cosigner keys (cosignature/v1)
 *    "partners": [{"name": text, "chains": [...], "authorities": [...], "origins": [...],
 *                  "checkpointKeys": [...], "witnesses": [...]}, ...],
 *    "name": text, "note": text}                 optional, informational
 *
 * Keys are 64 lowercase hex digits that the verification rule accepts (canonical, on the curve,
 * not of small order: crypto/ed25519 validPublicKey). An empty list is refused rather than read
 * as "nobody" or "anybody". A partner entry is the partner's own trust list (what `urchain
 * trust export` prints for it) with a name: countersignatures count only from chains named
 * there, and never from the record's own chain.
 *
 * checkpointKeys and witnesses are signed-note verifier keys "name+keyid+base64" (c2sp.org/
 * signed-note); here only their form is checked (this layer has no signed-note code): the
 * tlog-proof verifier (transparency/tlogProof) parses them fully and refuses a bad one.
 */
import { fromHex } from '../codec/bytes.js';
import { validPublicKey } from '../crypto/ed25519.js';
import { badInput } from '../errors.js';
import { parseStrictJson } from './json.js';
import { obj, sub, list, text, fail } from './shape.js';

/** What one party's records and blocks are checked against. */
export interface TrustScope {
  chains: string[];
  authorities?: string[];
  origins?: string[];
  checkpointKeys?: string[];
  witnesses?: string[];
}

export interface TrustPartner extends TrustScope {
  name: string;
  note?: string;
}

export interface TrustList extends TrustScope {
  partners?: TrustPartner[];
  name?: string;
  note?: string;
}

const SCOPE = ['chains'] as const;
const SCOPE_OPTIONAL = ['authorities', 'origins', 'checkpointKeys', 'witnesses', 'name', 'note'] as const;
const HINT = 'a trust list is {"chains": [...], "authorities": [...], "origins": [...], "partners": [...]} (see urchain-formats(5); `urchain trust export` writes one)';

/**
 * Keys already found usable. validPublicKey decodes the point in pure JS, and verifyProof checks
 * the trust list it is given on every call (the verify command parses it first, a library
 * caller may verify many proofs with one list): the answer for a key never changes.
 */
const usable = new Set<string>();
function usableKey(x: string): boolean {
  if (usable.has(x)) return true;
  if (!validPublicKey(fromHex(x, 32))) return false;
  if (usable.size >= 10_000) usable.clear();
  usable.add(x);
  return true;
}

function keys(v: unknown, path: string, what: 'key' | 'chain id'): string[] {
  const seen = new Set<string>();
  return list(v, path, 1, 4096).map((x, i) => {
    const p = sub(path, i);
    if (typeof x !== 'string' || !/^[0-9a-f]{64}$/.test(x)) return fail(p, `a ${what} (64 lowercase hex digits)`, x);
    if (what === 'key' && !usableKey(x)) throw badInput(`${p}: not a usable ed25519 public key (non-canonical, not on the curve, or of small order)`);
    if (seen.has(x)) throw badInput(`${p}: listed twice`);
    seen.add(x);
    return x;
  });
}

/** A list of signed-note verifier keys, by form: name (no space, no "+") "+" 8 hex "+" base64. */
function vkeys(v: unknown, path: string): string[] {
  const seen = new Set<string>();
  return list(v, path, 1, 4096).map((x, i) => {
    const p = sub(path, i);
    if (typeof x !== 'string' || x.length > 1024 || !/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}$/u.test(x)) return fail(p, 'a verifier key name+keyid+base64', x);
    if (seen.has(x)) throw badInput(`${p}: listed twice`);
    seen.add(x);
    return x;
  });
}

function scope(o: Record<string, unknown>, path: string): TrustScope {
  return {
    chains: keys(o.chains, sub(path, 'chains'), 'chain id'),
    ...(o.authorities !== undefined ? { authorities: keys(o.authorities, sub(path, 'authorities'), 'key') } : {}),
    ...(o.origins !== undefined ? { origins: keys(o.origins, sub(path, 'origins'), 'key') } : {}),
    ...(o.checkpointKeys !== undefined ? { checkpointKeys: vkeys(o.checkpointKeys, sub(path, 'checkpointKeys')) } : {}),
    ...(o.witnesses !== undefined ? { witnesses: vkeys(o.witnesses, sub(path, 'witnesses')) } : {}),
  };
}

/** Checks a trust list value (already parsed JSON, or built by a caller); throws BAD_INPUT. */
export function checkTrustList(v: unknown, what = 'trust list'): TrustList {
  try {
    return readTrustList(v, what);
  } catch (e) {
    const m = (e as Error).message;
    throw badInput(m.startsWith(`${what}:`) ? m : `${what}: ${m}`);
  }
}

function readTrustList(v: unknown, what: string): TrustList {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badInput(`${what}: expected an object; ${HINT}`);
  const top = v as Record<string, unknown>;
  if (top.chains === undefined) {
    const known = Object.keys(top).filter((k) => ['authorities', 'origins'].includes(k));
    throw badInput(`${what}: chains missing${known.length ? '' : ` (members found: ${Object.keys(top).join(', ') || 'none'})`}; ${HINT}`);
  }
  let o: Record<string, unknown>;
  try {
    o = obj(v, '', SCOPE, [...SCOPE_OPTIONAL, 'partners']);
  } catch (e) {
    throw badInput(`${what}: ${(e as Error).message}; ${HINT}`);
  }
  const out: TrustList = scope(o, '');
  if (o.name !== undefined) out.name = text(o.name, 'name');
  if (o.note !== undefined) out.note = text(o.note, 'note');
  if (o.partners !== undefined) {
    const names = new Set<string>();
    out.partners = list(o.partners, 'partners', 1, 256).map((x, i) => {
      const p = sub('partners', i);
      const e = obj(x, p, ['name', 'chains'], ['authorities', 'origins', 'checkpointKeys', 'witnesses', 'note']);
      const name = text(e.name, sub(p, 'name'));
      if (!name) fail(sub(p, 'name'), 'a non-empty name', name);
      if (names.has(name)) throw badInput(`${sub(p, 'name')}: a second partner named ${JSON.stringify(name)}`);
      names.add(name);
      // Informational, but text like the list's own note: any other value is not this format.
      return { name, ...scope(e, p), ...(e.note !== undefined ? { note: text(e.note, sub(p, 'note')) } : {}) };
    });
  }
  return out;
}

/** Reads a trust list file's text: strict JSON, then checkTrustList. Errors are one line. */
export function parseTrustList(textIn: string, what = 'trust list'): TrustList {
  return checkTrustList(parseStrictJson(textIn, what), what);
}

/** The partner entry that names `chainIdHex`, if any. */
export const partnerFor = (t: TrustList, chainIdHex: string): TrustPartner | undefined => t.partners?.find((p) => p.chains.includes(chainIdHex));
