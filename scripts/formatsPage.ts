/**
 * The text of urchain-formats(5): every hashed or signed byte, with the vectors of
 * test/vectors/formats.json printed into it, so a verifier can be written from this page alone.
 */
import { hexBlock as block } from './roff.js';

export function formatsPage(v: any, date: string, version: string): string {
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
Ed25519 (RFC 8032), 32\\-byte public keys, 64\\-byte signatures. Verification rule: cofactorless
RFC 8032 \\(sc5.1.7 with strict encodings: S < L, and the y\\-coordinates of the public key and of R
below p = 2^255\\-19; non\\-canonical encodings are rejected.
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
meta is sorted by key (bytewise on UTF\\-8), keys unique, at most 64 entries; keys match
[A\\-Za\\-z0\\-9][A\\-Za\\-z0\\-9._:\\-]{0,63}, values are at most 1024 characters. Reserved keys:
\\fBproduct\\fR (product code, indexed for \\fBurchain trace\\fR), \\fBtype\\fR (content type),
\\fBsource\\fR, \\fBfilename\\fR.
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
2^difficulty per block); on a tie the block seen first stays.
.PP
The history root lets a proof link a block to any later block of the same chain with an
RFC 9162 inclusion proof of O(log n) hashes.
.SH PROOF FILE
.PP
A JSON object:
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
  "chain": {the 8 parameter fields by name, authorities as hex}
}
.fi
.PP
Verification, in this order; the first failing check is reported:
.TP
.B format
every field present with its type; hex fields have their lengths.
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
header.merkleRoot.
.TP
.B seal
H(header) equals block.hash and the seal rules above hold.
.TP
.B trust
(with a trust list) core.origin is among its origins, the chain id among its chains, and at least
\\fIthreshold\\fR (poa; pow: one) valid block signers among its authorities \\- each list only when given.
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
.SH ENVELOPE
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
"countersignatures", one per partner, each
.IP
.nf
{ "link": {hash, header, signatures,
           history: {index: h, size: H, path: [hex]}},
  "partner": a complete proof (this format, no countersignatures)
             of the partner's entangle record }
.fi
.PP
It holds when: the link header is this chain's, its hash is link.hash and its seal holds under
this chain's parameters; H = h and link.hash is the record's block hash, or H > h and the RFC 9162
root from leafHash(block hash of h), index h, size H and path equals the link header's
historyRoot; the partner proof verifies (against the same trust list) and is of kind
\\fBentangle\\fR; its payload is a signed checkpoint with a valid signature, naming this chain,
height H and link.hash; and its signer is an authority of this chain or in the trust list's
authorities. A forger who rewrites block h must change every later hash, but the partner's
chain keeps the original one.
.SH TRUST LIST
.PP
{"origins": [hex public keys], "authorities": [hex public keys], "chains": [hex chain ids]}; each
list optional. \\fBurchain trust export\\fR(1) writes one for a node.
.SH TEST VECTORS
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
The complete proof of transaction 1 is test/vectors/formats.json, field "proof". The RFC 9162
tree vectors used by the test suite are in test/vectors/rfc9162\\-merkle.json, the RFC 8032 ones in
test/vectors/rfc8032\\-ed25519.json.
.SH SEE ALSO
.BR urchain (1),
.BR urchain\\-verify (1),
.BR urchain\\-prove (1)
.PP
RFC 8949 (CBOR), RFC 8032 (Ed25519), RFC 9162 (Certificate Transparency 2.0, Merkle trees)
`;
}
