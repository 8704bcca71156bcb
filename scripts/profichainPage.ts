/**
 * The text of urchain-profichain(7): the Profichain wire protocol, with the vectors of
 * test/vectors/profichain.json printed into it, so a client can be written from this page alone.
 */
import { hexBlock as block } from './roff.js';

export function profichainPage(v: any, date: string, version: string): string {
  const t = v.tier1;
  return `'\\" t
.TH URCHAIN\\-PROFICHAIN 7 "${date}" "urchain ${version}" "urchain manual"
.SH NAME
urchain\\-profichain \\- the Profichain TCP protocol: records in, durable receipts out
.SH DESCRIPTION
.PP
Profichain is how a machine controller, a PLC gateway or any program hands records to an urchain
node over one TCP connection, in any language. The node serves it with
\\fBurchain node run \\-\\-profichain HOST:PORT\\fR; the reference client is
\\fBurchain ingest send \\-\\-profichain HOST:PORT\\fR. A client sends records, many in flight at
once, and gets one \\fIreceipt\\fR per record, carrying its transaction id, once the record is
durably stored (synced to disk): a record whose receipt arrived survives a crash of the node.
.PP
Two optional protections, each the client's choice:
.TP
.B Tier 1
session encryption between client and node: an X25519 key agreement with the node's published
ed25519 key and a fresh key on each side, then AES\\-256\\-GCM on every frame, with a sequence number
that refuses replayed, reordered or dropped frames.
.TP
.B Tier 2
payload encryption under an AES\\-256 key only the sender holds. The node stores, signs and proves
the ciphertext; nobody in the network can read it. The sender (or whoever it gives the key)
decrypts with \\fBurchain decrypt\\fR or \\fBurchain prove \\-\\-decrypt\\-key\\fR.
.SH FRAMES
.PP
Every message in either direction is one frame:
.IP
.nf
length (4 bytes, unsigned, big\\-endian) || type (1 byte) || body
.fi
.PP
length counts type and body (so it is at least 1). Every body is canonical CBOR as in
\\fBurchain\\-formats\\fR(5): arrays, unsigned integers, byte strings and UTF\\-8 text strings in
their shortest form, nothing else. Types:
.TS
l l l l.
type	name	direction	body
0x01	HELLO	client \\(-> node	[versions, clientName, tier1, clientEph]
0x02	WELCOME	node \\(-> client	[version, nodeKey, chainId, maxFrame, tier1, nodeEph]
0x03	SUBMIT	client \\(-> node	[record, ...], record = [id, kind, meta, payload, idemKey]
0x04	RECEIPT	node \\(-> client	[id, txId, batchRoot, timestamp, seq, duplicate]
0x05	ERROR	both	[id, code, message]
0x06	PING	client \\(-> node	[n]
0x07	PONG	node \\(-> client	[n] (the n of the PING)
0x10	SEALED	both, tier 1	seq || ciphertext || tag (not CBOR)
.TE
.PP
Limits. Until WELCOME the node accepts frames of length at most 256; after it, at most
\\fImaxFrame\\fR (the node's payload limit plus 65536; 16 MiB + 64 KiB by default). The node
judges the length field as soon as the first 5 bytes of a frame arrive: a length of 0, a length
over the limit or an unknown type is an error at once, before the body is read. A client must
not rely on a frame being accepted because an earlier one was.
.SH SESSION
.TP
.B 1. HELLO
The client connects and sends HELLO within 10 seconds: \\fIversions\\fR is the array of protocol
versions it speaks (this page is version 1), \\fIclientName\\fR a text for the node's log,
\\fItier1\\fR 1 to ask for session encryption, else 0, and \\fIclientEph\\fR a fresh X25519 public
key (32 bytes) with tier 1, else the empty byte string. The client may send its first SUBMIT
right behind HELLO without waiting.
.TP
.B 2. WELCOME
The node answers with the version it chose, its ed25519 public key (32 bytes), the chain id
(32 bytes), maxFrame, tier1 (1 when the session is encrypted from here on) and its own fresh
X25519 public key (or the empty byte string). Without a common version the node sends ERROR and
closes. A client that knows the node's key compares nodeKey with it and stops on a mismatch;
with tier 1 it derives the session keys with the key it knows (see TIER 1), so only that key's
holder can read or answer the session.
.TP
.B 3. SUBMIT
Any number of SUBMIT frames, each a non\\-empty array of records, with no need to wait for
receipts in between. \\fIid\\fR is a uint \\(>= 1 the client chooses, unique among its records in
flight (0 is reserved for the connection). \\fIkind\\fR is the record kind (\\fBrecord\\fR unless
the client has a reason; [a\\-z][a\\-z0\\-9._\\-]{0,31}), \\fImeta\\fR an array of [key, value] text
pairs (reserved keys: product, type, source, filename; the rules of \\fBurchain\\-formats\\fR(5)),
\\fIpayload\\fR the bytes, \\fIidemKey\\fR an idempotency key of 1 to 256 bytes (UTF\\-8) or the empty
text for none. A record sent again with the same idemKey is not taken in twice: its receipt comes
back with duplicate = 1 and the first record's txId. The same idemKey with another kind, meta or
payload is refused with ERROR code CONFLICT. Use one when a record may be retried after a lost
connection.
.TP
.B 4. RECEIPT or ERROR, per record
For every record, exactly one of: RECEIPT [id, txId, batchRoot, timestamp, seq, duplicate], sent
only after the transaction holding the record is durable (txId is the SHA\\-256 of the
transaction core, see \\fBurchain\\-formats\\fR(5); batchRoot the root of the signed batch it is in;
timestamp and seq those of the core; duplicate 1 or 0) \\(em or ERROR [id, code, message] when
that record was refused (too large, a bad kind or meta, a store failure). Receipts come in the
order the node committed the records, which need not be the order they were sent; match them by
id. A refused record leaves the connection open.
.TP
.B 5. Connection errors
ERROR with id 0 concerns the connection: the node sends it and closes. This happens on a
malformed frame (bad length, unknown type, CBOR that is not canonical or not the expected shape),
a frame before HELLO, a sealed frame that does not decrypt or comes out of sequence, or a plain
frame in an encrypted session. Records in flight on a closed connection may or may not have been
taken in: resend them with their idemKey. The node's other connections are not affected.
.TP
.B Flow control
A node holds at most 65536 records in flight per connection; beyond that it stops reading from
the socket until receipts have gone out, so a fast client is slowed down by TCP, not refused.
.PP
Error codes: BAD_INPUT, BAD_ENCODING (CBOR), TOO_LARGE, BAD_SIGNATURE (does not decrypt),
REPLAY (sealed frame out of sequence), STORE (the node could not store durably; nothing was
acknowledged), UNAVAILABLE (the node is shutting down).
.SH TIER 1: SESSION ENCRYPTION
.PP
The node's static X25519 key is its ed25519 key mapped the standard way (RFC 7748, RFC 8032): the
X25519 secret is the first 32 bytes of SHA\\-512(ed25519 seed), the public key is the Montgomery
u = (1 + y) / (1 \\- y) mod 2^255\\-19 of the ed25519 public key's y (see \\fBurchain\\-formats\\fR(5)).
Both sides compute, X25519 as in RFC 7748 and HKDF as in RFC 5869:
.IP
.nf
s1  = X25519(clientEphSecret, nodeX25519Public)    = X25519(nodeX25519Secret, clientEph)
s2  = X25519(clientEphSecret, nodeEph)             = X25519(nodeEphSecret, clientEph)
okm = HKDF\\-SHA\\-256(ikm = s1 || s2, salt = clientEph || nodeEph,
                   info = "urchain/profichain/v1" || nodeKey, length 64)
clientToNode = okm[0..32)      nodeToClient = okm[32..64)
.fi
.PP
s1 binds the session to the node's long\\-term key, s2 gives forward secrecy. After WELCOME every
frame in both directions is SEALED (the WELCOME itself is plain). A sealed frame's body is
.IP
.nf
seq (8 bytes, big\\-endian) || AES\\-256\\-GCM(key, nonce = 00000000 || seq,
                                         aad = 0x10 || seq, plaintext = innerType || innerBody) || tag
.fi
.PP
with key clientToNode or nodeToClient by direction. seq is 1 for the first sealed frame in each
direction and grows by exactly 1; a receiver accepts only the next seq, so a replayed, reordered
or dropped frame ends the session. The inner frame is a complete frame without its length field.
A node's ERROR about a sealed frame that does not decrypt is itself sealed (the client that cannot
read it learns from the closed connection).
.SH TIER 2: PAYLOAD ENCRYPTION
.PP
Before a payload leaves the client it is replaced by
.IP
.nf
"UT2" || 0x01 || nonce (12 random bytes) || AES\\-256\\-GCM(key, nonce, aad = "UT2" || 0x01, payload) || tag
.fi
.PP
under the client's own 32\\-byte key (\\fBurchain keygen \\-\\-aes\\fR writes one as
{"type":"urchain\\-aes256gcm","key":hex}, mode 0600), and the metadata gets enc = tier2. The node
treats the result like any payload: its digest is in the signed transaction core, proofs carry
the ciphertext and verify without the key. A nonce must never repeat under one key.
.SH VECTORS
.PP
Built from fixed inputs by test/profichainVectors.ts and checked byte for byte by the test suite
(test/vectors/profichain.json). Plain frames:
${block('HELLO (tier 1, name press\\-7, clientEph below)', v.frames.hello)}
${block('HELLO (no tier 1)', v.frames.helloPlain)}
${block('WELCOME (version 1, nodeKey, chainId = H("vector\\-chain"), maxFrame 16842752, tier 1, nodeEph)', v.frames.welcome)}
${block('SUBMIT (id 1, kind record, product SN\\-4711, payload "hello, urchain", idemKey press\\-7/0001)', v.frames.submit)}
${block('RECEIPT (id 1, txId a0a1.., batchRoot c0c1.., timestamp 1767225601000, seq 1, not a duplicate)', v.frames.receipt)}
${block('ERROR (id 0, TOO_LARGE)', v.frames.error)}
${block('PING 7', v.frames.ping)}
.PP
Tier 1 with the node seed 000102..1f, clientEphSecret 404142..5f, nodeEphSecret 606162..7f
(X25519 secrets as RFC 7748 takes them, clamped inside X25519):
${block('nodeKey (ed25519 public)', t.nodeKey)}
${block('node X25519 secret (first half of SHA\\-512(seed))', t.nodeX25519Secret)}
${block('node X25519 public (u)', t.nodeX25519Public)}
${block('clientEph', t.clientEph)}
${block('nodeEph', t.nodeEph)}
${block('s1', t.s1)}
${block('s2', t.s2)}
${block('okm', t.okm)}
${block('clientToNode', t.clientToNode)}
${block('nodeToClient', t.nodeToClient)}
${block('the SUBMIT above, sealed by the client (seq 1)', t.sealedSubmit)}
${block('the RECEIPT above, sealed by the node (seq 1)', t.sealedReceipt)}
.PP
Tier 2 with key ${v.tier2.key}, nonce ${v.tier2.nonce}, payload "confidential":
${block('tier\\-2 payload', v.tier2.payload)}
.SH EXAMPLE
.PP
A minimal client in Python (no tier 1), as a sketch of the flow: connect, write HELLO and SUBMIT,
read WELCOME and the RECEIPT:
.IP
.nf
s = socket.create_connection(("127.0.0.1", 7600))
s.sendall(bytes.fromhex("${v.frames.helloPlain}"))   # HELLO, no tier 1
s.sendall(frame(0x03, cbor([[1, "record", [], payload, ""]])))
welcome = read_frame(s); receipt = read_frame(s)
.fi
.SH SEE ALSO
.BR urchain (1),
.BR urchain\\-node\\-run (1),
.BR urchain\\-ingest\\-send (1),
.BR urchain\\-decrypt (1),
.BR urchain\\-formats (5)
.PP
RFC 7748 (X25519), RFC 5869 (HKDF), NIST SP 800\\-38D (GCM), RFC 8949 (CBOR)
`;
}
