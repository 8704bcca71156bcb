/**
 * The text of urchain-formats(5): every hashed or signed byte, with the vectors of
 * test/vectors/formats.json printed into it, so a verifier can be written from this page alone.
 */
import { hexBlock as block } from './roff.js';
import { c2spSection } from './c2spSection.js';
import { otsFormatsSection } from './otsSection.js';
import { tilesSection } from './tilesSection.js';
import { passportSection } from './passportSection.js';
import { epcisSection } from './epcisSection.js';
import { postgresSection } from './postgresSection.js';
import { lmdbSection } from './lmdbSection.js';

/** JSON, pretty-printed, unfilled, with roff's special characters escaped (copy-pasteable). */
const jsonBlock = (label: string, value: unknown): string =>
  `.PP\n${label}:\n.IP\n.nf\n${JSON.stringify(value, null, 2)
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n')}\n.fi`;

/**
 * `pv` is test/vectors/proofs.json: the countersigned proof, its trust list, the small-order key;
 * `cv` is test/vectors/c2sp-checkpoint.json.
 */
export function formatsPage(v: any, date: string, version: string, pv: any, cv: any): string {
  const t0 = v.transactions[0];
  const t1 = v.transactions[1];
  return `'\\" t
.TH URCHAIN\\-FORMATS 5 "${date}" "urchain ${version}" "urchain manual"
.SH NAME
urchain\\-formats \\- the bytes urchain hashes and signs, the proof file, and test vectors
.SH DESCRIPTION
.PP
This page specifies every structure urchain hashes or signs, byte for byte, the proof file that
\\fBurchain verify\\fR(1) checks, and the trust list. The vectors at the end were produced by the
reference implementation from fixed inputs (the test suite rebuilds them and compares byte for
byte); an independent verifier that reproduces them interoperates.
.SH CONVENTIONS
.TP
.B Hash
SHA\\-256 everywhere. H(x) is SHA\\-256 of the byte string x; || is concatenation.
.TP
.B Canonical CBOR
Every hashed structure is a CBOR array (RFC 8949) with a fixed field order, encoded
deterministically (RFC 8949 \\(sc4.2.1): definite lengths, integers and lengths in the shortest
head. Only four major types occur: 0 (unsigned integer, up to 2^64\\-1), 2 (byte string),
3 (UTF\\-8 text string) and 4 (array). No maps, tags, floats, negative integers or simple values.
A decoder must reject any other encoding of the same value.
.TP
.B Keys and signatures
Ed25519 (RFC 8032), 32\\-byte public keys, 64\\-byte signatures. Verification rule, the same for
every signature and for every key a trust list names: cofactorless RFC 8032 \\(sc5.1.7 with strict
encodings. S < L. The public key A and R are canonical point encodings (RFC 8032 \\(sc5.1.3): the
y\\-coordinate (bits 0..254, little\\-endian) is below p = 2^255\\-19, and x = 0 (y = 1 or
y = p\\-1) never comes with the sign bit (bit 255) set \\- so ${pv.smallOrder.key}, the identity
with the sign bit, is refused. A must not be of small order: the eight points of order dividing 8
(y in {0, 1, p\\-1, \\(+-Y8} with Y8 the y of 26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05)
are refused, canonical or not; such a key "signs" every message (see the small\\-order vector
below). A key in a trust list must also decode to a point on the curve.
.TP
.B Domain separation
Every signature is over ASCII tag || 32\\-byte hash. Tags: \\fBurchain/batch/v1\\fR (transaction
batches), \\fBurchain/block/v1\\fR (block headers), \\fBurchain/checkpoint/v1\\fR (entanglement
checkpoints). A signature for one purpose never verifies for another.
.TP
.B Merkle trees
RFC 9162 \\(sc2.1: leaf hash H(0x00 || entry), node hash H(0x01 || left || right), the empty tree
hashes to H(""), the tree over n > 1 leaves splits at the largest power of two below n.
Inclusion proofs are the audit paths of RFC 9162 \\(sc2.1.3 (bottom\\-up); verification follows
\\(sc2.1.3.2 exactly. In urchain every entry is a 32\\-byte hash (a transaction id or a block hash).
.TP
.B JSON
In proofs and API answers bytes are lowercase hex (payloads: padded base64), integers are JSON
numbers except the 64\\-bit nonce, which is a decimal string.
.TP
.B JSON rules (proof and trust files)
A verifier reads proof and trust files strictly, one accepted encoding per value, and refuses
anything else naming the field's path: RFC 8259 JSON; an object names each member once (duplicate
members are refused, not "last one wins"); every member is known (unknown members are refused,
at every level); integers are written plainly (0 or \\-?[1\\-9][0\\-9]*: no fraction, exponent or
leading zero, so 67.0 and 1795642866934.00001 are refused) and are at most 2^53\\-1; bytes are
lowercase hex of the exact length; the nonce is the decimal string of a number 0..2^64\\-1
without leading zeros ("0", never "00"); a payload is padded base64 in its canonical form (unused
bits zero); strings are Unicode (no lone surrogate escapes); nesting at most 64 deep; nothing
but white space after the document. Times are at most 8640000000000000 ms. The order of members
in an object carries no meaning (meta included).
.SH CHAIN PARAMETERS AND CHAIN ID
.PP
params = [version, name, created, consensus, authorities, threshold, difficulty, blockTime]
.TS
l l l.
#	field	type
0	version	uint, 1
1	name	text
2	created	uint, milliseconds since 1970\\-01\\-01 UTC
3	consensus	text, "poa" or "pow"
4	authorities	array of 32\\-byte public keys (poa; empty for pow)
5	threshold	uint, authority signatures a block needs (poa)
6	difficulty	uint, leading zero bits a block hash needs (pow)
7	blockTime	uint, milliseconds between blocks
.TE
.PP
chainId = H(canonical CBOR of params).
.SH GENESIS BLOCK
.PP
The genesis header follows from the parameters alone and carries no signature: version 1,
chainId, height 0, timestamp = created, prevHash = 32 zero bytes, merkleRoot = H(""),
txCount 0, difficulty 0, nonce 0, producer = 32 zero bytes, historyRoot = H("").
.SH TRANSACTION
.PP
core = [version, chainId, origin, timestamp, seq, kind, meta, payloadDigest, payloadLength]
.TS
l l l.
#	field	type
0	version	uint, 1
1	chainId	32 bytes
2	origin	32 bytes, public key of the node that took the record in
3	timestamp	uint, milliseconds since 1970\\-01\\-01 UTC
4	seq	uint, the origin's counter (makes equal records distinct)
5	kind	text, [a\\-z][a\\-z0\\-9._\\-]{0,31}: record, entangle, ...
6	meta	array of [key, value] text pairs
7	payloadDigest	32 bytes, H(payload)
8	payloadLength	uint, payload length in bytes
.TE
.PP
meta is sorted by key (bytewise on UTF\\-8), keys unique, at most 1024 entries; keys match
[A\\-Za\\-z0\\-9][A\\-Za\\-z0\\-9._:\\-]{0,63}, values are at most 1024 bytes of UTF\\-8 (not
characters: '\\(Eu' counts 3). Reserved keys:
\\fBproduct\\fR (product code, indexed for \\fBurchain trace\\fR), \\fBtype\\fR (content type),
\\fBsource\\fR, \\fBfilename\\fR; \\fBid.0000\\fR, \\fBid.0001\\fR, ... (further identifiers, indexed like
\\fBproduct\\fR; see EPCIS RECORDS).
.PP
txId = H(canonical CBOR of core). The payload is committed only through its digest: a
\\fIstripped\\fR transaction (core without payload) still verifies.
.SH BATCH SIGNATURE
.PP
A node signs, once per durable commit, the n transactions it took in during that commit
(n \\(>= 1), in commit order:
.IP
.nf
batchRoot = RFC 9162 root over leafHash(txId_0) ... leafHash(txId_{n\\-1})
batchHead = H(canonical CBOR of [n, batchRoot])
signature = Ed25519(origin, "urchain/batch/v1" || batchHead)
.fi
.PP
A transaction's \\fIevidence\\fR is {batchSize: n, index, path, signature}: the verifier computes
batchRoot from leafHash(txId), index, n and path (RFC 9162 \\(sc2.1.3.2), then batchHead, and
checks the signature against the origin key of the core. The size is signed with the root
because an inclusion path does not by itself fix the tree size.
.SH BLOCK HEADER
.PP
header = [version, chainId, height, timestamp, prevHash, merkleRoot, txCount, difficulty, nonce, producer, historyRoot]
.TS
l l l.
#	field	type
0	version	uint, 1
1	chainId	32 bytes
2	height	uint, genesis is 0
3	timestamp	uint, ms since 1970\\-01\\-01 UTC, not before the parent's
4	prevHash	32 bytes, block hash of the parent
5	merkleRoot	32 bytes, RFC 9162 root over leafHash(txId) of the block's transactions in order
6	txCount	uint
7	difficulty	uint, pow: leading zero bits required; poa: 0
8	nonce	uint (64 bit), pow: found by search; poa: 0
9	producer	32 bytes, public key of the producer
10	historyRoot	32 bytes, RFC 9162 root over leafHash(block hash) of heights 0 .. height\\-1 of this branch
.TE
.PP
blockHash = H(canonical CBOR of header). Signatures are not part of the header: each is
{key, sig} with sig = Ed25519(key, "urchain/block/v1" || blockHash).
.PP
Seal rules. \\fBpoa\\fR: the producer is an authority, and valid signatures of at least
\\fIthreshold\\fR distinct authorities are present, the producer's among them.
\\fBpow\\fR: difficulty equals the parameter, blockHash has at least that many leading zero bits
(most significant bit of the first byte first), and the producer's signature is valid.
Fork choice: the canonical chain has the most cumulative work (poa: 1 per block; pow:
2^difficulty per block); between heads of equal work the one with the lowest block hash
(compared bytewise, as unsigned bytes) wins, whatever the order the blocks arrived in.
.PP
The history root lets a proof link a block to any later block of the same chain with an
RFC 9162 inclusion proof of O(log n) hashes.
.SH PROOF FILE
.PP
A JSON object with exactly these members (JSON rules above):
.IP
.nf
{
  "format": "urchain\\-proof/1",
  "txId": hex,
  "core": {version, chainId, origin, timestamp, seq, kind,
           meta: {key: value, ...}, payloadDigest, payloadLength},
  "payload": base64 (absent in a stripped proof),
  "evidence": {batchSize, index, path: [hex], signature},
  "block": {hash, header: {the 11 header fields by name},
            signatures: [{key, sig}], inclusion: {index, path: [hex]}},
  "chain": {the 8 parameter fields by name, authorities as hex},
  "countersignatures": [...] (optional, see COUNTERSIGNED PROOF)
}
.fi
.PP
Verification, in this order; the first failing check is reported:
.TP
.B format
the JSON rules hold, and every value follows its rule: core.version and header.version are 1;
kind matches [a\\-z][a\\-z0\\-9._\\-]{0,31}; meta is present (possibly {}) and follows the
TRANSACTION rules; chain follows CHAIN PARAMETERS (version 1; poa: at least one authority, no
authority twice, 1 \\(<= threshold \\(<= number of authorities; difficulty at most 64; blockTime at
least 10); 1 \\(<= evidence.batchSize, evidence.index < batchSize; block.inclusion.index <
header.txCount; 1 to 256 block signatures, no key twice; Merkle paths at most 53 hashes.
.TP
.B chain
H(params) equals header.chainId and core.chainId.
.TP
.B payload
(when present) its length is payloadLength and H(payload) is payloadDigest.
.TP
.B txId
H(canonical CBOR of core, meta sorted into pairs) equals txId.
.TP
.B signature
the batch evidence verifies against core.origin (see BATCH SIGNATURE).
.TP
.B inclusion
the RFC 9162 root from leafHash(txId), inclusion.index, header.txCount and inclusion.path equals
header.merkleRoot, and header.timestamp \\(>= core.timestamp (a block is not older than its records).
.TP
.B seal
H(header) equals block.hash and the seal rules above hold: \\fBpoa\\fR: header.difficulty and
header.nonce are 0, the producer is an authority, at least \\fIthreshold\\fR valid authority
signatures, the producer's among them; \\fBpow\\fR: header.difficulty equals the parameter, the hash
has that many leading zero bits, the producer's signature is valid. Every listed signature must
verify and be by a key allowed to sign: extra signatures by authorities are allowed (poa), outsider
signatures (poa: a key that is not an authority; pow: any key but the producer) and invalid ones are
refused. \\fBurchain prove\\fR leaves out any signature a store holds that breaks this rule.
.TP
.B trust
(with a trust list) the chain id is among its chains (a proof of a chain the list does not name is
not trusted); core.origin is among its origins, when it lists origins; and when it lists authorities,
at least \\fIthreshold\\fR (poa; pow: one) of the block's signers are among them. A verifier run
without a trust list (\\fBurchain verify \\-\\-no\\-trust\\fR) stops before this check and reports
"trusted": false: anyone can make a consistent proof for a chain of their own.
.TP
.B countersignature
(when present) each countersignature holds (COUNTERSIGNED PROOF), at most one per partner chain.
.SH CHECKPOINT
.PP
A network's signed statement that its chain is at a height with a block hash:
.IP
.nf
checkpoint = [1, chainId, height, blockHash, timestamp, signer]
signature  = Ed25519(signer, "urchain/checkpoint/v1" || H(CBOR checkpoint))
signed     = CBOR [CBOR checkpoint (as a byte string), signature]
.fi
.PP
timestamp is the block's; signer is the chain key (an authority key of the chain; the network's
key at the broker), never the membership key that signs member lists. A partner takes \\fIsigned\\fR in as the payload
of a transaction of kind \\fBentangle\\fR (meta: partner, partnerName, chain, height, hash).
${c2spSection(cv)}
${otsFormatsSection()}
${tilesSection()}
${epcisSection()}.SH ENVELOPE
.PP
Checkpoints travel between networks in envelopes the broker cannot read or forge:
.IP
.nf
envelope  = [1, from, to, sentAt, eph, nonce, ct, signature]
signature = Ed25519(from, "urchain/envelope/v1" ||
                    H(CBOR [1, from, to, sentAt, eph, nonce, ct]))
.fi
.PP
from and to are the networks' ed25519 keys, sentAt milliseconds. Encryption uses the receiver's
ed25519 key mapped to X25519 (RFC 7748): secret = the first 32 bytes of SHA\\-512(seed), public
u = (1 + y) / (1 \\- y) mod p. The sender makes an ephemeral X25519 key \\fIeph\\fR, computes
the shared secret with the receiver's u, and derives key = HKDF\\-SHA\\-256(shared, salt = eph || u,
info = "urchain/seal/v1", 32 bytes); ct = AES\\-256\\-GCM(key, 12\\-byte random nonce, associated
data from || to) of the message, with the 16\\-byte tag appended. The message is
CBOR [1, signed checkpoint, [proof JSON text, ...]]: the sender's checkpoint and its
countersignatures for the receiver (proofs of the \\fBentangle\\fR records in which the sender took
in the receiver's checkpoints).
.SH BROKER REQUESTS
.PP
Every broker request carries four headers: x\\-urchain\\-key (the 32\\-byte ed25519 key, hex),
x\\-urchain\\-time (milliseconds since 1970, decimal digits only), x\\-urchain\\-nonce (16 fresh
random bytes, hex) and x\\-urchain\\-signature (64 bytes, hex):
.IP
.nf
request   = [method, path, query, time, nonce, H(body)]
signature = Ed25519(key, "urchain/broker\\-request/v1" || H(CBOR request))
.fi
.PP
The CBOR types: method, path and query are text strings; time is an unsigned integer (the value of
x\\-urchain\\-time); nonce is a 16\\-byte byte string (the bytes of x\\-urchain\\-nonce, not its hex);
H(body) is a 32\\-byte byte string (H of the empty string for a request without a body). path is the
request target as sent, up to the first "?"; query is the raw text after that "?", not decoded
(the empty text string when the target has no "?"). The signature therefore covers the path
\\fIand\\fR the query: a relay that changes, adds or removes a parameter breaks it.
.PP
The broker refuses unregistered keys (403), times more than five minutes off and bad signatures
(401), a nonce seen before (409) and bodies over 1 MiB (413). Routes: POST /v1/messages (body:
envelope; from must be the request key, to a registered network), GET /v1/messages[?max=N]
(N from 1 to 100, default 100; {messages: [{id, envelope: base64}]}), POST /v1/ack
({"ids": [...]}); errors are {error: {code, message}}.
.SH COUNTERSIGNED PROOF
.PP
\\fBurchain prove \\-\\-countersigned\\fR adds to a proof of a record in block h a list
"countersignatures" (1 to 64), one per partner, each exactly
.IP
.nf
{ "link": {hash, header, signatures,
           history: {index: h, size: H, path: [hex]}},
  "partner": a complete proof (this format, no countersignatures)
             of the partner's entangle record }
.fi
.PP
It holds when:
.IP 1. 4
the link header is this chain's, H(link.header) is link.hash, and it passes the \\fBseal\\fR rules of
this chain and, with a trust list, the same \\fBtrust\\fR rule for its signers as the record's block
(when the list names authorities, the link block's signers must be among them);
.IP 2. 4
history.index = h and history.size = H; either H = h, link.hash is the record's block hash and
history.path is empty, or H > h, link.header.timestamp \\(>= the record block's, and the RFC 9162
root from leafHash(block hash of h), index h, size H and path equals link.header.historyRoot;
.IP 3. 4
the partner proof is of another chain than the record's: a company cannot countersign itself (it
could rebuild its chain and write its own checkpoint into it);
.IP 4. 4
with a trust list, the partner's chain is named in one of its "partners" entries, and the partner
proof passes every check against that entry (its chains, authorities, origins); without one it
passes every check but \\fBtrust\\fR, and no partner is named;
.IP 5. 4
the partner record is of kind \\fBentangle\\fR, carries its payload, and that is a signed
checkpoint with a valid signature naming this chain, height H, link.hash, and timestamp =
link.header.timestamp;
.IP 6. 4
the partner record's meta is exactly chain (this chain id, hex), height (H, decimal), hash
(link.hash), partner (the checkpoint signer, hex) and optionally partnerName (text);
.IP 7. 4
with a trust list, the checkpoint signer is an authority of this chain or listed in the trust
list's authorities or origins.
.PP
The report names the partner by its name in the trust list (the name a chain gives itself in its
parameters is only informational). A forger who rewrites block h must change every later hash,
but the partner's chain keeps the original one. The partner block's time is not compared with
the checkpoint's: the two companies' clocks differ.
${passportSection()}
.SH TRUST LIST
.PP
A JSON object (JSON rules above):
.IP
.nf
{"chains": [hex chain ids],            required, at least one
 "authorities": [hex public keys],     optional
 "origins": [hex public keys],         optional
 "partners": [{"name": text, "chains": [...], "authorities": [...],
               "origins": [...], "note": text}],   optional
 "name": text, "note": text}           optional, informational
.fi
.PP
Every list present has at least one entry and no entry twice: an empty list is refused, never read
as "nobody" or "anybody". Keys follow the verification rule (canonical, on the curve, not of small
order). Unknown members are refused, so a misspelled member, \\fB{}\\fR or a proof file given as a
trust list is an error (\\fBurchain verify\\fR exits 2), never "trusted". A proof\\-of\\-work chain's
list names no authorities: its blocks are checked by work, and "chains" says which chain.
A proof is trusted when its chain id is in "chains"; when "origins" is present, its origin key is
in it; when "authorities" is present, at least threshold (poa; pow: the producer) of its block's
signers are in it. A member left out adds no condition: without "origins" any origin of a named
chain is accepted, and without "authorities" the chain's own authorities (fixed by its chain id
through the parameters) are.
\\fBurchain trust export\\fR(1) writes a list for a chain: its id, its authorities (poa), and as
origins every key its member list admits and the node's own key. A partner entry is a partner's
exported list with a name unique in the list; countersignatures count only from chains named in a
partner entry (COUNTERSIGNED PROOF).
${lmdbSection()}${postgresSection()}.SH TEST VECTORS
.PP
Key: secret (RFC 8032 seed) ${v.key.secretKey}, public ${v.key.publicKey}.
.PP
Parameters: name "vector\\-chain", created 1767225600000, poa, authorities [the key], threshold 1,
difficulty 0, blockTime 5000.
${block('params (CBOR)', v.params.cbor)}
${block('chainId', v.params.chainId)}
${block('genesis header (CBOR)', v.genesis.cbor)}
${block('genesis block hash', v.genesis.hash)}
.PP
Transaction 0: timestamp 1767225601000, seq 1, kind "record", meta machine=press\\-7 and
product=SN\\-4711, payload "hello, urchain".
${block('payload digest', t0.payloadDigest)}
${block('core (CBOR)', t0.core)}
${block('txId', t0.txId)}
${block('leaf hash', t0.leafHash)}
.PP
Transaction 1: same time, seq 2, meta type=text/plain, payload "second record".
${block('core (CBOR)', t1.core)}
${block('txId', t1.txId)}
.PP
Batch of both (n = 2):
${block('batchRoot', v.batch.root)}
${block('batchHead', v.batch.head)}
${block('signed message', v.batch.signedMessage)}
${block('signature', v.batch.signature)}
${block('evidence path for index 1', v.batch.evidenceForIndex1.path.join(''))}
.PP
Block 1 on genesis holding both: timestamp 1767225602000, producer the key, historyRoot =
leafHash(genesis hash).
${block('header (CBOR)', v.block.cbor)}
${block('historyRoot', v.block.historyRoot)}
${block('block hash', v.block.hash)}
${block('signed message', v.block.signedMessage)}
${block('signature', v.block.signature)}
.PP
Checkpoint of block 1, signed by the key:
${block('checkpoint (CBOR)', v.checkpoint.cbor)}
${block('H(checkpoint)', v.checkpoint.hash)}
${block('signed checkpoint', v.checkpoint.signed)}
.PP
The key's X25519 public key (u): ${v.x25519Public}.
.PP
Broker request GET ${v.request.path}?${v.request.query} at time ${v.request.time}, nonce ${v.request.nonce}, empty body:
${block('request (CBOR)', v.request.cbor)}
${block('request hash', v.request.hash)}
${block('signature', v.request.signature)}
.PP
The complete proof of transaction 1 (test/vectors/formats.json, field "proof"); it verifies
against the trust list {"chains": [chainId], "authorities": [the key], "origins": [the key]}:
${jsonBlock('proof', v.proof)}
.PP
A countersigned proof (test/vectors/proofs.json): plant\\-a (key seed 40 41 .. 5f, blockTime 1000,
created 1767225600000) takes in a record in block 1; plant\\-b (seed 80 81 .. 9f) takes in
plant\\-a's checkpoint of block 2 as an entangle record in its block 1. It verifies against the
trust list below and names plant\\-b as the partner; with plant\\-b left out of "partners", or
with the partner proof replaced by one from plant\\-a's own chain, it fails.
${jsonBlock('countersigned proof', pv.countersigned)}
${jsonBlock('trust list', pv.trust)}
.PP
Small\\-order key: ${pv.smallOrder.key} (x = 0 with the sign bit set). With R = the identity
and S = 0 the cofactorless equation [S]B = R + [k]A holds for every message, so this signature
"verifies" any message under a lax rule; urchain refuses the key (and any proof that uses it).
${block('signed message', pv.smallOrder.message)}
${block('signature', pv.smallOrder.signature)}
.PP
The RFC 9162
tree vectors used by the test suite are in test/vectors/rfc9162\\-merkle.json, the RFC 8032 ones in
test/vectors/rfc8032\\-ed25519.json.
.SH SEE ALSO
.BR urchain (1),
.BR urchain\\-verify (1),
.BR urchain\\-prove (1)
.PP
RFC 8949 (CBOR), RFC 8032 (Ed25519), RFC 9162 (Certificate Transparency 2.0, Merkle trees),
c2sp.org/signed\\-note, c2sp.org/tlog\\-checkpoint
`;
}
