/**
 * @module transparency/tiles
 * C2SP tlog-tiles (c2sp.org/tlog-tiles): a Merkle tree as static files, and the tree read back from
 * them. Pure (no I/O): src/archive writes the files, a verifier reads them through `TileReader`.
 *
 *   tile/<L>/<N>[.p/<W>]      hash tile: up to 256 hashes of 32 bytes, concatenated. At level 0 the
 *                             leaf hashes; at level L the roots of the full tiles of level L-1, so
 *                             hash i of tile N at level L is MTH(D[(N*256+i)*256^L : (N*256+i+1)*256^L])
 *   tile/entries/<N>[.p/<W>]  entry bundle: the entries of level-0 tile N, each as a big-endian
 *                             uint16 length and the entry's bytes
 *
 * <N> is written in groups of three digits, all but the last prefixed "x" (1234067 ->
 * x001/x234/067); a full tile holds 256 hashes, the rightmost ones of a tree are partial, with
 * width W = floor(size / 256^L) mod 256, and never empty. Hashing is RFC 9162's (merkle/tree).
 */
import { concat } from '../codec/bytes.js';
import { leafHash, nodeHash } from '../merkle/tree.js';
import { UrchainError } from '../errors.js';

export const TILE_WIDTH = 256;
const HASH = 32;

/** "x001/x234/067" for 1234067: three-digit groups, all but the last prefixed with "x". */
export function encodeTileIndex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw UrchainError.BAD_INPUT(`tile index ${n}: expected a whole number`);
  const groups: string[] = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** The path of a hash tile (level >= 0) or, for level "entries", of an entry bundle; width < 256 makes it partial. */
export function tilePath(level: number | 'entries', index: number, width = TILE_WIDTH): string {
  if (!(width >= 1 && width <= TILE_WIDTH)) throw UrchainError.BAD_INPUT(`tile width ${width}: expected 1-256`);
  return `tile/${level}/${encodeTileIndex(index)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

/** Hashes at level `level` of a tree of `size` leaves: floor(size / 256^level). */
export const levelLength = (size: number, level: number): number => Math.floor(size / TILE_WIDTH ** level);

export interface TileRef {
  level: number;
  index: number;
  /** 256 for a full tile. */
  width: number;
}

/** Every tile of a tree of `size` leaves at `level` from tile `fromIndex` on (full ones, then a partial one). */
export function tilesAt(size: number, level: number, fromIndex = 0): TileRef[] {
  const n = levelLength(size, level);
  const out: TileRef[] = [];
  for (let i = fromIndex; i * TILE_WIDTH < n; i++) out.push({ level, index: i, width: Math.min(TILE_WIDTH, n - i * TILE_WIDTH) });
  return out;
}

/** The root of a perfect tree whose leaves' hashes (level-0 hashes) are `hashes` (a power of two of them). */
export function perfectRoot(hashes: readonly Uint8Array[]): Uint8Array {
  let level = hashes.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    level = next;
  }
  return level[0];
}

/** A tile's bytes as its hashes. */
export function splitTile(bytes: Uint8Array, width: number, what = 'tile'): Uint8Array[] {
  if (bytes.length !== width * HASH) throw UrchainError.BAD_ENCODING(`${what}: ${bytes.length} bytes, expected ${width} hashes of 32 bytes`);
  return Array.from({ length: width }, (_, i) => bytes.subarray(i * HASH, (i + 1) * HASH));
}

/** An entry bundle: each entry as a big-endian uint16 length and its bytes. */
export function entryBundle(entries: readonly Uint8Array[]): Uint8Array {
  return concat(
    ...entries.flatMap((e) => {
      if (e.length > 0xffff) throw UrchainError.BAD_INPUT(`entry of ${e.length} bytes: at most 65535 fit a bundle`);
      return [Uint8Array.of(e.length >> 8, e.length & 0xff), e];
    }),
  );
}

/** The entries of a bundle; refuses trailing or missing bytes. */
export function parseEntryBundle(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < b.length) {
    if (i + 2 > b.length) throw UrchainError.BAD_ENCODING('entry bundle: a length cut short');
    const n = (b[i] << 8) | b[i + 1];
    if (i + 2 + n > b.length) throw UrchainError.BAD_ENCODING('entry bundle: an entry cut short');
    out.push(b.subarray(i + 2, i + 2 + n));
    i += 2 + n;
  }
  return out;
}

/** Reads hash tiles: the bytes of tile (level, index) of the given width, as the files hold them. */
export type TileReader = (t: TileRef) => Uint8Array;

/**
 * A tree of `size` leaves read from its tiles. Hashes are taken from the tiles the checkpoint of
 * that size needs (the full tiles, and the partial ones of exactly that size), and every subtree
 * hash is computed from them by RFC 9162's rules: nothing but the files is trusted.
 */
export class TiledTree {
  private cache = new Map<string, Uint8Array[]>();
  constructor(
    readonly size: number,
    private readonly read: TileReader,
  ) {}

  /** Hash `i` at `level` (the root of leaves [i*256^level, (i+1)*256^level)). */
  private levelHash(level: number, i: number): Uint8Array {
    const n = levelLength(this.size, level);
    if (i >= n) throw UrchainError.BAD_INPUT(`no hash ${i} at level ${level} in a tree of ${this.size}`);
    const index = Math.floor(i / TILE_WIDTH);
    const width = Math.min(TILE_WIDTH, n - index * TILE_WIDTH);
    const key = `${level}/${index}/${width}`;
    let hashes = this.cache.get(key);
    if (!hashes) {
      hashes = splitTile(this.read({ level, index, width }), width, tilePath(level, index, width));
      this.cache.set(key, hashes);
    }
    return hashes[i % TILE_WIDTH];
  }

  /** MTH of the perfect subtree of 2^k leaves starting at leaf `start` (start a multiple of 2^k). */
  private perfect(start: number, k: number): Uint8Array {
    const level = Math.floor(k / 8);
    const below = k % 8; // the 2^below hashes of `level` under this subtree, hashed together here
    const first = start / TILE_WIDTH ** level;
    return perfectRoot(Array.from({ length: 2 ** below }, (_, j) => this.levelHash(level, first + j)));
  }

  /** MTH(D[start:end]) by RFC 9162 §2.1.1's split. */
  hash(start = 0, end = this.size): Uint8Array {
    const n = end - start;
    if (n <= 0) throw UrchainError.BAD_INPUT('empty range');
    const k = Math.log2(n);
    if (Number.isInteger(k) && start % n === 0) return this.perfect(start, k);
    const split = 2 ** Math.floor(Math.log2(n - 1));
    return nodeHash(this.hash(start, start + split), this.hash(start + split, end));
  }

  /** The leaf hash of entry m (level 0). */
  leaf(m: number): Uint8Array {
    return this.levelHash(0, m);
  }

  /** RFC 9162 §2.1.3.1 inclusion proof of leaf m in this tree. */
  inclusion(m: number, start = 0, end = this.size): Uint8Array[] {
    if (m < start || m >= end) throw UrchainError.BAD_INPUT(`leaf ${m} is not in a tree of ${this.size}`);
    const n = end - start;
    if (n === 1) return [];
    const split = 2 ** Math.floor(Math.log2(n - 1));
    return m - start < split ? [...this.inclusion(m, start, start + split), this.hash(start + split, end)] : [...this.inclusion(m, start + split, end), this.hash(start, start + split)];
  }
}

/** The level-0 hashes of entries (leaf hashes), for writing tiles. */
export const leafHashes = (entries: readonly Uint8Array[]): Uint8Array[] => entries.map(leafHash);
