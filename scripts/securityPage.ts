/**
 * The text of urchain-security(7): the threat model. Who can reach which port and do what, what
 * each key can do, what a compromised broker, member, gateway or API client can and cannot do,
 * and which test covers each claim (test files under test/, named so a reader can run them with
 * `node dist/test/run.js PATTERN`).
 */
import { otsSecuritySection } from './otsSection.js';
import { cosignSection } from './cosignSection.js';

/** A claim and the test file (and test) that covers it. */
const claim = (text: string, test: string) => `.IP \\(bu 2\n${text}\n\\fITest:\\fR ${test}.`;

export function securityPage(date: string, version: string): string {
  return `'\\" t
.TH URCHAIN\\-SECURITY 7 "${date}" "urchain ${version}" "urchain manual"
.SH NAME
urchain\\-security \\- threat model: ports, keys, adversaries, and the tests behind each claim
.SH DESCRIPTION
.PP
urchain promises three things: nothing acknowledged is lost; nothing refused is stored; nothing
unchecked is called trusted. This page says who can reach which part of a node, what each key
can do, what each kind of adversary can and cannot achieve, and which test in the suite checks
the claim. A claim without a test is marked as such. Byte formats are in
\\fBurchain\\-formats\\fR(5), \\fBurchain\\-network\\fR(7), \\fBurchain\\-profichain\\fR(7) and
\\fBurchain\\-api\\fR(7).
.SH PORTS: WHO CAN REACH WHAT
.TP
.B HTTP API (\\-\\-api, default 127.0.0.1:7400)
Reads everything the node stores and writes records that the node signs with its key. On a
loopback address every local program may use it; a web page in a browser on the same machine may
not: a request whose Host is not a loopback name or whose Origin is not the API's own gets 403
(CSRF and DNS rebinding). Off loopback the node refuses to start unless \\fB\\-\\-api\\-token\\-file\\fR
names a bearer token (at least 16 characters, file not readable by group or others); every
request must then carry it. Bodies are bounded per request and across requests (413, 503), batch
bodies are decoded strictly (no CBOR shared references, no tags the format does not use).
.TP
.B Profichain (\\-\\-profichain HOST:PORT)
Anyone who can open a TCP connection can write records; tier 1 encrypts the session to the node's
key but does not authenticate the client. Bind it to loopback or a controller network only; off
loopback the node warns at start. Connections are capped (256), every started frame must end
within 30 s, idle connections end after 300 s, bytes buffered across all clients share one
budget (64 MiB), and a client that does not read its receipts is no longer read from.
.TP
.B Peer port (\\-\\-listen HOST:PORT)
Anyone can connect; only a key on the member list (signed by the membership key) completes the
handshake. Until a peer has proved its key nothing is scored against that key, so an impostor
naming a member can neither ban it nor drop its link. A proven member that sends a forged batch or
block, a malformed or oversized message or a flood is cut off and banned. The links are
WebSockets whose outgoing frames use an all-zero mask: RFC 6455 masking keeps a browser's script
from steering the bytes a proxy sees, and no browser writes to a node link; links are
authenticated by the handshake above and carry only signed data, so the mask protects nothing
there and costs both ends a pass over every byte. Put a TLS tunnel or VPN between sites.
.TP
.B Broker (broker serve, HTTPS)
Only registered chain keys (one per company network) are served; every request is signed over method, path, query, time,
nonce and body hash, and replays are refused. It stores sealed envelopes it cannot open or forge.
.TP
.B Data folder
Mode 0700, its files 0600; one node per folder (a lock naming pid, start time and boot id). The
store is not trusted: \\fBurchain audit\\fR re\\-verifies every block, signature, Merkle root and
payload from genesis.
.SH KEYS: WHAT EACH CAN DO
.TP
.B node key (DATA/node.key)
Signs the batches of records the node takes in (it is their \\fIorigin\\fR) and, on a producer or
authority, blocks. Whoever holds it can create records in that node's name and, where it is an
authority, blocks; revoke it by a new member list. Key files readable by group or others are refused.
.TP
.B membership key (urchain keygen \\-\\-membership)
Signs member lists, i.e. decides which node keys belong to the company network (and so which
origins \\fBtrust export\\fR lists). Keep it offline. It signs nothing else: not blocks, not
checkpoints.
.TP
.B chain key (entangle push/pull \\-\\-key)
Signs the checkpoints a company sends its partners; it must be an authority (or, on a one\\-node
chain, the node key) of the chain it speaks for: \\fBentangle push\\fR refuses any other key.
.TP
.B tier\\-2 key (urchain keygen \\-\\-aes)
Held by the sender only; the chain stores and proves ciphertext that only this key opens.
.TP
.B API token
Lets its holder use the HTTP API off loopback with the rights of a local program.
.SH ADVERSARIES
.SS A company rewriting its own history
It holds its authority keys and can rebuild its chain with a changed record and re\\-sign every
block. A countersigned proof of the forged record fails, because the partners keep the original
block hashes; a company cannot countersign itself, because a countersignature counts only from a
chain other than the record's own, named as a partner in the verifier's trust list.
${claim('A forged record proves on A alone, but not countersigned.', 'global/entangle.test.ts, "A cannot rewrite history alone"')}
${claim('A chain that rebuilds itself and writes its own checkpoint does not countersign.', 'proof/countersigned.test.ts, "a company cannot countersign itself"')}
.SS A forger handing a customer a proof
${claim('verify without a trust list never exits 0 as trusted: it needs \\fB\\-\\-trust FILE\\fR or the explicit \\fB\\-\\-no\\-trust\\fR.', 'cli/verify.test.ts')}
${claim('A trust list is parsed strictly: {}, misspelled members, a proof file, empty lists and non\\-keys are refused (exit 2).', 'proof/trust.test.ts, cli/verify.test.ts')}
${claim('Proofs are parsed strictly (one encoding per value, every rule of urchain\\-formats(5)); a changed byte anywhere fails.', 'proof/proof.test.ts, cli/e2e.test.ts (tamper sweep)')}
${claim('Small\\-order and non\\-canonical public keys never verify, in proofs or trust lists.', 'proof/proof.test.ts, proof/vectors.test.ts, proof/trust.test.ts')}
.SS A compromised or malicious broker
It can delay, drop or replay envelopes to the recipient's pull, and see who talks to whom and when.
It cannot read a checkpoint or countersignature, forge one, or make a node take in anything a
partner did not sign: envelopes are sealed to the recipient and signed by the sender, and pull
checks each checkpoint's signer against the configured partner key. A broker answering garbage or
nothing makes pull fail with one clear line within its \\fB\\-\\-timeout\\fR.
${claim('The broker sees no plaintext and refuses unregistered, replayed and tampered requests.', 'global/entangle.test.ts')}
${claim('The request signature covers the query string.', 'global/brokerHostile.test.ts, global/auth.test.ts')}
${claim('Garbage or silence from a broker is a clear error within the deadline.', 'global/brokerHostile.test.ts')}
.SS A compromised member node
It can take in records under its own key (they verify as from that origin) and, if it is an
authority, sign blocks up to the consensus threshold. It cannot sign as another member, change
records already in blocks, or ban an honest member. Revoke it with a newer member list; the list
spreads over the links and its links close.
${claim('Forged batches or blocks, malformed, oversized and flooding peers are cut off and banned.', 'net/network.test.ts')}
${claim('Closed links always leave the table, so bad handshakes cannot fill every slot.', 'net/hostile.test.ts')}
.SS A gateway or thin node
It forwards records it took in itself; other nodes check every batch signature and block before
they store or pass anything on. Its records verify against the company's trust list, which lists
every origin key the member list admits.
${claim('A record taken in at a thin gateway verifies against the company trust list.', 'cli/verify.test.ts')}
.SS An API or Profichain client
It can write records (they are signed by the node and attributed to the node as origin, with the
client's metadata); it cannot change or delete records, write under the node's internal
idempotency keys (entangle and countersign keys are derived by the node from the verified
checkpoint), or make a key stand for other data (a reused key with other content is a conflict,
HTTP 409 / Profichain CONFLICT). A bad record gets its own error and does not affect others in the
same commit.
${claim('Client keys cannot reach internal keys; conflicting reuse is refused.', 'node/intake.test.ts, global/entangleKeys.test.ts')}
${claim('A bad record is refused alone; a commit is all or nothing.', 'node/intake.test.ts, store/lmdb.test.ts')}
${claim('CBOR amplification through shared references is refused; bodies share one budget.', 'node/api.test.ts, node/apiMemory.test.ts, codec/untrusted.test.ts')}
${claim('Cross\\-site and rebinding requests are refused; off loopback a token is required.', 'node/api.test.ts')}
${claim('Profichain connection cap, frame deadline, idle timeout, shared byte budget, non\\-reading clients, PING shape, ids unique in flight, small\\-order tier\\-1 keys.', 'ingest/profichainLimits.test.ts')}
.SS Failure: crash, kill \\-9, power loss, full disk
A receipt is sent only after the record is durably committed. A full disk refuses new records
(STORE, HTTP 507) while reads go on, and the node carries on once space is freed. A node that
cannot start closes every listener, persists nothing and exits non\\-zero; an unhandled error
ends the process with a one\\-line message rather than leaving it half running.
${claim('kill \\-9 under load loses no receipted record and stores no duplicate.', 'cli/crashtest.test.ts (one cycle; npm run crashtest runs 100), cli/e2e.test.ts')}
${claim('A full disk refuses with STORE, keeps reads and the process, and recovers.', 'node/fullDisk.test.ts (tmpfs; needs root)')}
${claim('A failed start exits within a second with its listeners closed, its lock kept while it lives, nothing written.', 'node/lifecycle.test.ts')}
${otsSecuritySection()}
${cosignSection()}
.SH WHAT URCHAIN DOES NOT PROTECT AGAINST
.IP \\(bu 2
A compromised node key before its revocation: records it signed verify as that node's.
.IP \\(bu 2
A record that was false when it was taken in: urchain proves when and where a record came from
and that it did not change, not that the machine told the truth.
.IP \\(bu 2
All partners of a company colluding to rewrite history together.
.IP \\(bu 2
Denial of service by a peer that can saturate the network link; limits bound memory and CPU per
client, not bandwidth.
.IP \\(bu 2
Traffic analysis at the broker: it sees which networks exchange envelopes, how large and when.
.SH SEE ALSO
.BR urchain (1),
.BR urchain\\-formats (5),
.BR urchain\\-api (7),
.BR urchain\\-network (7),
.BR urchain\\-profichain (7),
.BR urchain\\-verify (1)
`;
}
