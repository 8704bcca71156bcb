/**
 * The TLOG TILES section of urchain-formats(5): the folder `urchain archive export --tiles` writes
 * (c2sp.org/tlog-tiles over the chain's history log), byte for byte, with a worked example
 * computed here by the code that writes the files (transparency/tiles), so it cannot drift.
 */
import { hexBlock as block } from './roff.js';
import { entryBundle, tilePath } from '../src/transparency/tiles.js';
import { leafHash, rootOf } from '../src/merkle/tree.js';
import { sha256 } from '../src/crypto/hash.js';
import { concat, toHex, toBase64 } from '../src/codec/bytes.js';

export function tilesSection(): string {
  // Three made-up block hashes: SHA-256 of "urchain tiles example 0", 1, 2.
  const entries = [0, 1, 2].map((i) => sha256(new TextEncoder().encode(`urchain tiles example ${i}`)));
  const leaves = entries.map(leafHash);
  return `.SH TLOG TILES
.PP
\\fBurchain archive export \\-\\-tiles\\fR \\fIDIR\\fR(1) writes the chain's history log (section
C2SP CHECKPOINT: leaf \\fIi\\fR is leafHash(hash of the canonical block at height \\fIi\\fR)) as
static files in the layout of c2sp.org/tlog\\-tiles, so that any web server, CDN or object store
can serve it and a verifier can compute every inclusion and consistency proof itself, with no
query server in the path. All paths are relative to DIR (the URL prefix it is served under):
.TP
.B checkpoint
The signed checkpoint of section C2SP CHECKPOINT (origin, size \\fIN\\fR, root; a signed note of
the chain key), covering only final blocks. Mutable: serve it with \\fBcontent\\-type: text/plain;
charset=utf\\-8\\fR and caching of a few seconds at most.
.TP
.B tile/\\fIL\\fB/\\fIN\\fB[.p/\\fIW\\fB]
Hash tile \\fIN\\fR at level \\fIL\\fR: 32\\-byte hashes concatenated, 256 in a full tile (8,192
bytes). Hash \\fIi\\fR of tile \\fIN\\fR at level \\fIL\\fR is MTH(D[(\\fIN\\fR\\(mu256+\\fIi\\fR)\\(mu256^\\fIL\\fR
: (\\fIN\\fR\\(mu256+\\fIi\\fR+1)\\(mu256^\\fIL\\fR]) of RFC 9162 over the leaves: at level 0 the leaf
hashes SHA\\-256(0x00 || block hash), at level \\fIL\\fR > 0 the root of the perfect tree over full
tile \\fIN\\fR\\(mu256+\\fIi\\fR of level \\fIL\\fR\\-1. \\fIN\\fR is written as three\\-digit groups, every
group but the last prefixed with "x": 1234067 is \\fBx001/x234/067\\fR, 5 is \\fB005\\fR. The rightmost
tile of each level is partial when floor(\\fIN\\fR/256^\\fIL\\fR) mod 256 = \\fIW\\fR > 0: it holds
\\fIW\\fR hashes and its path ends in \\fB.p/\\fR\\fIW\\fR; a partial tile is never hashed into the level
above, and there are no empty tiles.
.TP
.B tile/entries/\\fIN\\fB[.p/\\fIW\\fB]
Entry bundle \\fIN\\fR: the entries of level\\-0 tile \\fIN\\fR, each a big\\-endian uint16 length (here
always 0x0020) followed by the entry, which is the 32\\-byte block hash. An entry hashes to the
matching leaf hash of the level\\-0 tile.
.PP
Tiles and bundles are immutable: serve them with \\fBcontent\\-type: application/octet\\-stream\\fR
and long\\-lived caching. Do not expect them to compress: the entries are hashes, random bytes
but for the 2\\-byte length before each. A tree of size 70,000 has 273 full level\\-0
tiles and one of width 112, one full level\\-1 tile and one of width 17, and one level\\-2 tile of
width 1; a tree of 256 one full level\\-0 tile and a level\\-1 tile of width 1.
.PP
Every run starts from DIR/checkpoint and writes only what is new: the tiles and bundles from the
last partial one of each level on, then the checkpoint, each file whole (a temporary file
renamed), the checkpoint last. Before writing it checks that the chain still extends the exported
tree (the historyRoot of the block at height \\fIN\\fR equals its root) and that the new tree's
root computed from the tiles equals the new checkpoint's; otherwise it writes nothing. Partial
tiles of earlier sizes are kept, so clients holding an older checkpoint can still read them.
.PP
To verify block \\fIm\\fR of a tree of size \\fIN\\fR: fetch and open the checkpoint with the chain's
key (origin and key name as in C2SP CHECKPOINT); fetch the bundle and the tiles that RFC 9162's
inclusion path for \\fIm\\fR needs (a subtree of 256^\\fIL\\fR leaves is one hash of level \\fIL\\fR;
a smaller perfect subtree is hashed from the hashes of one tile); check that the entry's leaf hash is
in its level\\-0 tile and that the path leads to the root. Go's golang.org/x/mod/sumdb/tlog reads
these tiles (its tile height 8, its paths without the height element and with \\fBentries\\fR for
its data tiles) and the test suite checks urchain's files with it.
.PP
Example: three entries, the SHA\\-256 of the ASCII texts "urchain tiles example 0", "... 1" and
"... 2" in place of block hashes (a tree of size 3: only partial tiles).
${block(`${tilePath('entries', 0, 3)}`, toHex(entryBundle(entries)))}
${block(`${tilePath(0, 0, 3)} (the three leaf hashes)`, toHex(concat(...leaves)))}
${block('root (the checkpoint\\(aqs third line is its base64, ' + toBase64(rootOf(leaves)).replace(/-/g, '\\-') + ')', toHex(rootOf(leaves)))}`;
}
