/**
 * An independent reader of archive export's tiles: Go's golang.org/x/mod/sumdb/tlog (the tiles'
 * reference implementation, tile height 8) reads the folder through a TileReader that maps its
 * paths onto C2SP's (no height element; entries for its data tiles), recomputes the tree hash
 * (verifying every tile it reads against it) and proves and checks records. Fails under CI when Go
 * is missing (.ci/run installs it); elsewhere it skips with the reason.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { tmpDir, cleanupAfter } from '../helpers.js';
import { haveGo, buildGo } from '../../support/golang.js';
import { exportTiles, type ChainSource } from '../../src/archive/tiles.js';
import { rootOf, leafHash } from '../../src/merkle/tree.js';
import { signTreeHead } from '../../src/transparency/checkpoint.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { toHex } from '../../src/codec/bytes.js';

cleanupAfter(test);

const CHECKER = `package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

type dirReader struct{ dir string }

func (r dirReader) Height() int { return 8 }

// C2SP drops Go's height element from the path: tile/8/L/N -> tile/L/N.
func (r dirReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := os.ReadFile(filepath.Join(r.dir, "tile/"+strings.TrimPrefix(t.Path(), "tile/8/")))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r dirReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func entry(dir string, n, m int64) []byte {
	idx := m / 256
	w := n - idx*256
	if w > 256 {
		w = 256
	}
	t := tlog.Tile{H: 8, L: 0, N: idx, W: int(w)}
	b, err := os.ReadFile(filepath.Join(dir, "tile/entries/"+strings.TrimPrefix(t.Path(), "tile/8/0/")))
	if err != nil {
		panic(err)
	}
	for k := int64(0); k < m%256; k++ {
		b = b[2+binary.BigEndian.Uint16(b):]
	}
	return b[2 : 2+binary.BigEndian.Uint16(b)]
}

func main() {
	dir := os.Args[1]
	n, _ := strconv.ParseInt(os.Args[2], 10, 64)
	raw, _ := hex.DecodeString(os.Args[3])
	var root tlog.Hash
	copy(root[:], raw)
	thr := tlog.TileHashReader(tlog.Tree{N: n, Hash: root}, dirReader{dir})
	h, err := tlog.TreeHash(n, thr)
	if err != nil || !bytes.Equal(h[:], root[:]) {
		fmt.Println("tree hash:", h, err)
		os.Exit(1)
	}
	for _, a := range os.Args[4:] {
		m, _ := strconv.ParseInt(a, 10, 64)
		p, err := tlog.ProveRecord(n, m, thr)
		if err != nil {
			fmt.Println("prove", m, err)
			os.Exit(1)
		}
		if err := tlog.CheckRecord(p, n, root, m, tlog.RecordHash(entry(dir, n, m))); err != nil {
			fmt.Println("check", m, err)
			os.Exit(1)
		}
	}
	fmt.Println("ok")
}
`;

const fake = (hashes: Uint8Array[], size: number, key: ReturnType<typeof generateKeyPair>): ChainSource => ({
  checkpoint: async () => {
    const root = rootOf(hashes.slice(0, size).map(leafHash));
    return { note: signTreeHead({ origin: 'urchain.example/go/0011223344556677', size, root }, key), size, root };
  },
  blockHashes: async (from, to) => hashes.slice(from, to),
  historyRoot: async (h) => rootOf(hashes.slice(0, h).map(leafHash)),
});

test("Go's sumdb/tlog reads the tiles: tree hash and record proofs, at the first size and after an incremental run", async () => {
  if (!haveGo()) {
    if (process.env.CI) assert.unreachable('go and golang.org/x/mod are missing (.ci/run installs golang-go and golang-golang-x-mod-dev)');
    console.log('  skipped: go or golang.org/x/mod not installed');
    return;
  }
  const checker = buildGo(CHECKER, 'tiles-checker');
  const hashes = Array.from({ length: 70_000 }, () => new Uint8Array(crypto.randomBytes(32)));
  const key = generateKeyPair();
  const dir = tmpDir();
  const check = (size: number, ms: number[]) => {
    const root = toHex(rootOf(hashes.slice(0, size).map(leafHash)));
    return execFileSync(checker, [dir, String(size), root, ...ms.map(String)], { encoding: 'utf8' }).trim();
  };
  await exportTiles(dir, fake(hashes, 1000, key));
  assert.is(check(1000, [0, 255, 256, 999]), 'ok');
  await exportTiles(dir, fake(hashes, 70_000, key));
  assert.is(check(70_000, [0, 999, 65_535, 65_536, 69_999]), 'ok');
  assert.is(check(1000, [500]), 'ok'); // the first run's partial tiles still serve its checkpoint
});

test.run();
