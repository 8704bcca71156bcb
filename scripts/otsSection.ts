/**
 * The OPENTIMESTAMPS ANCHOR section of urchain-formats(5) and the ANCHORING IN BITCOIN section of
 * urchain-security(7), with the test vector of test/vectors/ots-anchor.json (otsVector builds it
 * from fixed inputs; test/transparency/ots.test.ts pins it and test/transparency/otsPython.test.ts
 * has python-opentimestamps read it).
 */
import { hexBlock as block } from './roff.js';
import { concat, toBase64, toHex, utf8 } from '../src/codec/bytes.js';
import { sha256 } from '../src/crypto/hash.js';
import { addAttestation, addOp, applyOp, removeAttestation, serializeOts, type DetachedTimestamp, type Timestamp } from '../src/transparency/ots.js';
import { blockHashHex, decodeHeader } from '../src/transparency/otsBitcoin.js';
import { PUBLIC_CALENDARS } from '../src/transparency/otsCalendar.js';
import { SyntheticBitcoin } from '../support/bitcoin.js';

export interface OtsVector {
  checkpointText: string;
  digest: string;
  nonce: string;
  commitment: string;
  calendar: string;
  pendingOts: string;
  headers: string;
  height: number;
  blockHash: string;
  time: number;
  upgradedOts: string;
}

/** The vector: a checkpoint text stamped through a calendar answer, then upgraded into block 1 of a regtest chain. */
export function otsVector(): OtsVector {
  const text = `urchain.example/plant-a/0123456789abcdef\n3\n${toBase64(sha256(utf8('vector root')))}\n`;
  const digest = sha256(utf8(text));
  const nonce = Uint8Array.from({ length: 16 }, (_, i) => i);
  const calendar = 'https://calendar.example';
  const d: DetachedTimestamp = { hashOp: 'sha256', digest, timestamp: { items: [] } };
  const mid = addOp(addOp(d.timestamp, { op: 'append', arg: nonce }), { op: 'sha256' });
  // the calendar's answer, shaped as opentimestamps-server's: prepend(index), append(MAC), pending
  const idx = Uint8Array.of(0, 0, 0, 0);
  const mac = new Uint8Array(8).fill(0x11);
  const node: Timestamp = addOp(addOp(mid, { op: 'prepend', arg: idx }), { op: 'append', arg: mac });
  addAttestation(node, { type: 'pending', uri: calendar });
  const commitment = applyOp({ op: 'append', arg: mac }, applyOp({ op: 'prepend', arg: idx }, sha256(concat(digest, nonce))));
  const pendingOts = toHex(serializeOts(d));
  const chain = new SyntheticBitcoin(1767225600);
  const mined = chain.mine([commitment]);
  let n = node;
  for (const op of mined.paths[0]) n = addOp(n, op);
  addAttestation(n, { type: 'bitcoin', height: mined.height });
  removeAttestation(node, { type: 'pending', uri: calendar });
  return {
    checkpointText: text,
    digest: toHex(digest),
    nonce: toHex(nonce),
    commitment: toHex(commitment),
    calendar,
    pendingOts,
    headers: toHex(chain.headersFile()),
    height: mined.height,
    blockHash: blockHashHex(mined.header),
    time: decodeHeader(mined.header).time,
    upgradedOts: toHex(serializeOts(d)),
  };
}

const esc = (s: string) => s.replace(/\\/g, '\\e').replace(/-/g, '\\-');

export function otsFormatsSection(v: OtsVector = otsVector()): string {
  return `.SH OPENTIMESTAMPS ANCHOR
.PP
\\fBurchain anchor\\fR(1) stamps a chain's C2SP checkpoint (above) in Bitcoin through
OpenTimestamps calendars; \\fBurchain anchor upgrade\\fR(1) completes the stamp once a calendar has
committed it in a block. The files are the OpenTimestamps format, byte for byte (the reference
implementations, python\\-opentimestamps and the \\fBots\\fR client, read them).
.PP
What is stamped: SHA\\-256 of the checkpoint's \\fItext\\fR (origin, size and root lines with their
newlines: what the note's signatures sign), not of the whole note. The text is the statement
whose time matters, and it stays the same when signatures or cosignatures are added to the note,
so one anchor serves every copy of a checkpoint.
.PP
The anchors folder (DATA/anchors, or \\fB\\-\\-anchors\\fR) holds, per anchored checkpoint of tree size N:
.IP
.nf
checkpoint\\-N.note   the signed checkpoint note, as the chain signed it
checkpoint\\-N.ots    the OpenTimestamps proof of SHA\\-256(text of that note)
.fi
.PP
With the reference client: \\fBsed '/^$/,$d' checkpoint\\-N.note > checkpoint\\-N.txt\\fR writes the
stamped bytes, and \\fBots verify \\-f checkpoint\\-N.txt checkpoint\\-N.ots\\fR checks them (with a
Bitcoin node).
.SS The .ots file
.IP
.nf
file        = magic || varuint(1) || 0x08 || digest(32) || timestamp
magic       = 00 4f70656e54696d657374616d7073 0000 50726f6f66 00 bf89e2e884e89294
timestamp   = (0xff || item)* || item      every item but the last is prefixed with 0xff
item        = 0x00 || attestation           an attestation of this node's message
            | op || timestamp               an operation, then the timestamp of its result
op          = 0xf0 varbytes (append)   0xf1 varbytes (prepend)   0xf2 (reverse)   0xf3 (hexlify)
            | 0x02 (sha1)   0x03 (ripemd160)   0x08 (sha256)   0x67 (keccak256)
attestation = tag(8) || varbytes(payload)
              pending 83dfe30d2ef90c8e: payload = varbytes(calendar URI)
              bitcoin 0588960d73d71901: payload = varuint(block height)
varuint     = unsigned LEB128 (7 bits a byte, least significant first, 0x80 = more follow)
varbytes    = varuint(length) || bytes
.fi
.PP
The message of the root is the digest; each op's result is the message of the timestamp after
it; an attestation commits to its node's message. A bitcoin attestation at height h holds when
that message equals the merkle root field (bytes 36 to 67, as they stand in the header) of the
Bitcoin block at height h. urchain writes the path the reference client writes: append(16 random
bytes), sha256, then each calendar's answer below that commitment. Items are written in
python\\-opentimestamps' order (attestations before ops; attestations by tag, then URI or height;
ops by tag, then argument).
.PP
Reading is strict and bounded: at most 1 MiB, nesting 256, 4096 operations, messages and
results of at most 4096 bytes, URIs of at most 1000 bytes from A\\-Z a\\-z 0\\-9 \\- . _ / :,
attestation payloads of at most 8192 bytes, varuints in their shortest form, no duplicate item
under one node, nothing after the end. Unknown attestation tags are kept as they are.
.SS Calendar protocol
.IP
.nf
POST CALENDAR/digest             body: the commitment (at most 64 bytes)
     200: a timestamp of it (no file header), ending in a pending attestation
GET  CALENDAR/timestamp/HEX      HEX: the message at a pending attestation
     200: the timestamp from there to a bitcoin attestation; 404: not (yet) known
.fi
.PP
Calendars are asked on https (plain http only on a loopback address).
The default calendars are ${esc(PUBLIC_CALENDARS.join(', '))}.
.SS Anchored proof
\\fBurchain prove TXID \\-\\-anchor\\fR writes, and \\fBurchain verify\\fR checks:
.IP
.nf
{ "format": "urchain\\-anchored\\-proof/1",
  "proof":  the urchain\\-proof/1 document (PROOF FILE),
  "anchor": { "checkpoint": the signed checkpoint note (text),
              "index": height of the proof's block,  "size": the checkpoint's tree size,
              "path": [RFC 9162 inclusion proof of H(0x00 || blockHash) at index, hex],
              "ots": the .ots file, padded base64 } }
.fi
.PP
It is read as strictly as a proof file. The anchor used is the earliest anchored checkpoint
that covers the block and has a bitcoin attestation (else the earliest pending one, which fails
verification until upgraded). Verification: the proof passes every check of PROOF FILE; the
checkpoint's origin is that of the proof's chain; index is the block's height and below size;
the path leads from the block's leaf to the checkpoint's root; where the verifier has a key for
the chain (the trust list's authorities and origins, or without one the chain's own PoA
authorities) a signature of it on the note verifies; the .ots digest is SHA\\-256 of the
checkpoint text; and a bitcoin attestation in it holds against the header at its height. The
lowest such height is reported: the record existed before that block's time.
.SS Bitcoin headers
A headers file (\\fBverify \\-\\-headers FILE\\fR) is raw 80\\-byte block headers concatenated,
the genesis block first, so the header at height h is bytes 80h to 80h+79 (the layout of
Electrum's blockchain_headers). It is checked from genesis as a node checks headers: the first
is the genesis block of the network (\\fB\\-\\-bitcoin\\-network\\fR main or regtest), each names its
predecessor's hash, its hash (SHA\\-256d, as a little\\-endian number) is at most the target of
its bits, and its bits are what the difficulty rule gives (mainnet: a retarget every 2016 blocks
from the last 2016 blocks' timespan, clamped to a factor of 4; regtest: never). Median time past
and the future\\-time limit are not checked; block times are good to about two hours.
With \\fB\\-\\-bitcoin\\-rpc URL\\fR headers come from a bitcoind (getblockhash, then getblockheader
HASH false); each must hash to the hash the node named and do its own proof of work.
.SS Vector
A checkpoint text, stamped through a calendar whose answer is prepend(00000000),
append(1111111111111111), pending at ${esc(v.calendar)}; then confirmed in block ${v.height} of a
regtest chain (the genesis block, then the header below), committed by a transaction
prefix || commitment || suffix in the block's merkle tree.
.PP
checkpoint text:
.IP
.nf
${esc(v.checkpointText).replace(/\n$/, '')}
.fi
${block('digest = SHA\\-256(text)', v.digest)}
${block('nonce', v.nonce)}
${block('commitment sent to the calendar\'s tree (after its prepend and append)', v.commitment)}
${block('pending .ots', v.pendingOts)}
${block('headers file (heights 0 and 1)', v.headers)}
${block('upgraded .ots (self\\-contained)', v.upgradedOts)}
.PP
Block ${v.height}: ${v.blockHash}, time ${v.time}.
`;
}

export function otsSecuritySection(): string {
  return `.SH ANCHORING IN BITCOIN
.PP
\\fBurchain anchor\\fR stamps the chain's checkpoints through OpenTimestamps calendars into
Bitcoin (urchain\\-formats(5), OPENTIMESTAMPS ANCHOR).
.TP
.B What an anchor proves
That the checkpoint's text, and so every block it covers and every record in them, existed
before the Bitcoin block that holds the stamp: nobody, the company and all its partners
together included, can later produce another history under that checkpoint size and root, or
date a rebuilt chain earlier than its own anchor. It needs no trust in the calendar or in
urchain: only SHA\\-256 and Bitcoin's proof of work, checked offline from a headers file.
.TP
.B What it does not prove
That a record is true, who wrote it (that is the proof's signature and the trust list), or
when it was made: only a latest time. A record may have been made long before the anchor; the
gap is the block's finality depth plus the anchoring interval plus the calendar's delay.
Bitcoin block times are right to about two hours. A headers file proves the work in it, not
that it is the chain with the most work: take it from a source you trust, or use a bitcoind
you run. A calendar can delay or refuse a stamp; it cannot forge one.
.TP
.B Confirmation time
Calendars commit their digests in a Bitcoin transaction every few hours at most; then the
block must be mined. Until \\fBurchain anchor upgrade\\fR fetched the Bitcoin path, the .ots
holds only pending attestations, and an anchored proof fails its "anchor" check.
.TP
.B When a calendar disappears
A pending attestation is only a promise of the calendar that made it: if the calendar goes
away before it confirms (or before the upgrade fetched its path), that attestation can never be
completed. That is why \\fBurchain anchor\\fR sends each checkpoint to at least two calendars and
exits 1 when fewer took it (also when only one \\fB\\-\\-calendar\\fR is given). Once upgraded, the .ots is self\\-contained: it verifies with Bitcoin
headers alone, whatever becomes of the calendars.
.TP
.B Which calendars are asked
A .ots names its calendars itself (the URI of each pending attestation), and a calendar's answer
may name others. \\fBurchain anchor upgrade\\fR asks only a URI whose origin is one of the
\\fB\\-\\-calendar\\fR URLs given (the only way a loopback address is asked), one of the public
calendars, or one the reference client's whitelist matches (https://*.calendar.opentimestamps.org,
https://*.calendar.eternitywall.com, https://*.calendar.catallaxy.com), and at most 8 per file:
a hostile file cannot point it at hosts inside your network. Others are named as errors, not asked.
.PP
\\fITests:\\fR transparency/ots.test.ts (hostile .ots files, header chains),
transparency/otsAnchor.test.ts (a calendar down, top\\-up, tampered anchors, pending anchors fail),
transparency/otsPython.test.ts (python\\-opentimestamps reads and verifies what urchain writes, and
the other way).
`;
}
