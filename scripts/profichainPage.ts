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
0x06	PING	client \\(-> node	[n], n an unsigned integer below 2^53
0x07	PONG	node \\(-> client	[n] (the n of the PING)
0x10	SEALED	both, tier 1	seq || ciphertext || tag (not CBOR)
.TE
.PP
Limits. Until WELCOME the node accepts frames of length at most 256; after it, at most
\\fImaxFrame\\fR (the node's payload limit plus 65536; 16 MiB + 64 KiB by default). The node
judges the length field as soon as the first 5 bytes of a frame arrive: a length of 0, a length
over the limit or an unknown type is an error at once, before the body is read. A client must
not rely on a frame being accepted because an earlier one was.
.PP
A PING body is exactly [n] with n an unsigned integer below 2^53; any other PING body (more
elements, a byte string, text) is a connection error. The PONG carries the same n, so a PONG is
never larger than 14 bytes whatever the client sends.
.SH SESSION
.TP
.B 1. HELLO
The client connects and sends HELLO within 10 seconds: \\fIversions\\fR is a non\\-empty array
of the protocol versions it speaks (unsigned integers; this page is version 1),
\\fIclientName\\fR a text for the node's log, \\fItier1\\fR exactly 1 to ask for session
encryption or exactly 0, and \\fIclientEph\\fR a fresh X25519 public key (32 bytes) with tier 1,
else the empty byte string (a non\\-empty clientEph without tier 1 is refused). With tier 1 the
node refuses a clientEph of small order (one of the points of RFC 7748 \\(sc6.1, in any of its
encodings, which makes the shared secret all zeros) with a plain ERROR [0, BAD_INPUT, ...]
\\fIbefore\\fR WELCOME: no WELCOME is sent and the connection is closed (see VECTORS).
.IP
Without tier 1 the client may send its first SUBMIT right behind HELLO without waiting. With
tier 1 it must wait for WELCOME: every later frame is sealed under keys that need the node's
nodeEph, and a plain frame in an encrypted session is a connection error.
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
flight on the connection (0 is reserved for the connection). A record is in flight from its
SUBMIT until its RECEIPT or ERROR has been sent; then its id may be used again. An id that
repeats one in flight, or another in the same SUBMIT, is a connection error (ERROR [0,
BAD_INPUT, ...]), and \\fInothing\\fR of that SUBMIT is taken in: the node checks a whole SUBMIT
(shape, ids) before it hands any of its records on. A SUBMIT holds at most 65536 records. \\fIkind\\fR is the record kind (\\fBrecord\\fR unless
the client has a reason; [a\\-z][a\\-z0\\-9._\\-]{0,31}), \\fImeta\\fR an array of [key, value] text
pairs (reserved keys: product, type, source, filename; the rules of \\fBurchain\\-formats\\fR(5))
in any order: the client need not sort them, the node sorts them by key (bytewise, UTF\\-8) into
the transaction core, and refuses the record when a key is given twice,
\\fIpayload\\fR the bytes, \\fIidemKey\\fR an idempotency key of 1 to 256 bytes (UTF\\-8) or the empty
text for none. A record sent again with the same idemKey and the same content is not taken in twice: its
receipt comes back with duplicate = 1 and the first record's txId. The same idemKey with a
different payload or metadata is refused with ERROR [id, CONFLICT, ...] and nothing is stored:
a key never silently stands for other data. Use one when a record may be retried after a lost
connection.
.IP
Many records per SUBMIT is the fast way: the node takes the records of one SUBMIT into one
group commit (one batch signature, one durable write, unless the SUBMIT holds more records than
the node's batch limit of 8192), and answers them together, once the last of them is durable or
refused: their RECEIPT and ERROR frames, in the order of the SUBMIT, in one write (a sealed
session seals each answer in a SEALED frame of its own). The
reference client does this by itself under load: a record submitted while none is in flight
goes out at once, alone; records submitted while others are in flight are gathered until the
end of the current event\-loop turn and go out together, at most 1024 records and 256 KiB (or
maxFrame bytes, when smaller) per SUBMIT. The wire format is the same either way.
.TP
.B 4. RECEIPT or ERROR, per record
For every record, exactly one of: RECEIPT [id, txId, batchRoot, timestamp, seq, duplicate], sent
only after the transaction holding the record is durable (txId is the SHA\\-256 of the
transaction core, see \\fBurchain\\-formats\\fR(5); batchRoot the root of the signed batch it is in;
timestamp and seq those of the core; duplicate 1 or 0) \\(em or ERROR [id, code, message] when
that record was refused (too large, a bad kind or meta, an idemKey used for other content, a
store failure). Receipts come in the
order the node committed the records, which need not be the order they were sent; match them by
id. A refused record leaves the connection open.
.TP
.B 5. Connection errors
ERROR with id 0 concerns the connection: the node sends it and closes. This happens on a
malformed frame (bad length, unknown type, CBOR that is not canonical or not the expected shape),
a frame before HELLO, a HELLO that breaks the rules above, a SUBMIT with a repeated record id, a
PING of another shape, a sealed frame that does not decrypt or comes out of sequence, a plain
frame in an encrypted session, or a limit of LIMITS AND FLOW CONTROL running out (TIMEOUT). Records in flight on a closed connection may or may not have been
taken in: resend them with their idemKey. The node's other connections are not affected.
.PP
Error codes (the code is what a client acts on; the message is English text for a log, may
change between releases and must not be parsed): BAD_INPUT, BAD_ENCODING (CBOR), TOO_LARGE,
BAD_SIGNATURE (does not decrypt), REPLAY (sealed frame out of sequence), CONFLICT (per record:
the idemKey was used before for other content), STORE (the node could not store durably;
nothing was acknowledged), TIMEOUT (id 0: a limit below ran out), UNAVAILABLE (the node is
shutting down, or has too many connections: try again later).
.SH LIMITS AND FLOW CONTROL
.PP
A node bounds what its Profichain clients together can make it hold. The defaults:
.TP
.B Connections
at most 256 at once. One more gets ERROR [0, UNAVAILABLE, "too many Profichain connections
(limit 256); try again later"] (plain, before HELLO is read) and is closed.
.TP
.B HELLO
complete within 10 seconds of the connection, or ERROR [0, TIMEOUT, ...] and close.
.TP
.B Frame deadline
a frame must be complete within 30 seconds of its first byte, counted while the node is reading
the connection, or ERROR [0, TIMEOUT, ...] and close: a frame begun and never finished does not
hold memory.
.TP
.B Idle timeout
a connection that has sent nothing for 300 seconds, with none of its records in flight and no
frame partly sent, gets ERROR [0, TIMEOUT, ...] and is closed. A client that wants to hold
a quiet connection sends a PING more often than that; the reference client reconnects instead.
.TP
.B Buffered bytes
all connections together share a budget of 64 MiB (never less than one frame of maxFrame): a
frame's whole length is reserved when its length field arrives, payloads of records in flight
and answers not yet written out are counted until they are gone. While a frame's length does
not fit, the node stops reading that connection (and its frame deadline does not run); the
sender waits in TCP and continues, in order of arrival, as bytes are released. Nothing is
refused for this: it only slows clients down.
.TP
.B Records in flight
at most 65536 per connection: at that many the node stops reading the connection until half of
them have been answered.
.TP
.B Unread output
the node stops reading a connection while more than 256 KiB of its answers (receipts, errors,
pongs) are waiting to be sent because the client does not read them, and reads again once they
have drained. This is what "stops reading" means for every limit here: the node leaves the
client's further frames unread in TCP, so a client that writes and never reads soon blocks in its
own writes. A client must therefore read receipts while it sends. Output that has not drained
for 30 seconds closes the connection (without a further ERROR, which could not be delivered):
records in flight on it may or may not have been stored \\(em resend them with their idemKey.
.SH TIER 1: SESSION ENCRYPTION
.PP
The node's static X25519 key is its ed25519 key mapped the standard way (RFC 7748, RFC 8032): the
X25519 secret is the first 32 bytes of SHA\\-512(ed25519 seed) (X25519 clamps it, RFC 7748 \\(sc5).
The public key is the Montgomery u of the ed25519 public key's y, byte for byte:
.IP
.nf
y = the 32 key bytes read as a little\\-endian integer, with bit 7 of byte 31 cleared
    (that bit is the sign of x, RFC 8032 \\(sc5.1.2; it is ignored: a point and its
    negation map to the same u)
y \\(>= p or y = 1: the key has no X25519 form, refused         (p = 2^255 \\- 19)
u = (1 + y) \\(mu (1 \\- y)^(p\\-2) mod p, written as 32 bytes little\\-endian
.fi
.PP
(the vectors give nodeKey and its u).
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
{"type":"urchain\\-aes256gcm","key":hex}, mode 0600). The node treats the result like any
payload: its digest is in the signed transaction core, proofs carry the ciphertext and verify
without the key. A nonce must never repeat under one key.
.PP
\\fBenc = tier2\\fR is a metadata pair the \\fIclient\\fR adds to say "this payload is tier\\-2
ciphertext" (the reference client adds it with \\fB\\-\\-tier2\\-key\\fR). The node neither sets,
reads nor checks it: it is signed into the core like any metadata, a label for whoever reads the
record or its proof. \\fBurchain decrypt\\fR recognizes a tier\\-2 payload by its "UT2" 0x01 prefix,
not by the label. A client that encrypts should add it; a client that does not must not.
.SH SECURITY
.PP
Profichain does not authenticate clients. Whoever can open a TCP connection to the port can write
records, and the node signs every record it takes in with its own origin key: a proof then says
"this node took this record in at this time", not who sent it (the source and other metadata are
the client's claim). Tier 1 authenticates the \\fInode\\fR to a client that pinned its key and
hides the traffic; it does not identify the client. So: on 127.0.0.1 (the recommended address)
every process and user on the node's machine can write; on any other address everyone who can
reach the port can, and the node prints a warning on stderr when it starts that way. Off
loopback, allow only the gateways' addresses (firewall, VLAN, a tunnel).
.SH VECTORS
.PP
Built from fixed inputs by test/profichainVectors.ts and checked byte for byte by the test suite
(test/vectors/profichain.json). Plain frames:
${block('HELLO (tier 1, name press\\-7, clientEph below)', v.frames.hello)}
${block('HELLO (no tier 1)', v.frames.helloPlain)}
${block('WELCOME (version 1, nodeKey, chainId = H("vector\\-chain"), maxFrame 16842752, tier 1, nodeEph)', v.frames.welcome)}
${block('SUBMIT (id 1, kind record, product SN\\-4711, payload "hello, urchain", idemKey press\\-7/0001)', v.frames.submit)}
${block('RECEIPT (id 1, txId a0a1.., batchRoot c0c1.., timestamp 1767225601000, seq 1, not a duplicate)', v.frames.receipt)}
${block('ERROR (id 0, TOO_LARGE, message "frame of 50000000 bytes exceeds the limit of 16842752")', v.frames.error)}
${block('ERROR (id 3, CONFLICT, message "idempotency key press\\-7/0001 was used before for other content")', v.frames.errorConflict)}
${block('PING 7', v.frames.ping)}
${block('PONG 7', v.frames.pong)}
${block('HELLO (tier 1, clientEph of small order: 32 zero bytes)', v.frames.helloSmallOrder)}
${block('the node\\(aqs answer to it, instead of WELCOME (id 0, BAD_INPUT, message "clientEph is a point of small order: no shared secret (RFC 7748 \\(sc6.1)")', v.frames.errorSmallOrder)}
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
