/**
 * @module transparency/otsBitcoin
 * Bitcoin block headers, as far as checking an OpenTimestamps bitcoin attestation needs them:
 *
 *   header (80 bytes) = version i32 LE || previous block hash (32) || merkle root (32)
 *                       || time u32 LE || bits u32 LE || nonce u32 LE
 *   block hash        = SHA-256(SHA-256(header)), read as a little-endian number; shown reversed
 *
 * A bitcoin attestation at height h says: the message at the attestation equals the merkle root
 * bytes (as they stand in the header) of the block at height h. Proof of work: the hash is at
 * most the target its compact `bits` encode, and that target is at most the network's limit.
 * A header chain (a headers file) is checked from the genesis block as a node checks it (SPV):
 * each header names its parent's hash, does its work, and carries the bits the difficulty rule
 * demands (mainnet: retarget every 2016 blocks from the timespan of the last 2016, clamped to a
 * factor of 4; regtest: never retargets). Not checked: median time past and future-time limits
 * (they bound a block's time to about two hours, which is why a time is reported as that exact).
 */
import { concat, equal, fromHex, toHex } from '../codec/bytes.js';
import { sha256 } from '../crypto/hash.js';
import { UrchainError } from '../errors.js';

export const HEADER_LEN = 80;
export type BitcoinNetwork = 'main' | 'regtest';
export const BITCOIN_NETWORKS: readonly BitcoinNetwork[] = ['main', 'regtest'];

export interface BitcoinHeader {
  version: number;
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  time: number;
  bits: number;
  nonce: number;
}

interface NetworkRules {
  powLimit: bigint;
  retarget: boolean;
  genesis: BitcoinHeader;
  genesisHash: string;
}

// The genesis coinbase's merkle root, in header byte order (shown reversed as 4a5e1e4b…a33b).
const GENESIS_MERKLE = fromHex('3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a');
export const NETWORKS: Record<BitcoinNetwork, NetworkRules> = {
  main: {
    powLimit: (1n << 224n) - 1n,
    retarget: true,
    genesis: { version: 1, prevHash: new Uint8Array(32), merkleRoot: GENESIS_MERKLE, time: 1231006505, bits: 0x1d00ffff, nonce: 2083236893 },
    genesisHash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
  },
  regtest: {
    powLimit: (1n << 255n) - 1n,
    retarget: false,
    genesis: { version: 1, prevHash: new Uint8Array(32), merkleRoot: GENESIS_MERKLE, time: 1296688602, bits: 0x207fffff, nonce: 2 },
    genesisHash: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
  },
};

const u32 = (n: number) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
const readU32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

export function encodeHeader(h: BitcoinHeader): Uint8Array {
  return concat(u32(h.version), h.prevHash, h.merkleRoot, u32(h.time), u32(h.bits), u32(h.nonce));
}

export function decodeHeader(b: Uint8Array): BitcoinHeader {
  if (!(b instanceof Uint8Array) || b.length !== HEADER_LEN) throw UrchainError.BAD_ENCODING(`bitcoin header: expected ${HEADER_LEN} bytes, got ${b?.length}`);
  return { version: readU32(b, 0) | 0, prevHash: b.slice(4, 36), merkleRoot: b.slice(36, 68), time: readU32(b, 68), bits: readU32(b, 72), nonce: readU32(b, 76) };
}

/** SHA-256d of the header bytes (internal byte order). */
export const headerHash = (b: Uint8Array): Uint8Array => sha256(sha256(b));
/** The block hash as Bitcoin shows it (reversed hex). */
export const blockHashHex = (b: Uint8Array): string => toHex(headerHash(b).slice().reverse());

/** The target a compact `bits` value encodes; undefined for a negative or overflowing one. */
export function targetOf(bits: number): bigint | undefined {
  const exp = bits >>> 24;
  const mant = bits & 0x007fffff;
  if (bits & 0x00800000 && mant !== 0) return undefined;
  const t = exp <= 3 ? BigInt(mant >>> (8 * (3 - exp))) : BigInt(mant) << BigInt(8 * (exp - 3));
  if (t >> 256n) return undefined;
  return t;
}

/** The compact form of a target (Bitcoin's GetCompact). */
export function compactOf(target: bigint): number {
  let size = target === 0n ? 0 : Math.ceil(target.toString(16).length / 2);
  let c = size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)));
  if (c & 0x00800000) {
    c >>>= 8;
    size++;
  }
  return (c | (size << 24)) >>> 0;
}

/** The work of a block with this target: 2^256 / (target + 1). */
export const workOf = (target: bigint): bigint => (1n << 256n) / (target + 1n);

/** A target as 32 little-endian bytes, to compare with a hash without BigInt arithmetic. */
function targetBytes(t: bigint): Uint8Array {
  const hex = t.toString(16).padStart(64, '0');
  return fromHex(hex).reverse();
}

/** hash <= target, both 32 bytes little-endian (compared from the most significant byte). */
function atMost(hash: Uint8Array, target: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) if (hash[i] !== target[i]) return hash[i] < target[i];
  return true;
}

/** Per bits value: its target as bytes and its work (a headers file repeats a few values). */
const byBits = new Map<string, { target: Uint8Array; work: bigint }>();
function bitsInfo(bits: number, net: BitcoinNetwork): { target: Uint8Array; work: bigint } | undefined {
  const k = `${net}:${bits}`;
  let v = byBits.get(k);
  if (!v) {
    const t = targetOf(bits);
    if (t === undefined || t === 0n || t > NETWORKS[net].powLimit) return undefined;
    v = { target: targetBytes(t), work: workOf(t) };
    byBits.set(k, v);
  }
  return v;
}

/** Throws BAD_PROOF unless the header does the work its bits claim, within the network's limit; returns its hash. */
export function checkWork(b: Uint8Array, net: BitcoinNetwork, bits = decodeHeader(b).bits): Uint8Array {
  const info = bitsInfo(bits, net);
  if (!info) throw UrchainError.BAD_PROOF(`bitcoin header ${blockHashHex(b)}: bits ${bits.toString(16)} are not a valid ${net} target`);
  const hash = headerHash(b);
  if (!atMost(hash, info.target)) throw UrchainError.BAD_PROOF(`bitcoin header ${blockHashHex(b)}: its hash is above its target (no proof of work)`);
  return hash;
}

const RETARGET_INTERVAL = 2016;
const TARGET_TIMESPAN = 14 * 24 * 3600;

/** The bits after a retarget: the last bits scaled by the last 2016 blocks' timespan (Bitcoin's CalculateNextWorkRequired). */
export function retargetBits(net: BitcoinNetwork, lastBits: number, firstTime: number, lastTime: number): number {
  const span = Math.min(Math.max(lastTime - firstTime, TARGET_TIMESPAN / 4), TARGET_TIMESPAN * 4);
  let t = (targetOf(lastBits)! * BigInt(span)) / BigInt(TARGET_TIMESPAN);
  if (t > NETWORKS[net].powLimit) t = NETWORKS[net].powLimit;
  return compactOf(t);
}

/** The bits the block at `height` must carry, given the headers below it. */
function expectedBits(net: BitcoinNetwork, height: number, at: (h: number) => BitcoinHeader): number {
  const prev = at(height - 1);
  if (!NETWORKS[net].retarget || height % RETARGET_INTERVAL !== 0) return prev.bits;
  return retargetBits(net, prev.bits, at(height - RETARGET_INTERVAL).time, prev.time);
}

export interface HeaderChain {
  network: BitcoinNetwork;
  headers: Uint8Array[];
  /** Sum of the blocks' work, as a decimal string. */
  work: string;
}

/**
 * Checks raw headers (header i at height i, from the genesis block) as a Bitcoin node would:
 * genesis, links, proof of work, difficulty rule. Throws BAD_PROOF naming the first bad height.
 */
export function checkHeaderChain(raw: Uint8Array, net: BitcoinNetwork): HeaderChain {
  if (raw.length === 0 || raw.length % HEADER_LEN !== 0) throw UrchainError.BAD_ENCODING(`bitcoin headers file: ${raw.length} bytes is not a whole number of 80-byte headers`);
  const n = raw.length / HEADER_LEN;
  const headers = Array.from({ length: n }, (_, i) => raw.subarray(i * HEADER_LEN, (i + 1) * HEADER_LEN));
  const decoded = headers.map(decodeHeader);
  if (blockHashHex(headers[0]) !== NETWORKS[net].genesisHash) throw UrchainError.BAD_PROOF(`bitcoin headers file: the first header is not the ${net} genesis block ${NETWORKS[net].genesisHash}`);
  let work = bitsInfo(decoded[0].bits, net)!.work;
  let prevHash = headerHash(headers[0]);
  for (let i = 1; i < n; i++) {
    const h = decoded[i];
    try {
      if (!equal(h.prevHash, prevHash)) throw UrchainError.BAD_PROOF('it does not name the previous header');
      const bits = expectedBits(net, i, (k) => decoded[k]);
      if (h.bits !== bits) throw UrchainError.BAD_PROOF(`bits ${h.bits.toString(16)}, the difficulty rule demands ${bits.toString(16)}`);
      prevHash = checkWork(headers[i], net, h.bits);
    } catch (e) {
      throw UrchainError.BAD_PROOF(`bitcoin headers file: header at height ${i}: ${(e as Error).message}`);
    }
    work += bitsInfo(h.bits, net)!.work;
  }
  return { network: net, headers, work: work.toString() };
}

/**
 * Checks that the bitcoin attestation at `height` with `commitment` is in `header`: the merkle
 * root matches. Returns the block's hash and time.
 */
export function checkBitcoinAttestation(commitment: Uint8Array, header: Uint8Array, height: number): { height: number; blockHash: string; time: number } {
  const h = decodeHeader(header);
  if (commitment.length !== 32) throw UrchainError.BAD_PROOF(`bitcoin attestation at height ${height}: its commitment has ${commitment.length} bytes, not 32`);
  if (!equal(commitment, h.merkleRoot)) throw UrchainError.BAD_PROOF(`bitcoin attestation at height ${height}: the commitment is not the merkle root of block ${blockHashHex(header)}`);
  return { height, blockHash: blockHashHex(header), time: h.time };
}
