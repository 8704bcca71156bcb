/**
 * The COSIGNATURES AND WITNESSES section of urchain-security(7): what a C2SP checkpoint, a
 * partner's or a witness's cosignature and a tlog-proof prove, what they do not, and the tests.
 */
const claim = (text: string, test: string) => `.IP \\(bu 2\n${text}\n\\fITest:\\fR ${test}.`;

export function cosignSection(): string {
  return `.SH COSIGNATURES AND WITNESSES
.PP
A chain's C2SP checkpoint (urchain\\-formats(5), C2SP CHECKPOINT) is the chain key's statement of
the root of the tree over its final block hashes. On its own it proves only what the chain key
holder says: the same key could sign a second, different history and show it to someone else (a
split view). A cosignature/v1 by a partner (\\fBentangle pull \\-\\-data\\fR) or a witness (\\fBbroker
serve \\-\\-witness\\-key\\fR) adds: "at this time, this is the largest tree of this log I have seen,
and it extends every checkpoint of this log I cosigned before" \\(em the cosigner checked an RFC 9162
consistency proof from its last cosigned checkpoint, kept durably before it answered. A verifier
that requires a cosignature from a cosigner it trusts therefore sees the same history as that
cosigner: to show two histories the log would need the cosigner to sign both, which it refuses.
.PP
What a cosignature does not prove: that the records are true, that the cosigner stores the log
(it keeps one checkpoint per log), or anything about the time of a block beyond "no later than
the cosignature's time" by the cosigner's clock. A cosigner that colludes with the log, or whose
key is stolen, can cosign a fork; requiring several independent cosigners (partners, a witness of
another operator) limits that. An inconsistent checkpoint is refused and kept as evidence
(DATA/tlog/evidence/), and \\fBentangle pull\\fR exits 1: a partner learns of a fork the first time
it is shown one. The witness endpoint is unauthenticated by design (the spec's): it cosigns only
checkpoints signed by a configured log key, so a stranger can make it do nothing but answer.
${claim('A witness cosigns only consistent extensions, with the status codes of c2sp.org/tlog\\-witness, and remembers across a restart.', 'global/witness.test.ts')}
${claim('A partner refuses, reports and keeps as evidence a checkpoint inconsistent with what it cosigned.', 'global/entangleTlog.test.ts')}
${claim("A tlog\\-proof is trusted only with a checkpoint key from the trust list; cosignatures count only from trusted witnesses, never from the record's own chain; a changed byte fails.", 'global/entangleTlog.test.ts')}
${claim('The log never signs two inconsistent checkpoints, also after a restart.', 'node/tlog.test.ts, transparency/history.test.ts')}
${claim("Go's reference implementation (sumdb/note, sumdb/tlog) accepts urchain's checkpoints, cosignatures and proofs and rejects tampered ones.", 'transparency/goCross.test.ts')}`;
}
