/**
 * @module archive/tiles
 * `urchain archive export --tiles DIR`: the chain's history log (leaf i = the hash of the canonical
 * block at height i, the log node/tlog's checkpoints sign) as C2SP tlog-tiles static files
 * (transparency/tiles): DIR/checkpoint, DIR/tile/<L>/<N>[.p/<W>] and DIR/tile/entries/<N>[.p/<W>],
 * whose entries are the 32-byte block hashes. Any web server, CDN or object store can serve the
 * folder; a verifier needs nothing else (and the chain's key for the checkpoint).
 *
 * Incremental: full tiles never change, so a later run reads DIR/checkpoint, checks that the
 * chain still extends the tree it signed (the historyRoot of the block at that height is its
 * root), and writes only what is new: the tiles and bundles from the last partial one on, then the
 * checkpoint. Higher-level hashes that need older full tiles read them from DIR. Before anything is
 * written the new tree's root, computed from the tiles, must equal the checkpoint's: a block hash
 * or an old tile that does not fit refuses the run. Files are written whole and durably (a temp
 * file fsynced and renamed; a failed write leaves no temp file), every folder touched is fsynced,
 * and the checkpoint comes last, itself fsynced with its folder, so a reader never finds a checkpoint whose tiles are missing; partial tiles
 * of earlier runs stay (clients holding an older checkpoint may still fetch them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { toHex, concat } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import { fsyncDir, mkdirDurable, writeFileDurable } from '../io/durableFile.js';
import { parseNote } from '../transparency/note.js';
import { parseCheckpointText } from '../transparency/checkpoint.js';
import { TILE_WIDTH, TiledTree, entryBundle, leafHashes, levelLength, perfectRoot, splitTile, tilePath, tilesAt, type TileRef } from '../transparency/tiles.js';

/** Where the chain comes from: a data folder or a node (see commands/archive/export). */
export interface ChainSource {
  /** The signed checkpoint to publish, with its size and root. */
  checkpoint(): Promise<{ note: string; size: number; root: Uint8Array }>;
  /** Hashes of the canonical blocks at heights [from, to). */
  blockHashes(from: number, to: number): Promise<Uint8Array[]>;
  /** header.historyRoot of the canonical block at `height`: the root of the blocks below it. */
  historyRoot(height: number): Promise<Uint8Array>;
}

export interface ExportReport {
  dir: string;
  origin: string;
  size: number;
  root: string;
  /** The size of the export found in DIR before this run (0: none). */
  previousSize: number;
  /** Files written by this run (the checkpoint included), and of them hash tiles and entry bundles. */
  written: number;
  tiles: number;
  bundles: number;
}

/** The size and root of DIR/checkpoint, or undefined when there is none. */
export function readExportedHead(dir: string): { size: number; root: Uint8Array; origin: string; note: string } | undefined {
  const file = path.join(dir, 'checkpoint');
  if (!fs.existsSync(file)) return undefined;
  const note = fs.readFileSync(file, 'utf8');
  const h = parseCheckpointText(parseNote(note).text);
  return { size: h.size, root: h.root, origin: h.origin, note };
}

/** Reads a hash tile of an export (throws NOT_FOUND when it is missing). */
export function readTileFile(dir: string, t: TileRef): Uint8Array {
  const file = path.join(dir, tilePath(t.level, t.index, t.width));
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch {
    throw UrchainError.NOT_FOUND(`${file} is missing: the export in ${dir} is incomplete`);
  }
}

/**
 * Writes `bytes` at DIR/rel whole and durably (io/durableFile), without the folder's fsync: that
 * is done once per folder (`touched`) before the checkpoint that publishes the files.
 */
function writeWhole(dir: string, rel: string, bytes: Uint8Array | string, touched: Set<string>) {
  const file = path.join(dir, rel);
  for (const d of mkdirDurable(path.dirname(file))) touched.add(d);
  writeFileDurable(file, bytes, { syncDir: false });
  touched.add(path.dirname(file));
}

/** The checkpoint last: every tile folder durable first, then the checkpoint and its folder. */
function publish(dir: string, note: string, touched: Set<string>) {
  for (const d of touched) fsyncDir(d);
  writeFileDurable(path.join(dir, 'checkpoint'), note);
}

/** Exports (or brings up to date) the tiles of `src`'s chain in `dir`. */
export async function exportTiles(dir: string, src: ChainSource): Promise<ExportReport> {
  const cp = await src.checkpoint();
  const origin = parseCheckpointText(parseNote(cp.note).text).origin;
  const old = readExportedHead(dir);
  const oldSize = old?.size ?? 0;
  if (old && old.origin !== origin) throw UrchainError.BAD_CHAIN(`${dir} holds the tiles of ${old.origin}, not of ${origin}: export each chain to its own folder`);
  if (cp.size < oldSize) throw UrchainError.BAD_CHAIN(`${dir} holds a tree of ${oldSize} blocks, the chain's checkpoint covers ${cp.size}: tiles never shrink (use a larger --depth or a new folder)`);
  if (old && cp.size === oldSize) {
    if (toHex(old.root) !== toHex(cp.root)) throw UrchainError.BAD_CHAIN(`the chain's tree of ${cp.size} blocks has another root than the one exported in ${dir}: its blocks were replaced`);
    const same = old.note === cp.note;
    if (!same) publish(dir, cp.note, new Set());
    return { dir, origin, size: cp.size, root: toHex(cp.root), previousSize: oldSize, written: same ? 0 : 1, tiles: 0, bundles: 0 };
  }
  if (old && oldSize > 0 && toHex(await src.historyRoot(oldSize)) !== toHex(old.root))
    throw UrchainError.BAD_CHAIN(`the chain no longer extends the tree of ${oldSize} blocks exported in ${dir} (a reorganisation deeper than the checkpoint depth?); export to a new folder`);

  // Level 0: leaves from the first tile that is not full in the old export.
  const start = Math.floor(oldSize / TILE_WIDTH) * TILE_WIDTH;
  const entries = await src.blockHashes(start, cp.size);
  const files = new Map<string, Uint8Array>();
  let prev = { offset: start, hashes: leafHashes(entries) };
  for (const t of tilesAt(cp.size, 0, start / TILE_WIDTH)) {
    const a = t.index * TILE_WIDTH - start;
    files.set(tilePath(0, t.index, t.width), concat(...prev.hashes.slice(a, a + t.width)));
    files.set(tilePath('entries', t.index, t.width), entryBundle(entries.slice(a, a + t.width)));
  }
  // Level L: hash j is the root of full tile j of level L-1, from this run or read from DIR.
  for (let level = 1; levelLength(cp.size, level) > 0; level++) {
    const from = Math.floor(levelLength(oldSize, level) / TILE_WIDTH) * TILE_WIDTH;
    const hashes: Uint8Array[] = [];
    for (let j = from; j < levelLength(cp.size, level); j++) {
      const below = j * TILE_WIDTH >= prev.offset ? prev.hashes.slice(j * TILE_WIDTH - prev.offset, (j + 1) * TILE_WIDTH - prev.offset) : splitTile(readTileFile(dir, { level: level - 1, index: j, width: TILE_WIDTH }), TILE_WIDTH);
      hashes.push(perfectRoot(below));
    }
    for (const t of tilesAt(cp.size, level, from / TILE_WIDTH)) {
      const a = t.index * TILE_WIDTH - from;
      files.set(tilePath(level, t.index, t.width), concat(...hashes.slice(a, a + t.width)));
    }
    prev = { offset: from, hashes };
  }

  // The files must prove the checkpoint before any is written.
  const tree = new TiledTree(cp.size, (t) => files.get(tilePath(t.level, t.index, t.width)) ?? readTileFile(dir, t));
  if (toHex(tree.hash()) !== toHex(cp.root)) throw UrchainError.BAD_CHAIN(`the tiles of ${cp.size} blocks do not give the checkpoint's root: a block hash or a tile in ${dir} does not fit`);
  const touched = new Set<string>();
  for (const [rel, bytes] of files) {
    const existing = path.join(dir, rel);
    // A full tile is immutable: one already there must hold these bytes (it does, as the root matched).
    if (fs.existsSync(existing) && Buffer.compare(fs.readFileSync(existing), bytes) === 0) {
      files.delete(rel);
      continue;
    }
    writeWhole(dir, rel, bytes, touched);
  }
  publish(dir, cp.note, touched);
  const bundles = [...files.keys()].filter((k) => k.startsWith('tile/entries/')).length;
  return { dir, origin, size: cp.size, root: toHex(cp.root), previousSize: oldSize, written: files.size + 1, tiles: files.size - bundles, bundles };
}
