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
${cosignatureSection()}`;
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
