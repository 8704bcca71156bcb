/**
 * Cross-check with an independent implementation: Debian's python3-opentimestamps (and the
 * python-bitcoinlib it depends on). 120 anchors urchain writes (through two in-process calendars,
 * upgraded to Bitcoin attestations of the synthetic chain) are read by the library, written back
 * by it byte for byte, and their bitcoin attestations verified with the library's own
 * verify_against_blockheader against the synthetic headers (proof of work checked by
 * python-bitcoinlib). The other way: 120 timestamps the library builds (nonce, merkle tree,
 * make_timestamp_from_block over a block it mines on the synthetic chain) parse in urchain, write
 * back byte for byte, and their attestations verify against the headers with urchain's checks.
 * Under CI (CI set) a missing python3-opentimestamps fails the test; elsewhere it is skipped.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { concat, fromHex, utf8 } from '../../src/codec/bytes.js';
import { signTreeHead } from '../../src/transparency/checkpoint.js';
import { anchorCheckpoint, upgradeAnchors, listAnchors } from '../../src/transparency/otsAnchor.js';
import { parseOts, serializeOts, attestations } from '../../src/transparency/ots.js';
import { checkHeaderChain, checkBitcoinAttestation, blockHashHex } from '../../src/transparency/otsBitcoin.js';
import { startCalendars } from '../../support/otsCalendar.js';
import { tmpDir, cleanup, vector } from '../helpers.js';

test.after(cleanup);

const PYTHON = '/usr/bin/python3';
const N = 120;

function havePython(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import opentimestamps.core.timestamp, bitcoin.core'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const available = havePython();
if (!available && process.env.CI) throw new Error(`${PYTHON} with python3-opentimestamps is required under CI (.ci/run installs it)`);
if (!available) console.log(`skipped: ${PYTHON} has no opentimestamps module (apt-get install python3-opentimestamps)`);

const run = (script: string, args: string[]) => execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });

const CHECK_URCHAIN_FILES = String.raw`
import sys, os, json, hashlib
from opentimestamps.core.timestamp import DetachedTimestampFile
from opentimestamps.core.serialize import BytesDeserializationContext, BytesSerializationContext
from opentimestamps.core.notary import BitcoinBlockHeaderAttestation, PendingAttestation
import bitcoin
from bitcoin.core import CBlockHeader, CheckProofOfWork
bitcoin.SelectParams('regtest')
folder, headers_file = sys.argv[1], sys.argv[2]
raw = open(headers_file, 'rb').read()
headers = [raw[i:i+80] for i in range(0, len(raw), 80)]
out = {'files': 0, 'bitcoin': 0, 'pending': 0, 'times': []}
for name in sorted(os.listdir(folder)):
    if not name.endswith('.ots'): continue
    data = open(os.path.join(folder, name), 'rb').read()
    d = DetachedTimestampFile.deserialize(BytesDeserializationContext(data))
    ctx = BytesSerializationContext(); d.serialize(ctx)
    assert ctx.getbytes() == data, name + ': python writes other bytes'
    note = open(os.path.join(folder, name[:-4] + '.note'), 'rb').read()
    text = note[:note.rindex(b'\n\n') + 1]
    assert d.file_digest == hashlib.sha256(text).digest(), name + ': digest'
    for msg, att in d.timestamp.all_attestations():
        if isinstance(att, BitcoinBlockHeaderAttestation):
            h = CBlockHeader.deserialize(headers[att.height])
            CheckProofOfWork(h.GetHash(), h.nBits)
            out['times'].append(att.verify_against_blockheader(msg, h))
            out['bitcoin'] += 1
        elif isinstance(att, PendingAttestation):
            out['pending'] += 1
    out['files'] += 1
print(json.dumps(out))
`;

const WRITE_PYTHON_FILES = String.raw`
import sys, os, json, hashlib, struct
from opentimestamps.core.timestamp import DetachedTimestampFile, Timestamp, make_merkle_tree
from opentimestamps.core.op import OpAppend, OpSHA256
from opentimestamps.core.notary import PendingAttestation
from opentimestamps.core.serialize import BytesSerializationContext
from opentimestamps.bitcoin import make_timestamp_from_block
from bitcoin.core import CBlock, CTransaction, CMutableTransaction, CTxIn, CTxOut, COutPoint, CScript, lx, b2lx, uint256_from_compact
from bitcoin.core.script import OP_RETURN
folder, n, prev_hex, height, time = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
files = []
for i in range(n):
    digest = hashlib.sha256(b'python file %d' % i).digest()
    f = DetachedTimestampFile(OpSHA256(), Timestamp(digest))
    nonced = f.timestamp.ops.add(OpAppend(os.urandom(16)))
    files.append((f, nonced.ops.add(OpSHA256())))
tip = make_merkle_tree([s for _, s in files])
tip.attestations.add(PendingAttestation('https://python.example'))
coinbase = CMutableTransaction([CTxIn(COutPoint(), CScript([height, b'python']))], [CTxOut(0, CScript([OP_RETURN, tip.msg]))])
other = CMutableTransaction([CTxIn(COutPoint(lx('11' * 32), 0), CScript([b'x']))], [CTxOut(1000, CScript([b'y']))])
vtx = [CTransaction.from_tx(coinbase), CTransaction.from_tx(other), CTransaction.from_tx(other)]
block = CBlock(nVersion=0x20000000, hashPrevBlock=lx(prev_hex), nTime=time, nBits=0x207fffff, nNonce=0, vtx=vtx)
block = CBlock(nVersion=0x20000000, hashPrevBlock=lx(prev_hex), hashMerkleRoot=block.calc_merkle_root(), nTime=time, nBits=0x207fffff, nNonce=0, vtx=vtx)
target = uint256_from_compact(0x207fffff)
nonce = 0
while True:
    block = CBlock(nVersion=block.nVersion, hashPrevBlock=block.hashPrevBlock, hashMerkleRoot=block.hashMerkleRoot, nTime=time, nBits=0x207fffff, nNonce=nonce, vtx=vtx)
    if int.from_bytes(block.GetHash(), 'little') <= target: break
    nonce += 1
tip.merge(make_timestamp_from_block(tip.msg, block, height))
for i, (f, _) in enumerate(files):
    ctx = BytesSerializationContext(); f.serialize(ctx)
    open(os.path.join(folder, 'py-%03d.ots' % i), 'wb').write(ctx.getbytes())
print(json.dumps({'header': block.get_header().serialize().hex()}))
`;

test(`${N} .ots files urchain writes read and verify in python-opentimestamps, byte for byte`, async () => {
  if (!available) return;
  const cals = await startCalendars(2);
  try {
    const dir = tmpDir();
    const key = generateKeyPair();
    for (let i = 0; i < N; i++) {
      const note = signTreeHead({ origin: 'urchain.example/python-check/0011223344556677', size: i + 1, root: sha256(utf8(`root ${i}`)) }, key);
      const r = await anchorCheckpoint(note, dir, cals.calendars.map((c) => c.url));
      assert.ok(r.redundant);
    }
    cals.calendars[0].confirm();
    cals.calendars[1].confirm();
    const up = await upgradeAnchors(dir, { calendars: cals.calendars.map((c) => c.url) });
    assert.is(up.filter((u) => u.upgraded && u.bitcoin.length === 2 && u.pending.length === 0).length, N);
    assert.is(listAnchors(dir).length, N);
    const headers = path.join(dir, 'headers.bin');
    fs.writeFileSync(headers, cals.chain.headersFile());
    const out = JSON.parse(run(CHECK_URCHAIN_FILES, [dir, headers]));
    assert.is(out.files, N);
    assert.is(out.bitcoin, 2 * N);
    assert.is(out.pending, 0);
    assert.ok(out.times.every((t: number) => t > 1_600_000_000));
  } finally {
    await cals.close();
  }
});

test(`${N} .ots files python-opentimestamps writes parse in urchain, write back byte for byte and verify`, async () => {
  if (!available) return;
  const cals = await startCalendars(1);
  try {
    const dir = tmpDir();
    const chain = cals.chain;
    chain.mine([sha256(utf8('something before'))]);
    const prev = chain.headers[chain.tip];
    const height = chain.tip + 1;
    const { header } = JSON.parse(run(WRITE_PYTHON_FILES, [dir, String(N), blockHashHex(prev), String(height), String(Math.floor(Date.now() / 1000))]));
    const headers = checkHeaderChain(concat(chain.headersFile(), fromHex(header)), 'regtest'); // python's block: linked, with its work
    let checked = 0;
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.ots'))) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(dir, name)));
      const d = parseOts(bytes);
      assert.equal(serializeOts(d), bytes, name);
      const found = attestations(d.timestamp, d.digest);
      assert.equal(found.map((a) => a.attestation.type).sort(), ['bitcoin', 'pending']);
      const b = found.find((a) => a.attestation.type === 'bitcoin')!;
      assert.is((b.attestation as { height: number }).height, height);
      assert.is(checkBitcoinAttestation(b.commitment, headers.headers[height], height).blockHash, blockHashHex(fromHex(header)));
      checked++;
    }
    assert.is(checked, N);
  } finally {
    await cals.close();
  }
});

test('python-opentimestamps reads the vector of urchain-formats(5) and verifies it', () => {
  if (!available) return;
  const v = vector('ots-anchor.json');
  const script = String.raw`
import sys, json, hashlib
from opentimestamps.core.timestamp import DetachedTimestampFile
from opentimestamps.core.serialize import BytesDeserializationContext, BytesSerializationContext
from opentimestamps.core.notary import BitcoinBlockHeaderAttestation
from bitcoin.core import CBlockHeader
v = json.loads(sys.argv[1])
out = []
for key in ('pendingOts', 'upgradedOts'):
    data = bytes.fromhex(v[key])
    d = DetachedTimestampFile.deserialize(BytesDeserializationContext(data))
    ctx = BytesSerializationContext(); d.serialize(ctx)
    assert ctx.getbytes() == data
    assert d.file_digest == hashlib.sha256(v['checkpointText'].encode()).digest()
    for msg, att in d.timestamp.all_attestations():
        if isinstance(att, BitcoinBlockHeaderAttestation):
            h = CBlockHeader.deserialize(bytes.fromhex(v['headers'])[80 * att.height:80 * att.height + 80])
            out.append([att.height, att.verify_against_blockheader(msg, h)])
        else:
            out.append([att.uri, msg.hex()])
print(json.dumps(out))
`;
  assert.equal(JSON.parse(run(script, [JSON.stringify(v)])), [[v.calendar, v.commitment], [v.height, v.time]]);
});

test.run();
