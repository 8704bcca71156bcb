/**
 * A synthetic Bitcoin header chain for tests and the README's offline demo: the real regtest
 * genesis block, then real 80-byte headers at regtest difficulty (mined here, a few hashes each)
 * whose merkle roots commit to payloads through coinbase-like transactions, and a fake bitcoind
 * that serves them over JSON-RPC (getblockhash, getblockheader, getblockcount).
 *
 * `mine([payload…])` puts each 32-byte payload in the OP_RETURN output of a transaction of the
 * new block (with filler transactions, so the merkle path has real levels) and returns, per
 * payload, the OpenTimestamps operations from the payload to the block's merkle root: what a
 * calendar appends below its commitment tree before the bitcoin attestation.
 */
import http from 'node:http';
import { concat, toHex } from '../src/codec/bytes.js';
import { sha256 } from '../src/crypto/hash.js';
import { encodeHeader, headerHash, blockHashHex, NETWORKS, targetOf, decodeHeader } from '../src/transparency/otsBitcoin.js';
import type { Op } from '../src/transparency/ots.js';
import { listen, closeServer } from '../src/io/listen.js';

const sha256d = (b: Uint8Array) => sha256(sha256(b));
const u32le = (n: number) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);

/** A coinbase-like transaction with `payload` in an OP_RETURN output: prefix || payload || suffix. */
function payloadTx(height: number, n: number, payload: Uint8Array): { prefix: Uint8Array; suffix: Uint8Array } {
  const script = concat(Uint8Array.of(0x04), u32le(height), Uint8Array.of(0x04), u32le(n)); // height and an extra nonce
  const prefix = concat(
    u32le(1), // version
    Uint8Array.of(0x01), // one input
    new Uint8Array(32), u32le(0xffffffff), // coinbase outpoint
    Uint8Array.of(script.length), script, u32le(0xffffffff),
    Uint8Array.of(0x01), // one output
    new Uint8Array(8), // value 0
    Uint8Array.of(2 + payload.length, 0x6a, payload.length), // OP_RETURN push
  );
  return { prefix, suffix: u32le(0) }; // lock time
}

export interface Mined {
  height: number;
  header: Uint8Array;
  /** Per payload: the ops from the payload to the header's merkle root. */
  paths: Op[][];
}

export class SyntheticBitcoin {
  readonly headers: Uint8Array[] = [encodeHeader(NETWORKS.regtest.genesis)];
  private clock: number;
  constructor(startTime = Math.floor(Date.now() / 1000)) {
    this.clock = startTime;
  }

  get tip(): number {
    return this.headers.length - 1;
  }

  /** Mines one block committing to every payload (32 bytes each), with `fillers` extra transactions. */
  mine(payloads: Uint8Array[], fillers = 3): Mined {
    const height = this.headers.length;
    const leaves: { txid: Uint8Array; ops: Op[] }[] = payloads.map((p, i) => {
      const { prefix, suffix } = payloadTx(height, i, p);
      return { txid: sha256d(concat(prefix, p, suffix)), ops: [{ op: 'prepend', arg: prefix }, { op: 'append', arg: suffix }, { op: 'sha256' }, { op: 'sha256' }] };
    });
    for (let i = 0; i < fillers; i++) leaves.push({ txid: sha256d(concat(u32le(height), u32le(1000 + i))), ops: [] });
    // Bitcoin's merkle tree: pairs hashed with SHA-256d, an odd last one paired with itself.
    let level = leaves.map((l, i) => ({ hash: l.txid, members: [i] }));
    while (level.length > 1) {
      const next: typeof level = [];
      for (let i = 0; i < level.length; i += 2) {
        const l = level[i];
        const r = level[i + 1] ?? l;
        for (const m of l.members) leaves[m].ops.push({ op: 'append', arg: r.hash }, { op: 'sha256' }, { op: 'sha256' });
        if (r !== l) for (const m of r.members) leaves[m].ops.push({ op: 'prepend', arg: l.hash }, { op: 'sha256' }, { op: 'sha256' });
        next.push({ hash: sha256d(concat(l.hash, r.hash)), members: r === l ? l.members : [...l.members, ...r.members] });
      }
      level = next;
    }
    const merkleRoot = level[0].hash;
    this.clock = Math.max(this.clock + 600, decodeHeader(this.headers[this.tip]).time + 1);
    const target = targetOf(NETWORKS.regtest.genesis.bits)!;
    let header: Uint8Array;
    for (let nonce = 0; ; nonce++) {
      header = encodeHeader({ version: 0x20000000, prevHash: headerHash(this.headers[this.tip]), merkleRoot, time: this.clock, bits: NETWORKS.regtest.genesis.bits, nonce });
      if (BigInt('0x' + toHex(headerHash(header).slice().reverse())) <= target) break;
    }
    this.headers.push(header);
    return { height, header, paths: payloads.map((_, i) => leaves[i].ops) };
  }

  /** The headers file: every header from genesis, concatenated. */
  headersFile(): Uint8Array {
    return concat(...this.headers);
  }

  /** A fake bitcoind on 127.0.0.1 serving these headers; `user:pass` when given is required. */
  async rpc(auth?: string): Promise<{ url: string; close(): Promise<void> }> {
    const server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        if (auth && req.headers.authorization !== `Basic ${Buffer.from(auth).toString('base64')}`) return void res.writeHead(401).end();
        const { id, method, params } = JSON.parse(Buffer.concat(parts).toString()) as { id: number; method: string; params: unknown[] };
        const answer = (result: unknown, error: unknown = null) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result, error, id }));
        if (method === 'getblockcount') return answer(this.tip);
        if (method === 'getblockhash') {
          const h = params[0] as number;
          return h >= 0 && h <= this.tip ? answer(blockHashHex(this.headers[h])) : answer(null, { code: -8, message: 'Block height out of range' });
        }
        if (method === 'getblockheader') {
          const hit = this.headers.find((x) => blockHashHex(x) === params[0]);
          return hit ? answer(params[1] === false ? toHex(hit) : { hash: params[0] }) : answer(null, { code: -5, message: 'Block not found' });
        }
        answer(null, { code: -32601, message: 'Method not found' });
      });
    });
    const addr = await listen(server, { host: '127.0.0.1', port: 0 }, 'port');
    return {
      url: `http://${auth ? `${auth}@` : ''}${addr}`,
      close: () => {
        server.closeAllConnections();
        return closeServer(server);
      },
    };
  }
}

