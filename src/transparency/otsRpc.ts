/**
 * @module transparency/otsRpc
 * A HeaderSource backed by a bitcoind's JSON-RPC (transparency/otsHeaders describes what is
 * checked): `getblockhash h`, `getblockheader hash false`, `getblockcount`.
 */
import { fromHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import { blockHashHex, checkWork, HEADER_LEN, type BitcoinNetwork } from './otsBitcoin.js';
import { httpRequest } from './otsHttp.js';
import type { HeaderSource } from './otsHeaders.js';

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

