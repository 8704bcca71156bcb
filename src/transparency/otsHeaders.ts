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
import { fromHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import { blockHashHex, checkHeaderChain, checkWork, HEADER_LEN, type BitcoinNetwork } from './otsBitcoin.js';
import { httpRequest } from './otsCalendar.js';

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

/** A bitcoind JSON-RPC endpoint. */
export function bitcoindSource(url: string, net: BitcoinNetwork, o: { timeoutMs?: number } = {}): HeaderSource {
  let shown: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    shown = `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    throw UrchainError.BAD_INPUT(`--bitcoin-rpc ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))}: expected a URL such as http://user:pass@127.0.0.1:8332`);
  }
  let id = 0;
  const call = async (method: string, params: unknown[]): Promise<unknown> => {
    const body = new TextEncoder().encode(JSON.stringify({ jsonrpc: '1.0', id: ++id, method, params }));
    const res = await httpRequest(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, timeoutMs: o.timeoutMs, maxBytes: 1 << 16 });
    let json: { result?: unknown; error?: { code?: number; message?: string } | null };
    try {
      json = JSON.parse(new TextDecoder().decode(res.body));
    } catch {
      throw UrchainError.BAD_REPLY(`bitcoind at ${shown} answered ${res.status} with something that is not JSON-RPC`);
    }
    if (json.error) {
      if (json.error.code === -8 || json.error.code === -5) return undefined; // height out of range, unknown block
      throw UrchainError.BAD_REPLY(`bitcoind at ${shown}: ${method}: ${json.error.message ?? 'error'}`);
    }
    if (res.status !== 200) throw UrchainError.BAD_REPLY(`bitcoind at ${shown} answered ${res.status}`);
    return json.result;
  };
  return {
    async header(h) {
      const hash = await call('getblockhash', [h]);
      if (hash === undefined) return undefined;
      if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) throw UrchainError.BAD_REPLY(`bitcoind at ${shown}: getblockhash ${h} is not a block hash`);
      const hex = await call('getblockheader', [hash, false]);
      if (typeof hex !== 'string' || hex.length !== 2 * HEADER_LEN) throw UrchainError.BAD_REPLY(`bitcoind at ${shown}: getblockheader ${hash} is not an 80-byte header`);
      const raw = fromHex(hex, HEADER_LEN, 'block header');
      if (blockHashHex(raw) !== hash) throw UrchainError.BAD_REPLY(`bitcoind at ${shown}: the header of block ${hash} hashes to ${blockHashHex(raw)}`);
      checkWork(raw, net);
      return raw;
    },
    async tip() {
      const n = await call('getblockcount', []);
      if (!Number.isSafeInteger(n)) throw UrchainError.BAD_REPLY(`bitcoind at ${shown}: getblockcount is not a number`);
      return n as number;
    },
    describe: `bitcoind at ${shown} (${net})`,
  };
}

