/**
 * The text of urchain-network(7): the links between the nodes of one company network — member
 * list, handshake, messages, flooding, sync, countersignatures and bad-peer rules — with the
 * vectors of test/vectors/network.json printed into it.
 */
import { hexBlock as block } from './roff.js';
import { BAN_SCORE, BAN_MS, SCORE_HALF_LIFE_MS } from '../src/net/scoring.js';

export function networkPage(v: any, date: string, version: string): string {
  const m = v.members;
  const h = v.handshake;
  const x = v.messages;
  return `'\\" t
.TH URCHAIN\\-NETWORK 7 "${date}" "urchain ${version}" "urchain manual"
.SH NAME
urchain\\-network \\- links between the nodes of one company network: member list, handshake, messages
.SH DESCRIPTION
.PP
The nodes of one company form one network with one chain. Which node keys belong is fixed by a
\\fImember list\\fR signed by the company's \\fImembership key\\fR (\\fBurchain keygen \\-\\-membership\\fR,
\\fBurchain member add\\fR). Nodes link to each other over WebSocket
(\\fBurchain node run \\-\\-listen\\fR, \\fB\\-\\-seed\\fR); on each link both sides prove their key
and show that the list admits them, then they flood signed batches and blocks, sync late nodes,
fetch payloads from archives and, under proof\\-of\\-authority with a threshold above one, gather
countersignatures. Everything hashed or signed here is canonical CBOR as in
\\fBurchain\\-formats\\fR(5); H is SHA\\-256; a signature is Ed25519 over
\\fIdomain tag\\fR || H(...) as described there.
.SH TRANSPORT
.PP
A node that dials opens \\fBws://HOST:PORT/urchain/link/v1?from=KEY\\fR, KEY being its public key
in hex. The path is informational (for proxies and logs): nothing is trusted before the
handshake. Every message is one binary WebSocket message holding one canonical CBOR array whose
first element is the message type, decoded strictly: only unsigned integers, byte and text
strings and arrays in canonical form (no maps, tags, shared references, floats or indefinite
lengths), anything else is malformed. Limits: a message is at most 64 MiB; until the peer's AUTH
has verified, a message is at most 1 MiB, an inbound connection may send at most 2 MiB + 64 KiB
in all, and at most 32 inbound connections may be in the handshake at once (more are closed at
once and may try again); a message holds at most 64 + bytes/8 CBOR data items (counted
at each array's head, before the array is built; each honest message has far fewer); at most
5000 messages per second per link are taken, further ones dropped. Keep\\-alive: each side sends a WebSocket ping
every 5 seconds and ends a link that has been silent for 15 seconds.
.SH MEMBER LIST
.IP
.nf
list      = [1, networkKey, serial, [[memberKey, role], ...]]
signature = Ed25519(networkKey, "urchain/members/v1" || H(list))
wire form = [bytes(list), signature]
.fi
.PP
Members are in ascending order of key, each key once; role is one of the text strings thin,
producer, archive, full; bytes(list) is a CBOR byte string holding the CBOR of list. \\fIserial\\fR grows with every
change. A node pins the membership key (networkKey) of the first list it is given and from then on takes only
lists signed by that key with a higher serial; it keeps the newest in DATA/members.json (the JSON
form below, which \\fBurchain member\\fR writes). A key the newest list leaves out is revoked:
its links are closed and it cannot link again.
.SH HANDSHAKE
.PP
Both sides send HELLO at once:
.IP
.nf
[1, version, chainId, nodeKey, nonce, role, listen, membersSerial, height, headHash]
.fi
.PP
version is 1; nonce 32 fresh random bytes; listen the HOST:PORT peers should dial to reach the
sender (\\fB\\-\\-advertise\\fR, else \\fB\\-\\-listen\\fR, or "" for a node that only dials);
membersSerial the serial of its member list; height and headHash its canonical head. A HELLO with
another version or chain id ends the link. Each side then sends AUTH:
.IP
.nf
[2, signature, memberList | h'']
signature = Ed25519(nodeKey, "urchain/link/v1" || H([peerNonce, nodeKey, peerKey, chainId]))
.fi
.PP
where peerNonce is the nonce of the other side's HELLO: the signature proves the key, and is
worthless on any other link (other nonce, other pair of keys, other chain). AUTH carries the
sender's member list (wire form) when its serial is above the peer's membersSerial, else the
empty byte string; the receiver adopts a newer list before it checks membership. The link is up
once the peer's signature verifies and its key is on the list (and not banned). A refusal is an
ERROR message with a reason (for example "is not a member of this network"), then the link is
closed.
.SH MESSAGES
.TS
l l l.
type	name	fields after the type
3	GET_PEERS	(none)
4	PEERS	[[key, listen, role], ...]
5	BATCH	batch
6	BLOCK	block
7	GET_BLOCKS	[locator hash, ...], max
8	BLOCKS	[block, ...], [batch, ...]
9	GET_TXS	[txId, ...], wantPayloads (0 or 1)
10	TXS	[batch, ...]
11	GET_PAYLOAD	txId
12	PAYLOAD	txId, payload | h'', found (0 or 1)
15	ERROR	code, message
16	SIGN_REQ	block
17	SIG	blockHash, signature | h'', reason | ""
.TE
.PP
A locator has at most 64 hashes, max is at most 200, GET_TXS asks for at most 100000 ids.
.IP
.nf
batch = [origin, signature, [[core] | [core, payload], ...]]
block = [header, [[key, signature], ...], txIds]
.fi
.PP
core and the batch signature are the transaction core and batch signature of
\\fBurchain\\-formats\\fR(5) (BATCH SIGNATURE): with n the number of transactions and batchRoot
the RFC 9162 root over leafHash(txId) of the batch's transaction ids in order, the signature is
the origin's Ed25519 over "urchain/batch/v1" || H(canonical CBOR of [n, batchRoot]) (not over
batchRoot itself), so a receiver verifies a batch whole, then checks each core's chain id, origin,
and (when the payload is there) payload length and digest. header is the canonical header bytes;
txIds the block's transaction ids, 32 bytes each, concatenated.
.SH FLOODING AND SYNC
.PP
A node sends each batch it signs, and each block that joins its tree, to all its links; a node
that receives one it did not have and finds valid forwards it to its other links (not to the
batch's origin or the block's producer, which have it) and stores it, so a message crosses each
link at most once. Thin and producer nodes store batches without payloads. The origin of a batch
sends its payloads to archive and full links, and to every link while some archive or full
member is not linked to it; a relay passes payloads only to archive and full links. An archive
or full node linked to a batch's origin holds a copy without payloads that came from another
link for up to 2 seconds, when the transactions' payload lengths (in their cores) add up to no
more than the message limit below: the origin then sent it the payloads itself. If the origin's
copy is taken meanwhile the held copy is dropped; otherwise it is handled when the 2 seconds end. A copy of a
batch already taken (the same signature over the same number of transactions) is dropped before
it is decoded; a copy that comes while that batch is being stored is held, and taken in its
stead if the write fails. A block whose transactions are unknown waits while the node asks the
sender with GET_TXS, if it is one above a block the node has and its seal verifies (at most 32
such blocks per peer, each for at most a minute); any other is left to a sync round. A node that is behind (a peer's HELLO shows a greater height or an unknown head, or a
block's parent is unknown) sends GET_BLOCKS with a locator: its canonical block hashes from the
head back, the first 9 one apart, then doubling the step, and the genesis hash last. The peer
answers with up to 200 of its canonical blocks after the newest locator hash on its canonical
chain, together with the batches of their transactions (with payloads only for archive and full
nodes). Sync goes on, round after round, until the node has the head of its best linked peer:
after each answer (and once the blocks in it that waited for their transactions are in), the
node sends the next GET_BLOCKS to the same peer while that peer's height (from its HELLO and the
blocks it has sent since) is above the node's own. An answer can be short for many reasons (200
blocks, the message budget below, a block that came alone), so its length never ends sync: the
heights do. An answer that moves the node's head nowhere ends sync with that peer until it shows
a newer block; a round not answered within 10 seconds is asked again, each second, of the
highest linked peer, one that has not left a round unanswered first. \\fBurchain peers\\fR shows progress under sync: height (this node's),
target (the highest linked peer's), bestPeerHeight (the highest seen since start), syncing (true
while height is below target or a request is open), waitingBlocks and missingPayloads; the node
reports each round as a \\fBsync\\fR event (height, target) and the end as \\fBsynced\\fR, on
standard error (JSON lines on standard output with \\fB\\-\\-json\\fR). On a new link each side also hands over
the batches of its pending transactions.
.PP
No message an honest node sends goes over the limit: a message carries at most 32 MiB of payloads
(URCHAIN_MESSAGE_BUDGET sets another number of bytes), payloads beyond that are left out (a
transaction then travels as [core]), a BLOCKS answer stops before its transactions would pass
that budget, and a block too big to come with its transactions comes alone, its transactions
asked for with GET_TXS, 10000 ids at a time. An archive or full node fetches every payload that
came without, one GET_PAYLOAD at a time, from its archive and full links and from the
transaction's origin, and stores it once its length and digest match the core. Fork choice is the block tree's: the most cumulative
work wins; between heads of equal work the lowest block hash (compared bytewise) wins, whatever
the order the blocks arrived in, so nodes that know the same blocks follow the same head without
waiting for another block; transactions of abandoned blocks go back to pending.
.PP
Peers: GET_PEERS every 10 seconds on each link; a node answers with the peers it has heard of in
the last 2 minutes and itself. It keeps \\fB\\-\\-links\\fR (default 8) links, opening new ones from
that table (the seeds when it has too few) every second. A node that learns of a new linked peer
tells its other links at once with PEERS. Only member keys with a dialable listen address
(HOST:PORT, port 1\-65535, a host that parses in a ws:// URL) are kept; other entries, and a HELLO's
listen address that is not dialable, are ignored.
.SH COUNTERSIGNATURES
.PP
Under proof\\-of\\-authority with threshold k > 1, the authorities take turns: height h is proposed
by authority h mod n (in genesis order); the one d places later proposes once the height has
waited 2 \\(mu d block times at it. The proposer seals the block with its own signature and sends
SIGN_REQ to its linked authorities. An authority signs (SIG with Ed25519 over
"urchain/block/v1" || block hash) when the block extends its own head, is valid but for missing
signatures, its transactions are known, and it has not signed another proposer's block at that
height in the last 10 seconds; otherwise it answers SIG with an empty signature and the reason.
The proposer adds the block once it has k authority signatures; a block still short after
max(2 s, 2 block times), at most 10 s, is dropped and its records stay pending for the next try.
.SH BAD PEERS
.PP
Only a key that has proved itself is scored: the score belongs to the key of a link that is up
(the peer's AUTH signature verified and the list admits the key). Each such key has a score
starting at 0. An error a peer's message causes costs the points its error code carries: a forged
signature, an undecodable, malformed or oversized message, an invalid block, or a batch whose
origin is not a member (code FORBIDDEN, which costs 5 elsewhere: a member must check the origin
before it relays a batch) costs ${BAN_SCORE}; more than 5000 messages in a second costs 50; a
failure of the node's own store (a full disk) costs nothing; other errors cost 5. Messages that
arrive in the same read as the AUTH count once the link is up, also when they close it at once
or the link is not kept (already linked, no free slot). At \\-${BAN_SCORE} (the ban threshold)
the offending link and the key's link in the table are closed with an ERROR and the key is
banned for ${BAN_MS / 1000} seconds; while banned it is refused in the handshake with "banned
until TIME". A ban clears the score: after it the key starts again from 0.
.PP
Lost points are forgotten over time: a key's score halves once every
${SCORE_HALF_LIFE_MS / 3_600_000} hour, counted in whole hours from the first point it lost
since it was last at 0, and a score above \\-1 is back at 0. The halving is by whole periods, not continuous, so a burst
adds up to its full sum: twenty errors of 5 points within a minute still ban a key, while the
same twenty spread over a week never do, and an honest peer that trips a local failure now and
then is never cut off for it.
.PP
A peer that fails the handshake (a wrong or missing AUTH signature, another chain or version, a
key not on the list, a malformed or oversized message, no AUTH within 5 seconds) has proved no
key: its connection is closed and nothing else happens. The key its HELLO named is only a claim,
so it is neither scored nor banned, and a link that key already has stays up; no address is
banned either (the nodes of one host share it). The handshake limits (TRANSPORT) and the 5
second deadline bound what such connections hold.
.PP
A closed link, whoever closes it and whenever (in the handshake, in the same read as its AUTH,
later), leaves the node's table of links at once: only live links count against
\\fB\\-\\-links\\fR. Nothing a peer sends stops the node.
.SH TEST VECTORS
.PP
From test/vectors/network.json. Seeds are Ed25519 secret seeds; keys follow from them. Member
list (serial 2: the key of seed 20..3f as full, the key of seed 40..5f as thin), signed with the
network seed ${m.networkSeed}:
${block('list (CBOR)', m.listBytes)}
${block('H(list)', m.listHash)}
${block('signed message', m.signedMessage)}
${block('signature', m.signature)}
${block('wire form', m.wire)}
.PP
Handshake between A, a full node at height 42 with head H("vector-head"), advertising
10.0.0.5:7700, nonce 80..9f, list serial 2, and B, a thin node that only dials, same head at
height 40, nonce a0..bf, list serial 1:
${block('chain id (H("vector-chain"))', h.chainId)}
${block('key A (seed 20..3f)', h.keyA)}
${block('key B (seed 40..5f)', h.keyB)}
${block('HELLO from A', h.helloA)}
${block('HELLO from B', h.helloB)}
${block('H([nonceA, keyB, keyA, chainId]), which B signs', h.authHashB)}
${block('AUTH from B (no list: A has the newer one)', h.authB)}
${block('H([nonceB, keyA, keyB, chainId]), which A signs', h.authHashA)}
${block('AUTH from A, carrying the list', h.authA)}
.PP
Other messages:
${block('GET_PEERS', x.getPeers)}
${block('PEERS', x.peers)}
${block('GET_PAYLOAD for id c0..df', x.getPayload)}
${block('SIG by A for block hash H("vector-block")', x.sig)}
${block('SIG refused', x.sigRefused)}
${block('ERROR', x.error)}
.SH SEE ALSO
.BR urchain\\-node\\-run (1),
.BR urchain\\-member\\-add (1),
.BR urchain\\-peers (1),
.BR urchain\\-formats (5)
`;
}
