import { Option } from 'clipanion';
import { UrchainCommand, readInput } from './base.js';
import { verifyProof, type TrustList, type VerifyResult } from '../src/proof/proof.js';
import { badInput } from '../src/errors.js';

export class VerifyCommand extends UrchainCommand {
  static override paths = [['verify']];
  static override usage = UrchainCommand.Usage({
    description: 'Verify a proof offline',
    details: `
      Needs no node and no network. Checks, in order: format, chain, payload, txId, signature, inclusion, seal, trust (see urchain-formats(5)). Exit 0 and {"valid": true, ...} when every check holds; exit 1 with the failed check and the reason otherwise.

      --trust names a JSON file {"origins": [hex...], "authorities": [hex...], "chains": [hex...]} of keys and chain ids the verifier accepts (each list optional); \`urchain trust export\` writes one for a node. Without it the proof is checked for consistency only and "trusted" is false.
    `,
    examples: [
      ['Check a proof from a supplier', '$0 verify sn-4711.proof.json --trust supplier-a.trust.json'],
      ['In a script', '$0 verify proof.json --trust t.json && echo genuine'],
    ],
  });
  proof = Option.String({ required: true, name: 'PROOF|-' });
  trust = Option.String('--trust', { description: 'Trust list JSON: accepted origin keys, authority keys, chain ids' });

  async run() {
    const doc = await readJson(this.proof, 'proof');
    const trust = this.trust ? ((await readJson(this.trust, 'trust list')) as TrustList) : undefined;
    if (trust && (typeof trust !== 'object' || Array.isArray(trust))) throw badInput('trust list: expected {"origins":[...],"authorities":[...],"chains":[...]}');
    const r = verifyProof(doc, trust);
    this.out(r, human);
    return r.valid ? 0 : 1;
  }
}

function human(r: VerifyResult): string {
  if (!r.valid) return `INVALID: ${r.failed} check failed: ${r.reason}`;
  const lines = [
    `VALID${r.trusted ? ' (trusted)' : ' (not checked against a trust list)'}`,
    `record    ${r.txId}`,
    `kind      ${r.record.kind}  ${Object.entries(r.record.meta).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `origin    ${r.origin}`,
    `taken in  ${r.record.takenIn}`,
    `block     ${r.block.height} ${r.block.hash} at ${r.block.time}`,
    `chain     ${r.chain} ${r.chainId}`,
    ...(r.countersignedBy ?? []).map((c) => `countersigned by ${c.chain} ${c.chainId.slice(0, 16)}… at height ${c.height} (${c.time}), covering up to block ${c.linkHeight}`),
  ];
  return lines.join('\n');
}

async function readJson(file: string, what: string): Promise<unknown> {
  const text = (await readInput(file, what)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw badInput(`${what} ${file} is not JSON`);
  }
}
