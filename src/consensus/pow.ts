/**
 * @module consensus/pow
 * Proof-of-work as in the paper: the block hash must have at least `difficulty` leading zero
 * bits (fixed by the genesis block); each block adds 2^difficulty work. The producer also signs
 * the block hash so every block names who made it. The nonce search yields to the event loop
 * every few thousand hashes so a producing node keeps answering.
 */
import type { Consensus } from './types.js';
import type { ChainParams } from '../chain/params.js';
import { blockHashOf, signHeader, validSigners, type Header, type SignedHeader } from '../chain/header.js';
import { toHex } from '../codec/bytes.js';
import { badBlock, UrchainError } from '../errors.js';
import type { KeyPair } from '../crypto/ed25519.js';

/**
 * Lets other work run between rounds of the nonce search: setImmediate where there is one (Node:
 * no timer clamp), a zero timeout elsewhere (proof verification loads this module in a browser).
 */
const yieldToEventLoop: () => Promise<void> =
  typeof setImmediate === 'function' ? () => new Promise((r) => setImmediate(r)) : () => new Promise((r) => setTimeout(r, 0));

export function leadingZeroBits(hash: Uint8Array): number {
  let n = 0;
  for (const b of hash) {
    if (b === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(b) - 24;
  }
  return n;
}

export class ProofOfWork implements Consensus {
  readonly name = 'pow' as const;
  readonly params: ChainParams;
  constructor(params: ChainParams) {
    this.params = params;
  }
  difficultyAfter(): number {
    return this.params.difficulty;
  }
  canProduce(): boolean {
    return true;
  }
  validate(block: SignedHeader, hash: Uint8Array, opts: { signers?: ReadonlySet<string> } = {}): void {
    const h = block.header;
    if (h.difficulty !== this.params.difficulty) throw badBlock(`pow: difficulty ${h.difficulty}, chain requires ${this.params.difficulty}`);
    if (leadingZeroBits(hash) < h.difficulty) throw badBlock(`pow: hash has ${leadingZeroBits(hash)} leading zero bits, needs ${h.difficulty}`);
    if (!(opts.signers ?? validSigners(hash, block.signatures)).has(toHex(h.producer))) throw badBlock('pow: producer signature missing or invalid');
  }
  work(header: Header): bigint {
    return 1n << BigInt(header.difficulty);
  }
  async seal(header: Header, key: KeyPair, signal?: AbortSignal): Promise<SignedHeader> {
    const h = { ...header, difficulty: this.params.difficulty };
    for (let nonce = 0n; ; nonce++) {
      h.nonce = nonce;
      const hash = blockHashOf(h);
      if (leadingZeroBits(hash) >= h.difficulty) return { header: h, signatures: [signHeader(hash, key)] };
      if (nonce % 4096n === 4095n) {
        await yieldToEventLoop();
        if (signal?.aborted) throw UrchainError.UNAVAILABLE('pow: sealing aborted');
      }
    }
  }
}
