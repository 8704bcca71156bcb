/**
 * The C2SP CHECKPOINT section of urchain-formats(5): the signed note and tlog-checkpoint as
 * urchain writes them, byte for byte, with the vector of test/vectors/c2sp-checkpoint.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../support/paths.js';
import { hexBlock as block } from './roff.js';

/** Text lines unfilled, with roff's special characters escaped (copy-pasteable). */
const textBlock = (label: string, text: string): string =>
  `.PP\n${label}:\n.IP\n.nf\n${text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/\u2014/g, '\\[u2014]'))
    .map((l) => (l === '' ? '\\&' : /^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n')}\n.fi`;

/** `cv` is test/vectors/c2sp-checkpoint.json. */
export function c2spSection(cv: any): string {
  return `.SH C2SP CHECKPOINT
.PP
\\fBurchain checkpoint\\fR(1) and the node's \\fBGET /checkpoint\\fR publish the chain's history log
in the formats transparency\\-log tools read: a c2sp.org/tlog\\-checkpoint@v1 text signed as a
c2sp.org/signed\\-note@v1 with an Ed25519 key. Text is UTF\\-8; every line ends in one newline
(0x0A); there is no other control character.
.PP
The log: leaf \\fIi\\fR is the RFC 9162 leaf hash H(0x00 || blockHash) of the canonical block at
height \\fIi\\fR, genesis at index 0; the tree is RFC 9162's over those leaves (the tree every
header's historyRoot is the root of). A checkpoint of size \\fIN\\fR covers heights 0 to
\\fIN\\fR\\-1; its root equals the historyRoot of the block at height \\fIN\\fR once that block exists.
Only final blocks are covered: the newest is \\fIdepth\\fR blocks below the head (never below
genesis); depth is 0 on a proof\\-of\\-authority chain with one authority and 6 otherwise unless
\\fB\\-\\-depth\\fR says so. A proof of a block's inclusion in a checkpoint is therefore an RFC 9162
inclusion proof over block hashes, and two checkpoints of one chain are consistent by RFC 9162
consistency proofs. A running node also remembers the last checkpoint it signed and refuses to sign
one its chain no longer extends (a reorganisation deeper than the depth).
.IP
.nf
origin     = "urchain.example/" || pct(chain name) || "/" || hex(chainId)[0:16]
text       = origin "\\en" decimal(size) "\\en" base64(root) "\\en"
keyId      = SHA\\-256(origin || 0x0A || 0x01 || public key)[0:4]
signature  = Ed25519(chain key, text)                  (the text itself, final newline included)
note       = text "\\en" "\\[u2014] " origin " " base64(keyId || signature) "\\en"
vkey       = origin "+" hex(keyId) "+" base64(0x01 || public key)
.fi
.PP
pct writes each byte of the name's UTF\\-8 outside A\\-Z a\\-z 0\\-9 . _ ~ \\- as %XX (uppercase
hex), so the origin holds no space and no "+". The key name in the signature line is the origin.
decimal has no leading zero; base64 is RFC 4648 section 4 with padding; hex is lowercase; the
em dash is U+2014 (bytes e2 80 94). urchain writes no extension lines and reads them as opaque,
non\\-empty lines. Size and root describe the tree, origin names the chain; there is no timestamp
(the block at height size\\-1 has one).
.PP
The chain key is the key that signs the chain's entanglement checkpoints: an authority key under
proof\\-of\\-authority (on a one\\-node chain the node key), the node's own key under proof\\-of\\-work.
.PP
Reading a note, urchain is strict: the text ends at the last blank line; every later line is a
signature line (name without spaces or "+", base64 in its canonical padded form of at least
5 bytes), at most 100 of them and 64 KiB in all; signatures of unknown keys are skipped; a known
key's signature must verify (the whole note is refused otherwise), may appear once, and at least
one known key must have signed. Size is decimal without leading zeros, root 32 bytes in
canonical base64.
.PP
Vector: the chain of the TEST VECTORS below (vector\\-chain, its key, genesis and block 1):
${block('entry 0 (genesis block hash)', cv.leaves[0])}
${block('entry 1 (block 1 hash)', cv.leaves[1])}
${block('root (size 2)', cv.root)}
${block('keyId', cv.keyId)}
${textBlock('vkey', cv.verifierKey)}
${textBlock('note', cv.note)}
${cosignatureSection()}
${moreSections()}`;
}

/** The C2SP COSIGNATURE subsection, with the vector of test/vectors/c2sp-cosignature.json. */
function cosignatureSection(): string {
  const v = JSON.parse(fs.readFileSync(path.join(root, 'test', 'vectors', 'c2sp-cosignature.json'), 'utf8'));
  return `.SS C2SP COSIGNATURE
A partner (or any C2SP witness) cosigns a checkpoint with a c2sp.org/tlog\\-cosignature
\\fBcosignature/v1\\fR: one more signature line on the checkpoint note, a timestamped Ed25519
signature stating "as of this time, this is the largest tree of this log I have seen, and it is
consistent with every earlier one I cosigned". Before cosigning, the cosigner checks an RFC 9162
consistency proof from the last checkpoint it cosigned for that origin (kept in its data folder).
.IP
.nf
keyId      = SHA\\-256(name || 0x0A || 0x04 || public key)[0:4]
message    = "cosignature/v1\\en" "time " decimal(T) "\\en" || checkpoint text
line       = "\\[u2014] " name " " base64(keyId || u64be(T) || Ed25519(key, message)) "\\en"
vkey       = name "+" hex(keyId) "+" base64(0x04 || public key)
.fi
.PP
T is POSIX seconds; the checkpoint text is the whole note body with its final newline and no
signature lines. urchain names a partner's cosigner by the partner chain's own checkpoint origin
and a broker witness by \\fB\\-\\-witness\\-name\\fR. The same Ed25519 key may sign its own log's
checkpoints (type 0x01) and cosign others' (type 0x04): the key IDs differ and the cosigned message
starts "cosignature/v1", which no checkpoint text of urchain starts with. Reading, urchain refuses a
note in which a known cosigner's line is not 4 + 8 + 64 bytes, does not verify, appears twice or
carries a time above 2^53\\-1; lines of unknown keys are ignored.
.PP
Vector: the checkpoint above cosigned by the key with seed 20 21 \\&... 3f, named ${v.name.replace(/-/g, '\\-')}, at T = ${v.time}:
${block('public key', v.publicKey)}
${block('keyId', v.keyId)}
${textBlock('vkey', v.verifierKey)}
${textBlock('message', v.message)}
${textBlock('cosigned note', v.note)}`;
}

/** C2SP WITNESS, C2SP IN ENTANGLEMENT and C2SP TLOG-PROOF. */
function moreSections(): string {
  return `.SS C2SP WITNESS
\\fBbroker serve \\-\\-witness\\-key\\fR answers c2sp.org/tlog\\-witness \\fBPOST /add\\-checkpoint\\fR:
the body is "old " decimal(old size) "\\en", up to 63 lines base64(hash) "\\en" (the RFC 9162
consistency proof from the old size), "\\en", then the checkpoint note. Answers: 200 with the
cosignature line(s); 400 malformed or old size above the checkpoint size; 404 origin not
configured; 403 no signature of a configured key, or one that fails; 409 old size is not the
size last cosigned, body that size "\\en", content type text/x.tlog.size; 422 size 0 without the
empty root, a proof with old size 0, another root at the cosigned size, or a proof that fails.
State: DATA/witness.json {"logs": {origin: {"size", "root" (base64), "note" (the cosigned
note)}}}, written (temp file, fsync, rename) before the answer. \\fBGET /\\fIhex(SHA\\-256(origin))\\fB/checkpoint\\fR
serves that note. \\-\\-witness\\-logs: {"logs": [{"origin": text, "key": vkey}, ...]}.
.SS C2SP IN ENTANGLEMENT
With \\fB\\-\\-data\\fR, \\fBentangle push\\fR sends envelope message version 2 (ENVELOPE):
CBOR [2, signed checkpoint, [countersignature ...], [note, old size, [hash, ...], [cosigned
note, ...]]]: this chain's checkpoint note, the consistency proof (at most 63 hashes of 32 bytes)
from the size the receiver last cosigned (as the sender knows it, 0 at first), and at most 16
notes of the receiver's chain the sender cosigned. Without the C2SP part the message stays
version 1. The receiver's \\fBentangle pull \\-\\-data\\fR treats the note as an add\\-checkpoint request
(C2SP WITNESS) for the origin of the sender's chain (it must begin with "urchain.example/" and end
in "/" and the first 16 hex digits of the chain id of the sender's entanglement checkpoint; else
the C2SP part is refused with status 404) and the sender's key, cosigns
under its own chain's origin as cosigner name, and files returned notes of its own chain that
carry the sender's valid cosignature. Files under DATA/tlog/: signed.json {"origin", "size",
"root"} (the last checkpoint the folder signed), witness.json (as above), partners.json
{partner key: {"origin", "cosignedSize"}}, cosigned/SIZE.note (this chain's checkpoint with
every partner's cosignature line), evidence/ (refused inconsistent requests, as sent).
.PP
Trust lists (TRUST LIST) take two more members, at the top and in partner entries:
"checkpointKeys": [vkey, ...] (signed\\-note verifier keys of the chain's checkpoints) and
"witnesses": [vkey, ...] (cosigner keys, type 0x04), each a list of at least one distinct
string; \\fBurchain trust export\\fR lists the chain keys in both, named by the chain's origin.
.SS C2SP TLOG-PROOF
\\fBprove \\-\\-format tlog\\-proof\\fR writes c2sp.org/tlog\\-proof@v1:
.IP
.nf
"c2sp.org/tlog\\-proof@v1\\en"
"extra " base64(the urchain\\-proof/1 JSON of the record, compact) "\\en"
"index " decimal(height of the record's block) "\\en"
(base64(hash) "\\en")*        RFC 9162 inclusion proof of leafHash(block hash), bottom\\-up
"\\en"
checkpoint note             with the chain's signature and the cosignatures
.fi
.PP
Verification: the extra JSON is verified as a JSON proof (every check above, with the same trust
list); index is its block's height; the note is signed by one of the trust list's checkpointKeys
for the record's chain (without a trust list: by an authority or the block producer, named by the
chain's origin); the inclusion proof leads from leafHash(block hash) at index to the checkpoint's
root; cosignatures are counted from the trust list's "witnesses" and its partners' (never from a
partner entry naming the record's own chain, nor from a key that may sign the checkpoint, an
authority of the chain or the block's producer: the log cannot witness itself), each must verify. Parsing is strict: the lines in
this order, canonical base64, decimal without leading zeros, at most 63 proof lines.`;
}
