/**
 * The PASSPORT FILE section of urchain-formats(5): the urchain-passport/1 file byte for byte, its
 * reading and verification rules, merging, and the vector of test/vectors/passport.json (read
 * here, so gendocs needs no new argument).
 */
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../support/paths.js';

/** JSON, pretty-printed, unfilled, with roff's special characters escaped (copy-pasteable). */
const jsonBlock = (label: string, value: unknown): string =>
  `.PP\n${label}:\n.IP\n.nf\n${JSON.stringify(value, null, 1)
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n')}\n.fi`;

export function passportSection(): string {
  const pv = JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', 'passport.json'), 'utf8'));
  return `.SH PASSPORT FILE
.PP
\\fBurchain passport\\fR(1) writes every record of one item, each with what its proof needs, in one
file: \\fBurchain\\-passport/1\\fR. A record costs its core, its batch evidence and its Merkle path
(O(log n) hashes); block headers, their signatures and their countersignatures are stored once per
block and shared by the records in it. A passport of 1,000 records from 100 blocks without
payloads is about 1.2 MiB when each block holds 10 records, all of the item
(\\fBnpm run bench \\-\\- \\-\\-only passport\\fR). A record's batch path and inclusion path
grow with the log of its batch and block sizes (about 67 bytes per hash each): with 256 records
per block, 10 of them the item's, the same 1,000 records take about 1.8 MiB.
.PP
Bytes: the file is exactly the RFC 8785 canonical JSON of the document (members of every object
sorted by the UTF\\-16 code units of their names, no white space, strings as ECMAScript's
JSON.stringify writes them, integers in plain decimal) followed by one newline (0x0A). The JSON
rules above apply. The document, shown here in the writer's member order:
.IP
.nf
{
  "format": "urchain\\-passport/1",
  "items": [text, ...],          the codes it was made for, 1 to 1024,
                                 sorted by UTF\\-8 bytes, no duplicates
  "chains": [                    1 to 256, sorted by id
    { "id": hex chain id,        H(params)
      "chain": {chain parameters, as in a proof},
      "trust": {"chains": [id], "authorities": [...] (poa only),
                "origins": [keys], "name": params.name},
      "blocks": [                1 to 10^6, sorted by height, one per height
        { "hash", "header", "signatures"   as in a proof's block,
          "countersignatures": [ (optional, 1 to 64, sorted by partner chain id)
            { "link": {"block": index into this chain's blocks,
                       "history": {index, size, path}},
              "partner": a complete proof (PROOF FILE) of the
                         partner's entangle record } ] } ] } ],
  "records": [                   1 to 10^6
    { "chain": index into chains, "block": index into its blocks,
      "txId", "core", "payload" (absent when stripped), "evidence",
      "inclusion": {index, path}          as in a proof } ]
}
.fi
.PP
Each record stands for the proof (PROOF FILE) made of its own members, its block's hash,
header, signatures and countersignatures (each countersignature's link being the block it
indexes, with its hash, header and signatures, and its history) and its chain's parameters.
.PP
Order: records are sorted by their block's header.timestamp, then chain id (hex), height and
inclusion index. One chain's block times never decrease, so a single chain's records are in
chain order; the records of several chains interleave by block time, ties broken by chain id.
.PP
Derived members: "trust" lists the chain id, for poa the authorities of the parameters in their
order, as origins the origin keys of the chain's records (sorted, each once), and the chain's
name. It says which keys signed; a verifier never trusts it (it can be handed to a customer as a
starting point, to be compared with the company's own list). "id" is H(params) (CHAIN
PARAMETERS). No signature covers "items": the \\fBitems\\fR check below binds it to the records,
each of which names its identifiers in its signed core (meta "product", "id.NNNN", "epcis.hash"),
so a stripped passport is bound too.
.PP
Verification, in this order; the first failing check is reported, and every record keeps its own
verdict:
.TP
.B format
the JSON rules hold, the document follows the schema above (every member known, indexes in
range, the limits), and every record's proof follows the PROOF FILE \\fBformat\\fR rules.
.TP
.B canonical
the file is byte for byte what a writer makes from those records: the canonical form,
the order, each block referenced by a record or a link and stored once, one record per place
(chain, height, index), the derived members right. So no byte goes unread: a byte that no proof
check covers is covered here. The report names the first member that differs.
.TP
.B items
every record names one of the items: its meta "product", one of its "id.NNNN" identifiers or its
"epcis.hash" equals an item exactly. \\fBurchain passport\\fR lists the code it was given and,
when it differs, that code's identifier index key (the canonical GS1 Digital Link URI an EPCIS
record names), so a passport asked for by EPC URN holds both forms. A record of another item
fails the passport here, whatever its proof says.
.TP
.B the proof checks
each record's proof passes every PROOF FILE check from \\fBchain\\fR to \\fBcountersignature\\fR,
against the trust\\-list entry that names its chain: the list itself when its "chains" has the
chain id, else the partner entry that has it (then the list and its other partners are the
partners who may countersign the record). A record of a chain the list does not name fails
\\fBtrust\\fR. Without a trust list (\\fBurchain verify \\-\\-no\\-trust\\fR) the trust check is
skipped and the passport is never "trusted".
.PP
The passport is valid when every record is. \\fBurchain verify \\-\\-json\\fR prints
{format, valid, trusted, failed, reason, checks, items, chains: [{chainId, chain, party,
records}], records: [{index, txId, chainId, chain, party, origin, kind, bizStep, time, block:
{height, hash, time}, payloadIncluded, valid, failed, reason, checks, countersignedBy}],
summary: {records, valid, invalid}}; party is the name of the trust\\-list entry that names the
chain (null when no entry names it), bizStep the record's meta "bizStep", else its "epcis.bizStep" (null
without either), time when the record was taken in (its core timestamp) and block.time the block's
header timestamp, both ISO 8601 UTC text ("2026\\-01\\-02T03:04:05.000Z"); hashes, ids and keys are
lower\\-case hex; index, records, valid and invalid are integers; failed is the name of the first
failing check and reason its message (both only on a failure). \\fBurchain verify\\fR exits 0 when
the passport is valid and 1 when any check fails (the format check included); a trust list that
cannot be read is a usage error (BAD_INPUT, exit 2).
.PP
Limits: a passport of more than 268435456 (256 \\(mu 2^20) characters fails \\fBformat\\fR before it
is parsed; the other limits are those of the schema above (items 1 to 1024, chains 1 to 256,
blocks and records 1 to 10^6 each, countersignatures 1 to 64 per block) and of the PROOF FILE.
.PP
Merging (\\fBurchain passport merge\\fR): the union of the records of several passports, each read
with the \\fBformat\\fR and \\fBcanonical\\fR checks, written as above: items are joined, a record
at one place is kept once (with its payload when any copy has it), countersignatures of a block
are joined (one per partner chain). Two different blocks at one height of a chain, or two
different records at one place, are refused. Merging is order\\-free and idempotent.
.PP
Vector (test/vectors/passport.json): plant\\-a (seeds 0x20..) takes in two records of SN\\-9 in
block 1 (the second stripped), plant\\-b (seeds 0xa0..) takes in plant\\-a's checkpoint of block 1
in its block 1 (the countersignature, link block = block 1, empty history path) and a record of
SN\\-9 in its block 2. Merged, pretty\\-printed here (the file is one line):
${jsonBlock('merged passport', JSON.parse(pv.merged))}
.PP
SHA\\-256 of the merged passport file (its canonical bytes and the newline):
.IP
${pv.mergedSha256}
${jsonBlock('the trust list it verifies against', pv.trust)}`;
}
