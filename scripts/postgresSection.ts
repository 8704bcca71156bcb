/**
 * The POSTGRESQL STORE section of urchain-formats(5): the tables `--store postgres://…` keeps a
 * chain in, from the schema the store creates (src/store/postgresSchema.ts), so the page cannot
 * drift from it.
 */
import { CREATE_SCHEMA, PG_FORMAT, DEFAULT_PARTITION_SPAN, MAX_TEXT_KEY_BYTES } from '../src/store/postgresSchema.js';

const roff = (l: string) => l.replace(/\\/g, '\\e').replace(/-/g, '\\-');

export function postgresSection(): string {
  const ddl = CREATE_SCHEMA.trim()
    .split('\n')
    .map((l) => roff(l).replace(/^([.'])/, '\\&$1'))
    .join('\n');
  return `.SH POSTGRESQL STORE
.PP
With \\fB\\-\\-store postgres://USER@HOST:PORT/DB\\fR a node keeps its chain in PostgreSQL, schema
\\fBurchain\\fR, one table per bucket of the LMDB store (src/store/buckets.ts says what each holds). Values
that are hashed or signed elsewhere stay in their CBOR form (meta values, headers, block
signatures); ids and hashes are 32\\-byte \\fBbytea\\fR; several ids in one column (a block body, a
batch's txIds, a frontier) are 32\\-byte ids concatenated; text keys use the "C" collation, so they
sort by bytes as in LMDB. A text key (product code, identifier, idempotency key) is at most
${MAX_TEXT_KEY_BYTES} bytes of UTF\\-8 (LMDB's key limit, so both backends take the same keys) and holds no NUL
character; a longer one, or one with NUL, is refused with \\fBBAD_INPUT\\fR before anything is written.
.IP
.nf
${ddl}
.fi
.PP
\\fBtx_index\\fR is the one unique index of transaction ids; \\fBtxs\\fR and \\fBpayloads\\fR are
partitioned by range of \\fBat_height\\fR, the canonical height when the record was taken in (it never
changes, not on a reorganisation either), ${DEFAULT_PARTITION_SPAN.toLocaleString('en-US')} heights a partition unless the meta row
\\fBpartitionSpan\\fR says otherwise; partitions are named \\fBtxs_h\\fR\\fIstart\\fR and
\\fBpayloads_h\\fR\\fIstart\\fR and created by the commit that first needs them.
\\fBidentifiers\\fR holds one row per product code or identifier of a record. The meta row
\\fBformat\\fR (CBOR unsigned integer) is the schema version, ${PG_FORMAT} today; a database of another
version is refused. \\fBpending.arrival\\fR orders the pool; gaps are harmless.
\\fBlevels\\fR holds, for a block of more than 256 txIds, the same bytes as the LMDB store's \\fBlevels\\fR
row of that block (see LMDB STORE); a cold proof reads it and one 256\\-id slice of \\fBblocks.body\\fR.
The table is optional within schema 1: a database written before it has none until a writer opens
it (\\fBCREATE TABLE IF NOT EXISTS\\fR), and a block without a row is proved from its whole body.
.PP
Every write is one transaction (an ingest group commit, a block with its move of the canonical chain)
committed with synchronous_commit on before any receipt; the writer holds the session advisory lock
1970430824 ("urch") while it runs, and each write transaction first checks that its session still
holds it: after a server restart or an ended session the commit fails (no receipt) rather than
writing beside a second node.
`;
}
