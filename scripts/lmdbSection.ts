/**
 * The LMDB STORE section of urchain-formats(5): the buckets of a data folder's chain.lmdb, from
 * the bucket table (src/store/buckets.ts) and the format steps (src/store/format.ts), so the page
 * cannot drift from what the store writes.
 */
import { BUCKETS, RECORD_NUMBER_BYTES } from '../src/store/buckets.js';
import { FORMAT_STEPS, currentFormat } from '../src/store/format.js';
import { MERGE_AT, MERGE_SLICE } from '../src/store/recentNumbers.js';
import { MERGE_MAX, DROP_CHUNK } from '../src/store/txIndex.js';

const roff = (l: string) => l.replace(/\\/g, '\\e').replace(/-/g, '\\-');

export function lmdbSection(): string {
  const rows = Object.values(BUCKETS)
    .map((b) => `.TP\n\\fB${b.name}\\fR (key ${b.key}${b.dupSort ? ', many values per key, sorted' : ''})\n${roff(b.layout)}`)
    .join('\n');
  const steps = FORMAT_STEPS.map((s) => `.TP\n\\fB${s.from} \\(-> ${s.to}\\fR\n${roff(s.about)}`).join('\n');
  return `.SH LMDB STORE
.PP
Without \\fB\\-\\-store\\fR a node keeps its chain in \\fIDATA\\fR/chain.lmdb, one LMDB environment with one
named database (bucket) per row below. The meta row \\fBformat\\fR (CBOR unsigned integer) is the store
format, ${currentFormat()} today; a folder of an older format is refused with the command that upgrades it,
\\fBurchain migrate\\fR(1), and one of a newer format is refused naming both versions. Buckets:
${rows}
.PP
A record number is ${RECORD_NUMBER_BYTES} bytes big\\-endian, given in arrival order when the record is taken in, so
byte order is number order: a new record is appended at the end of \\fBrecords\\fR and
\\fBrecentnumbers\\fR (LMDB MDB_APPEND: pages fill up instead of splitting); taking a record in writes
no random key. A \\fBrecentnumbers\\fR value is the record's txId (32 bytes). The txId \\(-> number index is
two buckets: \\fBrecentnumbers\\fR (number \\(-> txId) holds the records taken in since the last merge, and
\\fBrecordnumbers\\fR (txId \\(-> number) the rest. When a node holds as many recent txIds as an eighth of \\fBrecordnumbers\\fR' entries, at least ${MERGE_AT} and at
most ${MERGE_MAX}, it merges them: the run is every recent txId numbered below the first record whose
ingest is not yet durable. First the run's txIds are put into \\fBrecordnumbers\\fR, about ${MERGE_SLICE}
neighbouring keys per transaction (ids grouped by their first two bytes); the first of these transactions
also writes the meta row \\fBmerging\\fR (an empty value). Then the run's rows of \\fBrecentnumbers\\fR are
removed in number order, ${DROP_CHUNK} per transaction, and the transaction that finds none left removes
\\fBmerging\\fR. A merge cut short (a crash, a full disk, a stop) leaves txIds in both buckets; the next merge,
seeing \\fBmerging\\fR, puts only the txIds \\fBrecordnumbers\\fR does not hold. Every stored record's txId
is therefore in one of the two buckets, or in both with the same number; a reader looks a txId up in both (a node keeps \\fBrecentnumbers\\fR in memory), and a reader that scans
the buckets itself must take both. A \\fBrecords\\fR value is: 1 flags byte (bit 0: the payload is kept), txId (32),
batchRoot (32), index in batch (uint32 BE), core length (uint32 BE), the core bytes, then the payload
bytes to the end of the value.
.PP
Where the canonical chain holds records is kept as runs. A block's records, in block order, fall
into maximal runs of consecutive record numbers at consecutive indexes; \\fBplacedruns\\fR keys each
run by its first record's number and holds height, the first record's index in the block, and the
run's length (uint32 BE each, 12 bytes); the block is \\fBheights\\fR' row for that height. Record
number m is in a block if the run with the greatest key k \\(<= m has m < k + length: index + (m \\- k)
in the block at that height. Runs never overlap. The meta row \\fBpendingfrom\\fR (8 bytes, a record
number, big\\-endian; absent: 0) is a number below which every stored record is in a run; the pool (pending records) is every
record of \\fBrecords\\fR numbered from \\fBpendingfrom\\fR on that no run holds, in number order, which is
arrival order. A block connected puts its runs and, in the same transaction, moves \\fBpendingfrom\\fR
to the first stored record from it on that no run holds; a block disconnected removes every run at its height that holds one of its records, and
lowers \\fBpendingfrom\\fR to the lowest record number it held. A record taken back into the pool by a
reorganisation keeps its number, so the pool stays in arrival order. Example: records numbered 5..9
placed by the block at height 7 in the order 5, 6, 7, 9, 8 make the runs 5 \\(-> (7, 0, 3), 9 \\(-> (7, 3,
1) and 8 \\(-> (7, 4, 1), the first stored as key 0000000000000005, value 000000070000000000000003. A \\fBrecordnumbers\\fR value is the record
number (${RECORD_NUMBER_BYTES} bytes big\\-endian).
.PP
Other values: \\fBblocks\\fR a canonical CBOR array [header bytes (BLOCK HEADER), [[key, signature], ...],
cumulative work (unsigned integer), [frontier hash, ...]] where the frontier is that of the history
tree over block hashes 0..height of the block's branch; \\fBbodies\\fR the block's txIds, 32 bytes
each, concatenated in block order; \\fBbatches\\fR a canonical CBOR array [origin key (32 bytes),
signature (64 bytes), the batch's txIds concatenated]; \\fBheights\\fR, \\fBproducts\\fR, \\fBidem\\fR and
\\fBentangle\\fR values are raw 32\\-byte hashes.
.PP
\\fBlevels\\fR holds, for a block of n > 256 transactions only, the nodes of its RFC 9162 tree (BLOCK
HEADER merkle root) above the leaves of aligned chunks: chunk j covers leaves 256j up to
min(256j+256, n), and its root is the tree's node over those leaves (RFC 9162 splits at powers of
two, so each chunk is a subtree). The row is 32\\-byte nodes level by level from the bottom: the m =
\\(lc n/256\\(rc chunk roots, then \\(lc m/2\\(rc nodes, and so on up to 1, the block's merkle root; a
level's node i is SHA\\-256(0x01 || node 2i || node 2i+1) of the level below, and a last node without a
partner is carried up unchanged. Proofs read one chunk of \\fBbodies\\fR and the chunk root's path
from this row, and check the path against the header; a row of another length is ignored.
.PP
Format steps (\\fBurchain migrate\\fR runs each in one durable transaction that also writes its version):
${steps}
.PP
Bytes written per record: Linux 6.x with large folios in the page cache (ext4 since 6.16)
charges \\fB/proc/\\fIPID\\fB/io\\fR write_bytes with a whole folio (up to hundreds of KiB) when a
write dirties any page of it, while the disk receives the dirty 4 KiB pages; writes to random pages
of a large file therefore read as many times what reaches the disk, and sequential appends do not.
wchar (what the process asked to write) is the closer figure for random writes.
`;
}
