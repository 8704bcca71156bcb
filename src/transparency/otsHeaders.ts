/**
 * @module transparency/otsHeaders
 * Where a verifier gets Bitcoin block headers (a HeaderSource):
 *
 * - a headers file: raw 80-byte headers concatenated, the genesis block first, so the header of
 *   height h is bytes 80h..80h+79 (the layout of Electrum's `blockchain_headers`). The whole
 *   chain is checked from genesis as a node checks it (transparency/otsBitcoin): fully offline,
 *   trusting no one but the chain with the most work the verifier has in hand.
 * - a bitcoind JSON-RPC URL (`http://user:pass@127.0.0.1:8332`): `getblockhash h`, then
 *   `getblockheader hash false` (the raw header). The header must hash to the hash the node gave
 *   and do its own proof of work; the node is trusted for which chain is the best one.
 */
import fs from 'node:fs';
import { UrchainError } from '../errors.js';
import { checkHeaderChain, type BitcoinNetwork } from './otsBitcoin.js';

export interface HeaderSource {
  /** The raw header at `height`, or undefined when the source has no block there (yet). */
  header(height: number): Promise<Uint8Array | undefined>;
  /** The height of the newest block the source knows. */
  tip(): Promise<number>;
  /** For reports: "headers file F (N headers, checked from genesis)", "bitcoind at URL". */
  readonly describe: string;
}

/** A headers file, read and checked once (BAD_PROOF when the chain does not hold). */
export function headersFileSource(file: string, net: BitcoinNetwork): HeaderSource {
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw UrchainError.BAD_INPUT(`cannot read the headers file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const chain = checkHeaderChain(raw, net);
  return {
    header: async (h) => (Number.isSafeInteger(h) && h >= 0 && h < chain.headers.length ? chain.headers[h] : undefined),
    tip: async () => chain.headers.length - 1,
    describe: `headers file ${file} (${net}, ${chain.headers.length} headers checked from genesis)`,
  };
}
