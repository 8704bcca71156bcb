/**
 * The GRAPHQL section of urchain-api(7): /graphql's transport, limits, errors, schema and example
 * queries. The schema is node/graphql/schema's SDL, the limits node/graphql/limits' defaults and
 * weights, the examples node/graphql/examples (which test/graphql runs against a real node), so
 * the page cannot drift from the code.
 */
import { SDL } from '../src/node/graphql/schema.js';
import { DEFAULT_LIMITS as L, FIELD_COST, MAX_VISITS } from '../src/node/graphql/limits.js';
import { GRAPHQL_EXAMPLES } from '../src/node/graphql/examples.js';

/** Text lines unfilled, roff's special characters escaped (copy-pasteable). */
const nf = (text: string): string =>
  `.nf\n${text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.replace(/\\/g, '\\e').replace(/-/g, '\\-'))
    .map((l) => (l === '' ? '\\&' : /^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n')}\n.fi`;

const examples = () =>
  GRAPHQL_EXAMPLES.map((e) => {
    const body = JSON.stringify({ query: e.query.replace(/\s+/g, ' '), ...(e.variables ? { variables: e.variables } : {}) });
    return `.PP\n${e.about}:\n.IP\n${nf(e.query)}\n.IP\n${nf(`curl -s http://127.0.0.1:7400/graphql -H 'content-type: application/json' \\\n  --data '${body}'`)}`;
  }).join('\n');

export function graphqlSection(): string {
  const weights = Object.entries(FIELD_COST)
    .map(([f, c]) => `\\fB${f}\\fR ${c}`)
    .join(', ');
  return `.SH GRAPHQL
.PP
With \\fBurchain node run \\-\\-graphql\\fR the node also answers GraphQL queries at \\fB/graphql\\fR on
the API's address, read\\-only, under the rules of WHO MAY CALL IT (the bearer token, Host and
Origin; refusals there are the API's own \\fB{"error"}\\fR answers). The engine is graphql\\-js 16;
the transport is GraphQL over HTTP (the GraphQL Foundation's draft):
.TP
.B GET /graphql?query=\\fIDOCUMENT\\fB&variables=\\fIJSON\\fB&operationName=\\fINAME\\fB
Queries only: a mutation or subscription sent by GET is 405 with \\fBAllow: POST\\fR.
.TP
.B POST /graphql
\\fBcontent\\-type: application/json\\fR (else 415), body \\fB{"query", "variables"?,
"operationName"?}\\fR, at most ${L.maxRequestBytes / 1024} KiB (as is a GET query string; 413 above).
.PP
The answer is \\fBapplication/graphql\\-response+json\\fR when the request's Accept allows it (and
when it has no Accept), else \\fBapplication/json\\fR when it allows that, else 406. With
application/graphql\\-response+json, a request that is not run (the body is not JSON, no query,
a syntax or validation error, a limit below, variables that do not fit) is 400 and one that ran is
200, with or without errors; with application/json a request whose parameters are well\\-formed
(JSON, a query string, variables an object) is 200 whatever its GraphQL errors, and only a
malformed one is 400. The body
follows the GraphQL specification: \\fB{"data"?, "errors"?}\\fR, each error
\\fB{"message", "locations"?, "path"?, "extensions": {"code"}}\\fR. A field that fails is null with
its error beside the data of the others (a record not in a block yet has no proof: CONFLICT).
.PP
The schema has no mutation type: nothing can be written through /graphql (records go in by
\\fBPOST /v1/records\\fR), and a mutation or subscription is refused with code READ_ONLY before it
is validated.
.SS Limits
.PP
Whoever reaches the API can send any query, so a query's price is bounded, and the static limits
are checked on the parsed document before anything is read:
.TP
.B \\-\\-graphql\\-max\\-depth \\fIN\\fR (default ${L.maxDepth})
Deepest nesting of fields, fragments expanded where they are spread. Code DEPTH_LIMIT.
.TP
.B \\-\\-graphql\\-max\\-cost \\fIN\\fR (default ${L.maxCost})
Every field costs 1, except ${weights}. Below a field that takes \\fBfirst\\fR, the \\fBedges\\fR
and \\fBnodes\\fR are counted once per record or block the page may hold (first, or the default
page of ${L.defaultPage}). So \\fB{ records(first: 10) { nodes { txId proof } } }\\fR costs
10 + 10 + 10 \\(mu (1 + 50) = 530. The answer names the cost. Code COST_LIMIT.
.TP
.B \\-\\-graphql\\-max\\-page \\fIN\\fR (default ${L.maxPage})
Largest \\fBfirst\\fR; without first a page holds ${L.defaultPage} (or the cap, if lower). Code PAGE_LIMIT.
.TP
.B \\-\\-graphql\\-timeout \\fIDURATION\\fR (default ${L.timeoutMs / 1000}s)
Time budget of one query's execution, checked before every field: past it the query stops, the
field that was due is null with code TIMEOUT (one such error), and the answer is 200 with what
was done.
.TP
.B \\-\\-graphql\\-introspection true|false (default true)
Whether \\fB__schema\\fR and \\fB__type\\fR are answered; off, they are code INTROSPECTION_DISABLED
(400). \\fBurchain graphql schema\\fR prints the schema without asking a node. \\fB__typename\\fR
is always answered.
.TP
.B \\-\\-graphql\\-max\\-payload \\fIBYTES\\fR (default ${L.maxPayload / 1024 / 1024} MiB)
Largest payload \\fBRecord.payload\\fR returns; a larger one is code TOO_LARGE for that field
(GET /v1/txs/\\fIid\\fR?payload=1 and \\fBurchain prove\\fR still give it).
.PP
A document of more than ${L.maxTokens} tokens is not parsed (GRAPHQL_PARSE_FAILED); one whose
selections, fragments expanded, are more than ${MAX_VISITS} is refused as COST_LIMIT before it is
priced further. At most ${L.maxConcurrent} /graphql requests are in progress at once (a body being
read counts); one more is answered 503 with \\fBRetry\\-After: 1\\fR, code UNAVAILABLE, so a burst of
heavy queries cannot hold the node's thread away from ingest.
.SS Error codes
.PP
\\fBextensions.code\\fR is one of urchain's codes (ERRORS above: BAD_INPUT for a bad argument or
cursor, NOT_FOUND, CONFLICT, TOO_LARGE, TIMEOUT, INTERNAL for a defect, logged) or one of
GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_REQUEST (the HTTP request itself:
JSON, variables, operationName), READ_ONLY, DEPTH_LIMIT, COST_LIMIT, PAGE_LIMIT,
INTROSPECTION_DISABLED, NOT_ACCEPTABLE (406), UNSUPPORTED_MEDIA_TYPE (415). The limit errors also
carry \\fBlimit\\fR (and COST_LIMIT \\fBcost\\fR).
.SS Pages and cursors
.PP
Lists of records and blocks are Relay\\-style connections: \\fBedges { cursor node }\\fR,
\\fBnodes\\fR, \\fBpageInfo { hasNextPage endCursor }\\fR; the next page is asked for with
\\fBafter:\\fR the last endCursor. A cursor is opaque (base64url text naming a position in chain
order: a block height, or a record's height and index in its block, pending records last by time),
so a page asked for later continues where the last one ended even after new blocks. A cursor this
API did not give out is BAD_INPUT.
.SS Answers
.PP
They are the node's other answers in another shape: \\fBRecord.proof\\fR is the JSON
\\fBurchain prove\\fR writes (\\fBproof(stripped: true)\\fR as \\fBprove \\-\\-stripped\\fR);
\\fBtrace\\fR lists what \\fBurchain trace\\fR lists in the same order, with the same txId,
timestamp, time, kind, origin, meta, product and block; \\fBBlock.header\\fR and
\\fBsignatures\\fR are those of GET /v1/blocks/\\fIref\\fR. \\fBrecords\\fR lists only records in
blocks of the canonical chain; with \\fBidentifier\\fR from that product's index, else by scanning
blocks from \\fBfrom\\fR (a time\\-budgeted scan: a filter that matches little over a long range
ends in TIMEOUT; narrow from and to). Times are epoch milliseconds (Float) and ISO 8601 UTC
strings; hashes and keys lowercase hex.
.SS Schema
.PP
As \\fBurchain graphql schema\\fR prints it:
.IP
${nf(SDL)}
.SS Example queries
.PP
Each is run against a real node by the test suite, its answer compared with \\fBurchain trace\\fR,
\\fBprove\\fR and \\fBblock inspect\\fR. TXID and CODE stand for a transaction id and a product code.
${examples()}`;
}
