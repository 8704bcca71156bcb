import { Option } from 'clipanion';
import { UrchainCommand, humanTime, humanSize, parseChoice } from './base.js';
import path from 'node:path';
import type { VerifyResult } from '../src/proof/proof.js';
import { parseTrustList, type TrustList } from '../src/proof/trust.js';
import { verifyDocumentText } from '../src/proof/passportVerify.js';
import { badInput } from '../src/errors.js';
import { isTlogProof, verifyTlogProof, type TlogVerifyResult } from '../src/transparency/tlogProof.js';

export class VerifyCommand extends UrchainCommand {
  static override paths = [['verify']];
  static override usage = UrchainCommand.Usage({
    description: 'Verify a proof or a passport offline',
    details: `
      Needs no node and no network. Checks, in order: format, chain, payload, txId, signature, inclusion, seal, trust, countersignature (see urchain-formats(5)).

      Give exactly one of --trust FILE or --no-trust; without either, verify refuses to run (exit 2), so \`urchain verify p.json && echo genuine\` can never pass unchecked.

      --trust names a trust list: {"chains": [chain id...], "authorities": [key...], "origins": [key...], "partners": [{"name", "chains", ...}]} (urchain-formats(5), TRUST LIST; \`urchain trust export\` writes one for a chain). It is read strictly: a file that is not such a list (\`{}\`, a misspelled member, a proof file, an empty list, a value that is not a usable key) is refused with exit 2 and the reason. Exit 0 and {"valid": true, "trusted": true, ...} when every check holds and the proof's chain, origin and block signers are in the list; exit 1 with the failed check and the reason otherwise, also when the trust list does not name the proof's chain. Countersignatures count only from chains the list names as partners, never from the record's own chain; the answer names the partner.

      --no-trust checks the proof for consistency only: exit 0 with "trusted": false and "VALID (not checked against a trust list)". Anyone can make such a proof for a chain of their own, so this says nothing about who made it.

      An anchored proof (\`urchain prove TXID --anchor\`, format urchain-anchored-proof/1) is checked as above and then against Bitcoin: the checkpoint that covers the record's block, and its OpenTimestamps proof, against block headers from --headers FILE (raw 80-byte headers from the genesis block on, checked here: fully offline) or --bitcoin-rpc URL (a bitcoind); --bitcoin-network regtest for a test chain. The answer adds "anchor": {"origin", "size", "signedBy": [keys], "bitcoin": {"height", "blockHash", "time", "timestamp", "confirmations"}, "pending": [calendar URIs], "headers"}, the Bitcoin block before which the record existed; a proof whose anchor is still pending fails the "anchor" check. See urchain-formats(5), OPENTIMESTAMPS ANCHOR.

      A passport (\`urchain passport\`, urchain-formats(5), PASSPORT FILE) is verified record by record with the same checks, after its own three (format, canonical, items: every record names the passport's item): each record against the entry of the trust list that names its chain (the list itself or a partner: a passport crosses companies), so a record of a chain the list does not name fails the trust check. It prints the item's timeline (time, company and chain, origin key, kind, bizStep) with each record's verdict; --json gives the per-record results. Exit 0 only if every record holds.

      --html FILE also writes one self-contained HTML page with the proof or passport and the trust list embedded and the verifier inline: it verifies when opened, from file:// with no network (its Content-Security-Policy forbids every connection), shows each check in plain words, and takes another proof, passport or trust file dropped on it.

      A proof in the c2sp.org/tlog-proof@v1 form (\`prove --format tlog-proof\`) is recognised by its first line and checked the same way, plus: the checkpoint must be signed by a key in the trust list's checkpointKeys for the record's chain (with --no-trust: by an authority or the block's producer), the block must be in the checkpoint's tree, and cosignatures count only from keys in "witnesses" (the list's own, or a partner's; never the record chain's own). The answer adds "checkpoint", "cosignedBy" (witness, partner, time) and "cosignatures" (all cosignature lines, named or not).

      The proof file is read strictly too (urchain-formats(5), JSON RULES): unknown members, duplicate members, numbers that are not plain integers up to 2^53-1, upper-case hex and any other second encoding of a value fail the format check (exit 1) with the path of the field.
    `,
    examples: [
      ['Check a proof from a supplier', '$0 verify sn-4711.proof.json --trust supplier-a.trust.json'],
      ['In a script', '$0 verify proof.json --trust t.json && echo genuine'],
      ['Consistency only, trusting nobody', '$0 verify proof.json --no-trust'],
      ['An anchored proof, offline with a Bitcoin headers file', '$0 verify sn-4711.anchored.json --trust t.json --headers blockchain_headers'],
      ['A passport across two companies, as a page too', '$0 verify sn-4711.passport.json --trust customer.trust.json --html sn-4711.html'],
      ['A C2SP tlog-proof with its cosignatures', '$0 verify sn-4711.tlog-proof --trust customer.trust.json'],
    ],
  });
  proof = Option.String({ required: true, name: 'PROOF|PASSPORT|-' });
  trust = Option.String('--trust', { description: 'Trust list JSON: the chains, keys and partners this verifier accepts' });
  noTrust = Option.Boolean('--no-trust', false, { description: 'Check consistency only; the answer is never "trusted"' });
  headers = Option.String('--headers', { description: 'Anchored proofs: Bitcoin headers file (raw 80-byte headers from genesis), checked offline' });
  bitcoinRpc = Option.String('--bitcoin-rpc', { description: 'Anchored proofs: bitcoind JSON-RPC URL (http://user:pass@host:8332) for block headers' });
  bitcoinNetwork = Option.String('--bitcoin-network', 'main', { description: 'Anchored proofs: the Bitcoin network of the headers, main or regtest (default main)' });
  html = Option.String('--html', { description: 'Also write a self-contained HTML page that verifies the proof or passport in a browser' });

  async run() {
    if (!this.trust === !this.noTrust)
      throw badInput(this.trust ? 'give --trust FILE or --no-trust, not both' : 'verify needs --trust FILE (a trust list, from `urchain trust export`), or --no-trust for a consistency check that trusts nobody');
    const trustText = this.trust ? (await this.readInput(this.trust, 'trust list')).toString('utf8') : undefined;
    const trust: TrustList | null = trustText !== undefined ? parseTrustList(trustText, `trust list ${this.trust}`) : null;
    const text = (await this.readInput(this.proof, 'proof')).toString('utf8');
    if (this.headers || this.bitcoinRpc || text.includes('urchain-anchored-proof/1')) {
      const a = await import('./anchor/proof.js'); // loads the Bitcoin checks only for anchored proofs
      const r = await a.verifyAnchoredText(text, trust, { headers: this.headers, bitcoinRpc: this.bitcoinRpc, network: parseChoice(this.bitcoinNetwork, '--bitcoin-network', ['main', 'regtest'] as const) });
      if (r) {
        if (this.html) throw badInput('--html takes a proof or a passport, not an anchored proof');
        this.out(r, (x) => [human(x as VerifyResult), ...a.anchorLines(x)].join('\n'));
        return r.valid ? 0 : 1;
      }
    }
    if (isTlogProof(text)) {
      if (this.html) throw badInput('--html takes a proof or a passport, not a tlog-proof');
      const r = verifyTlogProof(text, trust);
      this.out(r, human);
      return r.valid ? 0 : 1;
    }
    const d = verifyDocumentText(text, trust);
    // Loaded only for a passport or a page: a plain proof check stays as light as it was.
    const render = d.kind === 'passport' || this.html ? await import('./passport/render.js') : undefined;
    if (this.html) {
      const name = this.proof === '-' ? `stdin.${d.kind}.json` : path.basename(this.proof);
      await render!.writeVerifierPage(this.html, { kind: d.kind, name, text, trust: trustText !== undefined ? { name: path.basename(this.trust!), text: trustText } : null });
    }
    if (d.kind === 'passport') this.out(d.result, render!.humanPassport);
    else this.out(d.result, human);
    return d.result.valid ? 0 : 1;
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
