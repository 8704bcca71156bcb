/**
 * @module epcis/meta
 * How identifiers sit in a transaction core's metadata, so that every node (the one that took
 * the record in, its followers, `urchain audit`) derives the same index rows from the signed
 * core alone:
 *
 *   id.0000, id.0001, …   one entry per identifier key, numbered from 0 without gaps,
 *                         four digits so byte order is numeric order (at most MAX_IDENTIFIERS)
 *   product               as before: the plain `--product` code, one more identifier
 *   epcis.hash            an EPCIS event's hash id (epcis/record.ts) is indexed too: so any
 *                         node finds whether an event is already in the chain, and `trace`
 *                         finds an event by its id
 *
 * The keys are written already normalised (epcis/identifiers.ts) by whoever builds the record;
 * the index takes them as they stand, so an old record never changes keys when normalisation
 * grows. Nothing here is specific to EPCIS: any record may name identifiers this way.
 */
import { metaGet, type Meta } from '../chain/transaction.js';
import { badInput } from '../errors.js';

export const MAX_IDENTIFIERS = 1000;
/** The metadata key of an EPCIS event's hash id. */
export const HASH_META_KEY = 'epcis.hash';
const ID_KEY_RE = /^id\.\d{4}$/;

const identifierMetaKey = (i: number) => `id.${String(i).padStart(4, '0')}`;

/** Metadata entries naming `keys` (deduplicated, in the order given). */
export function identifierMeta(keys: string[]): Record<string, string> {
  const unique = [...new Set(keys)];
  if (unique.length > MAX_IDENTIFIERS) throw badInput(`a record may name at most ${MAX_IDENTIFIERS} identifiers, this one names ${unique.length}`);
  return Object.fromEntries(unique.map((k, i) => [identifierMetaKey(i), k]));
}

/** The identifier keys a core's metadata names in `id.NNNN` entries (not `product`). */
export function identifiersOf(meta: Meta): string[] {
  const out: string[] = [];
  for (const [k, v] of meta) if (ID_KEY_RE.test(k) && v !== '') out.push(v);
  return [...new Set(out)];
}

/**
 * The index rows of a record besides its product code: `identifiers` for IngestTx (the product
 * code stays in `product`, and is left out here so one key never gets two rows).
 */
export function indexOf(meta: Meta): { product?: string; identifiers?: string[] } {
  const product = metaGet(meta, 'product');
  const hash = metaGet(meta, HASH_META_KEY);
  const ids = [...new Set([...(hash ? [hash] : []), ...identifiersOf(meta)])].filter((k) => k !== product);
  return { product, identifiers: ids.length ? ids : undefined };
}
