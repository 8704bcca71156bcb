/**
 * The LMDB STORE section of urchain-formats(5): the buckets of a data folder's chain.lmdb, from
 * the bucket table (src/store/buckets.ts) and the format steps (src/store/format.ts), so the page
 * cannot drift from what the store writes.
 */
import { BUCKETS, RECORD_NUMBER_BYTES } from '../src/store/buckets.js';
import { FORMAT_STEPS, currentFormat } from '../src/store/format.js';
import { MERGE_AT, MERGE_SLICE } from '../src/store/recentNumbers.js';
import { DROP_CHUNK } from '../src/store/txIndex.js';
import { ENTRIES_PER_BLOCK, ENTRY_BYTES, FENCES_PER_ROW } from '../src/store/txRuns.js';

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
byte order is number order: a new record is appended at the end of \\fBrecords\\fR (LMDB MDB_APPEND:
pages fill up instead of splitting); taking a record in writes no random key. The txId \\(-> number
index is the recent records, those numbered from the meta row \\fBrecentfrom\\fR (8 bytes, a record
number, big\\-endian; absent: 0) on, whose \\fBrecords\\fR values hold their txIds; the sorted runs of
\\fBtxruns\\fR; and, in a store migrated from format 4, \\fBrecordnumbers\\fR (txId \\(-> number, read
and never written since). Every record numbered below \\fBrecentfrom\\fR has its txId in a listed run or
in \\fBrecordnumbers\\fR. A run is a sequence of entries, each a txId (32 bytes) followed by its record
number (8 bytes big\\-endian), ${ENTRY_BYTES} bytes, in ascending bytewise txId order, each txId once. It is stored
as blocks of ${ENTRIES_PER_BLOCK} entries (the last block fewer, never none), concatenated, under the \\fBtxruns\\fR key
run id (uint32 BE) || block index (uint32 BE, from 0). \\fBtxfences\\fR holds under the key run id ||
row index (uint32 BE each) the first 8 bytes of the first txId of each block, in block order, ${FENCES_PER_ROW}
blocks to a row (the last row fewer). The meta row \\fBtxruns\\fR lists the live runs, oldest first,
as a canonical CBOR array of [run id, number of entries] (a run has \\(lcentries/${ENTRIES_PER_BLOCK}\\(rc blocks);
keys of \\fBtxruns\\fR and \\fBtxfences\\fR under a run id the list does not name are left over and mean
nothing. To look a txId up: among the recent records; then in each live run from the newest to the
oldest, in the last block whose fence is \\(<= the txId's first 8 bytes, compared bytewise as unsigned
(none: not in that run), and,
while that fence equals the txId's first 8 bytes, in the block before it too; then in
\\fBrecordnumbers\\fR. A txId may be found in more than one of these places, always under the same
number. A listed run with a block missing, or whose fence rows do not hold exactly one fence per
block, is a damaged store (this release refuses the lookup with a STORE error). Example: run 1 holding txIds 0a0a..0a (32 bytes) as record 5 and 0b0b..0b as record 258 is
the \\fBtxruns\\fR key 0000000100000000 with the value 0a0a..0a 0000000000000005 0b0b..0b 0000000000000102
(80 bytes), the \\fBtxfences\\fR key 0000000100000000 with the value 0a0a0a0a0a0a0a0a, and, were it the
only run, the meta row \\fBtxruns\\fR 81820102 ([[1, 2]]).
.PP
When a node holds ${MERGE_AT} recent txIds durably, it flushes them: the new run takes a run id above every
run id with keys on disk and holds every recent txId numbered below the first record whose ingest
is not yet durable. Its blocks are appended about ${MERGE_SLICE} entries per transaction; one transaction
writes the last block, the fences and the new list, and moves \\fBrecentfrom\\fR to that first record's
number. While some run's floor(log2(entries)) is at least
that of the run before it (the newest such pair first), the two are merged into a new run (read in order, written the same
way, a txId in both once), listed in their place by one transaction. Keys of runs the list no
longer names are then removed, ${DROP_CHUNK} per transaction. Cut short anywhere (a crash, a full disk, a
stop), this leaves keys of a run not listed, which the next merge removes; a record whose txId is
both recent and in a run (a store migrated from format 4) is there under the same number. A reader
that scans the index itself must take every part of it. A \\fBrecords\\fR value is: 1 flags byte (bit 0: the payload is kept), txId (32),
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
