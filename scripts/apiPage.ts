/**
 * The text of urchain-api(7): the node's HTTP API — who may call it, every route, the batch body,
 * limits and the status of every error code — so a client can be written from this page alone.
 * Limits and the status table are taken from src/node/api.ts, the example body from the client's
 * own encoder, so the page cannot drift from the code.
 */
import { hexBlock as block } from './roff.js';
import { ERRORS, type ErrorCode } from '../src/errors.js';
import { MAX_BATCH_RECORDS, MAX_BATCH_ITEMS, BATCH_BODY_FACTOR } from '../src/node/api.js';
import { encodeBatch } from '../src/io/batchBody.js';
import { DEFAULT_MAX_PAYLOAD } from '../src/node/intake.js';
import { TOKEN_ENV } from '../src/node/apiGuard.js';
import { SYNC_TOLERANCE, STALL_BLOCK_TIMES, STALL_GRACE_MS } from '../src/node/telemetry.js';
import { graphqlSection } from './graphqlSection.js';

const MiB = 1024 * 1024;

const MEANING: Record<string, string> = {
  BAD_INPUT: 'the request is malformed: a bad query parameter, path, %\\-escape, kind, metadata or batch body',
  BAD_ENCODING: 'bytes that do not decode',
  BAD_PROOF: 'a proof that does not hold',
  BAD_BLOCK: 'a block that does not hold',
  BAD_CHAIN: 'a chain that does not hold',
  BAD_SIGNATURE: 'a signature that does not verify',
  UNAUTHORIZED: 'no or a wrong bearer token (the answer carries WWW\\-Authenticate: Bearer)',
  FORBIDDEN: 'a request from a web page (foreign Origin) or for a foreign Host on a loopback API',
  NOT_FOUND: 'no such route, block, transaction or payload on this node',
  NOT_ALLOWED: 'the route exists but not for this method (the answer carries Allow)',
  CONFLICT: 'an idempotency key sent again with other content; or a proof asked for before its record is in a block (try again after the next block)',
  EXISTS: 'it exists already',
  REPLAY: 'a request seen before',
  TOO_LARGE: 'the body (or one record of a batch) is over its limit',
  RATE_LIMITED: 'too many requests',
  INTERNAL: 'a defect in the node; it is logged (event error, where api) and should be reported',
  UNAVAILABLE: 'the node took nothing: it is shutting down or holds too many bodies of other requests; retry (the answer carries Retry\\-After)',
  STORE: 'the node cannot write (for instance a full disk); it keeps serving reads',
};

export function apiPage(date: string, version: string): string {
  const batchLimit = BATCH_BODY_FACTOR * DEFAULT_MAX_PAYLOAD;
  const example = Buffer.from(
    encodeBatch([
      { payload: new TextEncoder().encode('hello'), kind: 'reading', meta: { product: 'SN-4711' }, idemKey: 'order-17' },
      { payload: new Uint8Array([1, 2, 3]) },
    ]),
  ).toString('hex');
  const statuses = Object.entries(ERRORS)
    .map(([code, spec]) => [code, spec.http] as const)
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .map(([code, status]) => `${status}\t${code}\tT{\n${MEANING[code] ?? ERRORS[code as ErrorCode].about}\nT}`)
    .join('\n');
  return `'\\" t
.TH URCHAIN\\-API 7 "${date}" "urchain ${version}" "urchain manual"
.SH NAME
urchain\\-api \\- the HTTP API of an urchain node: routes, bodies, limits, errors, who may call it, GraphQL
.SH DESCRIPTION
.PP
\\fBurchain node run\\fR serves this API on \\fB\\-\\-api HOST:PORT\\fR (127.0.0.1:7400 by default):
HTTP/1.1 with keep\\-alive. Answers are JSON (\\fBcontent\\-type: application/json\\fR); bytes are
lowercase hex unless said otherwise. The \\fB\\-\\-node URL\\fR option of the urchain commands
speaks this API. A record is acknowledged only once it is durable: a receipt that arrived survives
a crash of the node.
.SH WHO MAY CALL IT
.PP
On a loopback address (127.0.0.0/8, ::1, localhost) every program on the machine may call the API,
but web pages in a browser on that machine may not: a request is refused with 403 FORBIDDEN when
its \\fBHost\\fR header does not name a loopback address (127.x.x.x, [::1], localhost, with any
port) \\(em a page that rebinds its own DNS name to 127.0.0.1 sends its own name there \\(em or when
it carries an \\fBOrigin\\fR header other than http:// followed by its own Host (browsers send
Origin with a page's cross\\-site requests; the API serves no pages and answers no CORS
preflight).
.PP
On any other address the API requires a bearer token: \\fBurchain node run \\-\\-api\\-token\\-file
FILE\\fR (or $${TOKEN_ENV}), else the node refuses to start. Every request must then carry
\\fBAuthorization: Bearer\\fR \\fITOKEN\\fR, or it gets 401 UNAUTHORIZED; the Origin rule above
applies too. With a token file on a loopback address, the token is required there as well.
.PP
One route needs no token: \\fBGET /v1/health\\fR, so that probes (systemd, a load balancer, a
container orchestrator) can ask it without holding a secret. It answers only check results and
heights \\(em no key, address, path or record \\(em and the Host and Origin checks still apply to
it. \\fBGET /metrics\\fR follows the rule of every other route: the bearer token when one is set.
.PP
The token file holds one token of at least 16 visible ASCII characters (surrounding white
space is ignored), for instance from \\fBopenssl rand \\-hex 32\\fR; like ssh with key files, a file
that group or others can read is refused, with the chmod to run. The urchain commands send the
token when the environment variable \\fB${TOKEN_ENV}\\fR names the file (the same variable the node
reads when \\-\\-api\\-token\\-file is not given). Who holds the token can write records signed by
the node's key: give it only to the programs that take records in, and serve it over a network
you trust, or behind a TLS proxy.
.SH ROUTES
.PP
Each route takes the methods listed; another method gets 405 NOT_ALLOWED with an \\fBAllow\\fR
header. GET routes also answer HEAD. An unknown path gets 404. Path segments are
percent\\-decoded; a malformed %\\-escape gets 400.
.TP
.B POST /v1/records
The body is the payload (any bytes, any content type; at most \\fB\\-\\-max\\-payload\\fR,
${DEFAULT_MAX_PAYLOAD / MiB} MiB by default). Query parameters, each at most once, any other
refused with 400: \\fBkind\\fR (default record; 1\\-32 of a\\-z 0\\-9 . _ \\- starting with a
letter), \\fBproduct\\fR, \\fBtype\\fR (a media type), \\fBsource\\fR, \\fBmeta.\\fIK\\fB=\\fIV\\fR
(any metadata entry), \\fBkey\\fR (an idempotency key, 1\\-256 bytes of UTF\\-8: sent again with the same
content it returns the first receipt with \\fB"duplicate":true\\fR; with other content it is 409
CONFLICT). Answer, once the record is durable: a receipt
.IP
.nf
{"txId", "chainId", "origin", "timestamp", "seq", "kind", "payloadDigest",
 "payloadLength", "batchRoot", "durable": true, "duplicate"?: true}
.fi
.TP
.B POST /v1/records/batch
Many records in one request. The body is CBOR (RFC 8949): an array of 1 to ${MAX_BATCH_RECORDS}
maps, one per record, each with the text keys \\fBpayload\\fR (a byte string; required),
\\fBkind\\fR (text), \\fBmeta\\fR (a map of text to text) and \\fBkey\\fR (text, the idempotency
key); null or undefined stand for an absent field; no other key is allowed. The body is at most
${BATCH_BODY_FACTOR} times \\-\\-max\\-payload (${batchLimit / MiB} MiB by default) and is decoded
strictly: definite lengths only; unsigned and negative integers, byte and text strings, arrays,
maps with text keys each given once, false, true, null and undefined; no floating\\-point numbers;
no tags except 64 around a byte string (generic encoders such as cbor\\-x mark byte arrays so);
never shared references (tags 28 and 29), so what is decoded is never more than what was sent;
nesting at most 16 deep; at most ${MAX_BATCH_ITEMS.toLocaleString('en')} data items in all
(every array element, map key and map value counts). Heads need not be in the shortest form.
A body that breaks any of these rules gets 400 and nothing of it is stored.
.IP
Answer: 200 with \\fB{"receipts": [...]}\\fR, one entry per record, in the order sent. An entry is
the record's receipt (as above) or, for a record the node refused, \\fB{"error": {"code",
"message"}}\\fR with the code of the table below (BAD_INPUT for a bad kind or metadata, TOO_LARGE
for a payload over \\-\\-max\\-payload, CONFLICT for an idempotency key sent again with other
content, STORE when the node cannot write, UNAVAILABLE when it is shutting down). A refused
record affects no other: every entry with a receipt is durable, every entry with an error is not
stored. A 200 answer therefore does not say that every record was stored: check each entry, and
send the refused ones again once fixed.
.IP
Example: two records, the first "hello" of kind reading for product SN\\-4711 with idempotency
key order\\-17, the second the bytes 01 02 03:
${block('body', example)}
.TP
.B GET /v1/status
Chain id and name, consensus, node type, public key, whether it produces, head height, hash and
time, pending records, the API, Profichain and peer\\-link addresses, the data folder.
.TP
.B GET /v1/params
The chain parameters of the genesis block with the chain id (what \\fBnode run \\-\\-genesis\\fR takes).
.TP
.B GET /v1/trust
The trust list a verifier needs for this chain (what \\fBurchain trust export\\fR prints):
\\fB{"name", "chains", "authorities"?, "origins"}\\fR, origins being every key the member list admits and
the node's own; no authorities on a proof\\-of\\-work chain (urchain\\-formats(5), TRUST LIST).
.TP
.B GET /v1/blocks/\\fIref\\fB
ref is head, a height or a 64\\-digit block hash: hash, height, canonical, header, signatures,
cumulative work and the transaction ids (left out with \\fB?noTxs=1\\fR).
.TP
.B GET /v1/txs/\\fIid\\fB
The transaction: core, batch root, and its block (null while pending); \\fB?payload=1\\fR adds
payloadStored and the payload in base64.
.TP
.B GET /v1/proofs/\\fIid\\fB
The proof of a record (urchain\\-formats(5)); \\fB?stripped=1\\fR leaves the payload out,
\\fB?countersigned=1\\fR adds partners' countersignatures. 409 CONFLICT while the record is not in
a block yet (or no partner has countersigned it yet). A thin node fetches a payload it does not
keep from an archive peer.
.TP
.B GET /v1/entangled/\\fIkey\\fB
Proofs of the entangle records holding that partner network's checkpoints (\\fB?limit=\\fIN\\fR,
1\\-64, default 16): \\fB{"proofs": [...]}\\fR.
.TP
.B GET /v1/products/\\fIcode\\fB
Every record naming that product code, in chain order: \\fB{"product", "count", "records"}\\fR.
.TP
.B GET /v1/peers
Peer links, known peers and sync state; 404 on a node without peer links.
.TP
.B GET /v1/health
Liveness and readiness, without a token (see WHO MAY CALL IT). 200 when the node is ready, 503
when it is not; the body either way:
.IP
.nf
{"status": "ok"|"degraded"|"failing", "live": true, "ready": bool,
 "checks": {
   "store":     {"ok", "freeBytes"?, "error"?, "since"?},
   "sync":      {"ok", "networked", "head", "bestPeerHeight"?, "links"?, "tolerance"?},
   "producing": {"ok", "produces", "pending", "waitingSeconds"?, "limitSeconds"?}}}
.fi
.IP
\\fBstore\\fR fails while the last commit of records or of a block failed (a full disk, an I/O
error: \\fBerror\\fR says why, \\fBsince\\fR when) and until a commit succeeds again, and while the
node shuts down; \\fBfreeBytes\\fR is the space left to it on the file system of the data folder.
\\fBsync\\fR, on a node with peer links, fails when its head is more than ${SYNC_TOLERANCE} blocks
below the highest head a linked peer reported (\\fBbestPeerHeight\\fR); a node without links is
behind nobody. \\fBproducing\\fR, on a node that makes blocks, fails when records have been
pending for more than ${STALL_BLOCK_TIMES} block times plus ${STALL_GRACE_MS / 1000} s
(\\fBlimitSeconds\\fR) without any block joining the chain (\\fBwaitingSeconds\\fR since the
records arrived on an empty pool, or since the last block): under proof\\-of\\-authority with too
few authorities online, for instance.
\\fBready\\fR is store and sync both ok: the node takes records in and answers current data.
\\fBstatus\\fR is failing when it is not ready, degraded when it is ready but not producing as it
should (its records are durable and wait; a restart would not help), else ok. \\fBlive\\fR is
always true: a node that answers at all is alive, so a liveness probe needs only a connection.
.TP
.B GET /metrics
The node's metrics in the Prometheus text exposition format, version 0.0.4
(\\fBcontent\\-type: text/plain; version=0.0.4\\fR), for a Prometheus scrape. Counters end in
\\fB_total\\fR, times are seconds and sizes bytes. Among them:
\\fBurchain_records_ingested_total\\fR (records durably taken in, a duplicate not counted),
\\fBurchain_commit_duration_seconds\\fR (histogram: one group commit of records each),
\\fBurchain_block_commit_duration_seconds\\fR, \\fBurchain_commit_failures_total{what}\\fR,
\\fBurchain_pending_records\\fR, \\fBurchain_head_height\\fR,
\\fBurchain_head_timestamp_seconds\\fR, \\fBurchain_blocks_connected_total\\fR,
\\fBurchain_reorgs_total\\fR, \\fBurchain_block_production_seconds\\fR (histogram, blocks this
node made: from the header's timestamp to the block on disk), \\fBurchain_peer_links\\fR,
\\fBurchain_peers_known\\fR, \\fBurchain_peers_banned\\fR, \\fBurchain_peer_penalties_total\\fR,
\\fBurchain_sync_target_height\\fR (the peer gauges have no sample on a node without peer links),
\\fBurchain_profichain_connections\\fR, \\fBurchain_profichain_connections_total\\fR,
\\fBurchain_store_bytes\\fR, \\fBurchain_store_free_bytes\\fR, \\fBurchain_api_buffered_bytes\\fR,
\\fBurchain_api_requests_total{route,code}\\fR (route with its argument left out, e.g. /v1/txs/:id),
\\fBurchain_node_info{type,consensus,node}\\fR and the process metrics
\\fBprocess_cpu_seconds_total\\fR, \\fBprocess_resident_memory_bytes\\fR,
\\fBprocess_start_time_seconds\\fR. Every family carries its \\fB# HELP\\fR text.
.IP
The broker (\\fBurchain broker serve\\fR) has its own \\fBGET /metrics\\fR, served to loopback
clients only: \\fBurchain_broker_queue_messages{network,name}\\fR (envelopes waiting per registered
network), \\fBurchain_broker_networks\\fR, \\fBurchain_broker_messages_delivered_total\\fR,
\\fBurchain_broker_messages_acked_total\\fR, \\fBurchain_broker_requests_total{route,code}\\fR,
\\fBurchain_broker_store_bytes\\fR and the process metrics.
.TP
.B GET /checkpoint
The chain's history log head as a C2SP checkpoint (c2sp.org/tlog\\-checkpoint) signed with the
node's key as a C2SP signed note (c2sp.org/signed\\-note), in
\\fBcontent\\-type: text/plain; charset=utf\\-8\\fR: the same bytes \\fBurchain checkpoint\\fR prints.
\\fB?depth=\\fR\\fIN\\fR covers the blocks \\fIN\\fR or more below the head (default 0 on a
proof\\-of\\-authority chain with one authority, else 6). A node whose key is not an authority of
its proof\\-of\\-authority chain answers 400 BAD_INPUT: its signature would not be the chain's.
The node remembers the last checkpoint it signed and answers 503 UNAVAILABLE rather than sign one
inconsistent with it (after a reorganisation deeper than the depth); it forgets on restart.
The format is in \\fBurchain\\-formats\\fR(5); the bearer token applies as on every route but
\\fB/v1/health\\fR.
.TP
.B GET /graphql, POST /graphql
GraphQL queries, read\\-only, on a node started with \\fB\\-\\-graphql\\fR (404 otherwise): see GRAPHQL below.
.SH LIMITS AND MEMORY
.PP
Request bodies are the memory a client can make the node hold, so each is capped (413
TOO_LARGE above \\-\\-max\\-payload for POST /v1/records, above ${BATCH_BODY_FACTOR} times that for a
batch) and the bodies of all requests in flight share one budget of twice the batch limit
(${(2 * batchLimit) / MiB} MiB by default). A body with a Content\\-Length takes its whole length
from the budget when the request arrives; a chunked body takes it as it comes. A request that does
not fit gets 503 UNAVAILABLE with \\fBRetry\\-After: 1\\fR and nothing of it is kept; the urchain
commands retry 503 answers with back\\-off. A client that sends \\fBExpect: 100\\-continue\\fR gets a
413 or 503 before it sends its body. Otherwise a refused body is read to its end and thrown away
(at most 256 MiB or 10 seconds) before the answer, so the client sees the status and not a
reset connection; then the connection is closed.
.SH ERRORS
.PP
Every error answer is \\fB{"error": {"code", "message"}}\\fR: code an upper\\-case word from this
table, message one line for a person. The status follows from the code:
.TS
l l lx.
status	code	meaning
${statuses}
.TE
.PP
A code missing here is answered with 500. An error that is not one of urchain's own is a defect:
500 INTERNAL, logged by the node.
${graphqlSection()}
.SH EXAMPLES
.PP
A record with a product code, and a proof once it is in a block:
.IP
.nf
curl \\-\\-data\\-binary @report.pdf 'http://127.0.0.1:7400/v1/records?product=SN\\-4711&type=application/pdf'
curl http://127.0.0.1:7400/v1/proofs/TXID > report.proof.json
.fi
.PP
A node on the plant network, and a client on another machine:
.IP
.nf
(umask 077; openssl rand \\-hex 32 > api.token)
urchain node run \\-\\-data ./plant\\-a \\-\\-api 10.0.0.5:7400 \\-\\-api\\-token\\-file ./api.token
${TOKEN_ENV}=./api.token urchain ingest send report.pdf \\-\\-node http://10.0.0.5:7400
curl \\-H "Authorization: Bearer $(cat api.token)" http://10.0.0.5:7400/v1/status
.fi
.PP
A health probe and a scrape:
.IP
.nf
curl \\-fsS http://127.0.0.1:7400/v1/health     # exit 22 (HTTP 503) when the node is not ready
curl \\-s http://127.0.0.1:7400/metrics | grep '^urchain_records_ingested_total'
.fi
.SH SEE ALSO
.BR urchain\\-node\\-run (1),
.BR urchain\\-graphql\\-schema (1),
.BR urchain\\-ingest\\-send (1),
.BR urchain\\-formats (5),
.BR urchain\\-profichain (7),
.BR urchain\\-network (7)
`;
}
