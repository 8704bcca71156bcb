/**
 * @module consensus/poa
 * Proof-of-authority: the genesis block lists authority keys and a threshold k; a block is valid
 * once k distinct authorities signed its hash, its producer among them. Every block adds one unit
 * of work, so fork choice is the longest chain; between equally long ones the lowest block hash
 * wins (ledger/blocktree.ts).
 */
import type { Consensus } from './types.js';
import type { ChainParams } from '../chain/params.js';
import { blockHashOf, validSigners, signHeader, type Header, type SignedHeader } from '../chain/header.js';
import { toHex } from '../codec/bytes.js';
import { badBlock } from '../errors.js';
import type { KeyPair } from '../crypto/ed25519.js';

export class ProofOfAuthority implements Consensus {
  readonly name = 'poa' as const;
  readonly params: ChainParams;
  private readonly authorities: Set<string>;
  constructor(params: ChainParams) {
    this.params = params;
    this.authorities = new Set(params.authorities.map(toHex));
  }
  difficultyAfter(): number {
    return 0;
  }
  canProduce(key: Uint8Array): boolean {
    return this.authorities.has(toHex(key));
  }
  validate(block: SignedHeader, hash: Uint8Array, opts: { proposal?: boolean; signers?: ReadonlySet<string> } = {}): void {
    const h = block.header;
    if (h.difficulty !== 0 || h.nonce !== 0n) throw badBlock('poa: difficulty and nonce must be 0');
    const producer = toHex(h.producer);
    if (!this.authorities.has(producer)) throw badBlock(`poa: producer ${producer.slice(0, 16)}… is not an authority`);
    const signers = opts.signers ?? validSigners(hash, block.signatures);
    let n = 0;
    for (const s of signers) if (this.authorities.has(s)) n++;
    if (!signers.has(producer)) throw badBlock('poa: producer signature missing or invalid');
    if (!opts.proposal && n < this.params.threshold) throw badBlock(`poa: ${n} of ${this.params.threshold} authority signatures`);
  }
  work(): bigint {
    return 1n;
  }
  /**
   * With k > 1 authorities take turns: height h is proposed by authority h mod n; the next ones
   * in order step in when a turn has gone unused for two block times each, so one authority
   * offline does not stop the chain. With k = 1 any authority may propose.
   */
  mayPropose(key: Uint8Array, height: number, idleMs: number, blockTimeMs: number): boolean {
    const n = this.params.authorities.length;
    if (this.params.threshold <= 1 || n <= 1) return true;
    const i = this.params.authorities.findIndex((a) => toHex(a) === toHex(key));
    if (i < 0) return false;
    const d = (i - (height % n) + n) % n;
    return d === 0 || idleMs > d * 2 * Math.max(blockTimeMs, 500);
  }
  async seal(header: Header, key: KeyPair): Promise<SignedHeader> {
    return { header, signatures: [signHeader(blockHashOf(header), key)] };
  }
}
