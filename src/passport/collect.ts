/**
 * @module passport/collect
 * Gathers an item's passport from a data folder or a running node (node/source): the item's
 * records in chain order from the product index (`trace`, the same index `urchain trace` reads,
 * so every identifier the index learns is found here too), one proof per included record, with
 * partners' countersignatures where a partner has countersigned its block. Records still waiting
 * for a block are left out and counted: a passport holds only what a verifier can check.
 */
import type { Source } from '../node/source.js';
import type { ProofJson } from '../proof/proof.js';
import { buildPassport, type PassportJson } from '../proof/passport.js';
import { isUrchainError, notFound } from '../errors.js';
import { identifierKey } from '../epcis/identifiers.js';

export interface Collected {
  passport: PassportJson;
  /** Records of the item not in a block yet (left out). */
  pending: number;
  /** Records with at least one countersignature. */
  countersigned: number;
}

export async function collectPassport(source: Source, code: string, o: { countersigned?: boolean; stripped?: boolean } = {}): Promise<Collected> {
  const trace = await source.trace(code);
  const included = trace.records.filter((r) => r.block);
  if (!included.length) throw notFound(`no record of ${JSON.stringify(code)} is in a block${trace.records.length ? ` yet (${trace.records.length} pending)` : ''}: nothing to put in a passport`);
  const proofs: ProofJson[] = [];
  let countersigned = 0;
  // One block's countersignatures serve all its records: ask once per block, not per record.
  const noPartnerYet = new Set<number>();
  for (const r of included) {
    let p: ProofJson | undefined;
    if (o.countersigned && !noPartnerYet.has(r.block!.height)) {
      try {
        p = await source.proof(r.txId, !!o.stripped, true);
        countersigned++;
      } catch (e) {
        // CONFLICT: no partner has countersigned this block yet; the plain proof goes in.
        if (!isUrchainError(e, 'CONFLICT')) throw e;
        noPartnerYet.add(r.block!.height);
      }
    }
    proofs.push(p ?? (await source.proof(r.txId, !!o.stripped, false)));
  }
  // The code as asked for and its index key (trace finds records under either; the verifier's
  // items check compares exactly, so both forms are listed when they differ).
  return { passport: buildPassport([code, identifierKey(code)], proofs), pending: trace.records.length - included.length, countersigned };
}
