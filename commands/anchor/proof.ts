/**
 * The anchored-proof halves of `urchain prove --anchor` and `urchain verify` (transparency/otsProof):
 * prove and verify keep one small dispatch into here.
 */
import path from 'node:path';
import { badInput } from '../../src/errors.js';
import type { ProofJson, TrustList } from '../../src/proof/proof.js';
import type { AnchoredProofJson, AnchoredResult } from '../../src/transparency/otsProof.js';
import type { BitcoinNetwork } from '../../src/transparency/otsBitcoin.js';
import { humanTime } from '../base.js';

/** `prove --anchor`: the proof with the anchor from DATA/anchors (or `anchors`) that covers its block. */
export async function anchoredProof(proof: ProofJson, o: { data?: string; anchors?: string }): Promise<AnchoredProofJson> {
  if (!o.data) throw badInput('--anchor needs --data DIR: the inclusion of the block in the anchored checkpoint is computed from the chain on disk');
  const [{ LmdbStore }, { buildAnchoredProof }] = await Promise.all([import('../../src/store/lmdb.js'), import('../../src/transparency/otsProof.js')]);
  const store = await LmdbStore.open(o.data, { readOnly: true });
  try {
    return buildAnchoredProof(proof, o.anchors ?? path.join(o.data, 'anchors'), (i) => store.hashAt(i));
  } finally {
    await store.close();
  }
}

export interface HeaderOptions {
  headers?: string;
  bitcoinRpc?: string;
  network: BitcoinNetwork;
}

/**
 * `verify` of an anchored proof's text, with the header source from --headers FILE or
 * --bitcoin-rpc URL. null for a document that is not an anchored proof (the plain check applies),
 * BAD_INPUT when header options came with one.
 */
export async function verifyAnchoredText(text: string, trust: TrustList | null, o: HeaderOptions): Promise<AnchoredResult | null> {
  const [{ verifyAnchoredProof, isAnchoredProof }, { parseStrictJson }] = await Promise.all([import('../../src/transparency/otsProof.js'), import('../../src/proof/json.js')]);
  let doc: unknown;
  try {
    doc = parseStrictJson(text, 'proof');
  } catch (e) {
    if (!o.headers && !o.bitcoinRpc) return null; // not JSON: the plain check says so
    return { valid: false, failed: 'format', reason: (e as Error).message, checks: [] };
  }
  if (!isAnchoredProof(doc)) {
    if (o.headers || o.bitcoinRpc) throw badInput('--headers and --bitcoin-rpc go with an anchored proof (`urchain prove TXID --anchor`); this is a plain proof');
    return null;
  }
  if (!!o.headers === !!o.bitcoinRpc) throw badInput('an anchored proof needs Bitcoin block headers: give --headers FILE (offline) or --bitcoin-rpc URL (a bitcoind), one of them');
  const source = o.headers
    ? (await import('../../src/transparency/otsHeaders.js')).headersFileSource(o.headers, o.network)
    : (await import('../../src/transparency/otsRpc.js')).bitcoindSource(o.bitcoinRpc!, o.network);
  return verifyAnchoredProof(doc, trust, source);
}

/** The lines `verify` adds on a terminal for a valid anchored proof. */
export function anchorLines(r: AnchoredResult): string[] {
  if (!r.valid) return [];
  const a = r.anchor;
  return [
    `anchored  in Bitcoin block ${a.bitcoin.height} (${a.bitcoin.blockHash}) at ${humanTime(a.bitcoin.time)}, ${a.bitcoin.confirmations} confirmation(s): the record existed before then (block times are right to about 2 hours)`,
    `          through checkpoint ${a.size} of ${a.origin}${a.signedBy.length ? '' : ' (its signature not checked: no key for it)'}; headers from ${a.headers}`,
  ];
}
