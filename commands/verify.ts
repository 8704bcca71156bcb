import { Option } from 'clipanion';
import { UrchainCommand, humanTime, humanSize } from './base.js';
import { verifyProofText, type VerifyResult } from '../src/proof/proof.js';
import { parseTrustList, type TrustList } from '../src/proof/trust.js';
import { badInput } from '../src/errors.js';
import { isTlogProof, verifyTlogProof, type TlogVerifyResult } from '../src/transparency/tlogProof.js';

export class VerifyCommand extends UrchainCommand {
  static override paths = [['verify']];
  static override usage = UrchainCommand.Usage({
    description: 'Verify a proof offline',
    details: `
      Needs no node and no network. Checks, in order: format, chain, payload, txId, signature, inclusion, seal, trust, countersignature (see urchain-formats(5)).

      Give exactly one of --trust FILE or --no-trust; without either, verify refuses to run (exit 2), so \`urchain verify p.json && echo genuine\` can never pass unchecked.

      --trust names a trust list: {"chains": [chain id...], "authorities": [key...], "origins": [key...], "partners": [{"name", "chains", ...}]} (urchain-formats(5), TRUST LIST; \`urchain trust export\` writes one for a chain). It is read strictly: a file that is not such a list (\`{}\`, a misspelled member, a proof file, an empty list, a value that is not a usable key) is refused with exit 2 and the reason. Exit 0 and {"valid": true, "trusted": true, ...} when every check holds and the proof's chain, origin and block signers are in the list; exit 1 with the failed check and the reason otherwise, also when the trust list does not name the proof's chain. Countersignatures count only from chains the list names as partners, never from the record's own chain; the answer names the partner.

      --no-trust checks the proof for consistency only: exit 0 with "trusted": false and "VALID (not checked against a trust list)". Anyone can make such a proof for a chain of their own, so this says nothing about who made it.

      A proof in the c2sp.org/tlog-proof@v1 form (\`prove --format tlog-proof\`) is recognised by its first line and checked the same way, plus: the checkpoint must be signed by a key in the trust list's checkpointKeys for the record's chain (with --no-trust: by an authority or the block's producer), the block must be in the checkpoint's tree, and cosignatures count only from keys in "witnesses" (the list's own, or a partner's; never the record chain's own). The answer adds "checkpoint", "cosignedBy" (witness, partner, time) and "cosignatures" (all cosignature lines, named or not).

      The proof file is read strictly too (urchain-formats(5), JSON RULES): unknown members, duplicate members, numbers that are not plain integers up to 2^53-1, upper-case hex and any other second encoding of a value fail the format check (exit 1) with the path of the field.
    `,
    examples: [
      ['Check a proof from a supplier', '$0 verify sn-4711.proof.json --trust supplier-a.trust.json'],
      ['In a script', '$0 verify proof.json --trust t.json && echo genuine'],
      ['Consistency only, trusting nobody', '$0 verify proof.json --no-trust'],
      ['A C2SP tlog-proof with its cosignatures', '$0 verify sn-4711.tlog-proof --trust customer.trust.json'],
    ],
  });
  proof = Option.String({ required: true, name: 'PROOF|-' });
  trust = Option.String('--trust', { description: 'Trust list JSON: the chains, keys and partners this verifier accepts' });
  noTrust = Option.Boolean('--no-trust', false, { description: 'Check consistency only; the answer is never "trusted"' });

  async run() {
    if (!this.trust === !this.noTrust)
      throw badInput(this.trust ? 'give --trust FILE or --no-trust, not both' : 'verify needs --trust FILE (a trust list, from `urchain trust export`), or --no-trust for a consistency check that trusts nobody');
    const trust: TrustList | null = this.trust ? parseTrustList((await this.readInput(this.trust, 'trust list')).toString('utf8'), `trust list ${this.trust}`) : null;
    const text = (await this.readInput(this.proof, 'proof')).toString('utf8');
    const r = isTlogProof(text) ? verifyTlogProof(text, trust) : verifyProofText(text, trust);
    this.out(r, human);
    return r.valid ? 0 : 1;
  }
}

function human(r: VerifyResult | TlogVerifyResult): string {
  if (!r.valid) return `INVALID: ${r.failed} check failed: ${r.reason}`;
  const lines = [
    `VALID${r.trusted ? ' (trusted)' : ' (not checked against a trust list)'}`,
    `record    ${r.txId}`,
    `kind      ${r.record.kind}  ${Object.entries(r.record.meta).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `payload   ${humanSize(r.record.payloadLength)}${r.record.payloadIncluded ? '' : ' (not in the proof)'}`,
    `origin    ${r.origin}`,
    `taken in  ${humanTime(r.record.takenIn)}`,
    `block     ${r.block.height} ${r.block.hash} at ${humanTime(r.block.time)}`,
    `chain     ${r.chain} ${r.chainId}`,
    ...(r.countersignedBy ?? []).map(
      (c) =>
        `countersigned by ${c.partner === null ? `unchecked chain "${c.chain}"` : `partner ${c.partner}`} (chain ${c.chainId.slice(0, 16)}…) at height ${c.height} (${humanTime(c.time)}), covering up to block ${c.linkHeight}`,
    ),
    ...('cosignedBy' in r
      ? [
          `checkpoint ${r.checkpoint.origin} size ${r.checkpoint.size}, signed by ${r.checkpoint.signer}`,
          ...r.cosignedBy.map((c) => `cosigned by ${c.partner === null ? `witness ${c.witness}` : `partner ${c.partner} (${c.witness})`} at ${humanTime(c.time)}`),
          ...(r.cosignatures > r.cosignedBy.length ? [`${r.cosignatures - r.cosignedBy.length} cosignature(s) of keys the trust list does not name, not checked`] : []),
        ]
      : []),
  ];
  return lines.join('\n');
}
