/**
 * The consensus plug-ins (src/consensus): proof-of-authority and proof-of-work each validate,
 * seal and weigh blocks, and refuse every broken seal with BAD_BLOCK.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { consensusFor } from '../../src/consensus/index.js';
import { ProofOfAuthority } from '../../src/consensus/poa.js';
import { ProofOfWork, leadingZeroBits } from '../../src/consensus/pow.js';
import { blockHashOf, signHeader, type Header, type SignedHeader } from '../../src/chain/header.js';
import { checkParams, type ChainParams } from '../../src/chain/params.js';
import { publicKeyOf, type KeyPair } from '../../src/crypto/ed25519.js';
import { EMPTY_ROOT } from '../../src/merkle/tree.js';
import { toHex } from '../../src/codec/bytes.js';
import { isUrchainError } from '../../src/errors.js';

const keyOf = (b: number): KeyPair => {
  const secretKey = new Uint8Array(32).fill(b);
  return { secretKey, publicKey: publicKeyOf(secretKey) };
};
const [a, b, c, outsider] = [keyOf(1), keyOf(2), keyOf(3), keyOf(4)];

const params = (o: Partial<ChainParams>): ChainParams =>
  checkParams({ version: 1, name: 'test', created: 1767225600000, consensus: 'poa', authorities: [], threshold: 1, difficulty: 0, blockTime: 1000, ...o });

const header = (producer: KeyPair, o: Partial<Header> = {}): Header => ({
  version: 1,
  chainId: new Uint8Array(32).fill(9),
  height: 1,
  timestamp: 1767225601000,
  prevHash: new Uint8Array(32).fill(8),
  merkleRoot: EMPTY_ROOT,
  txCount: 0,
  difficulty: 0,
  nonce: 0n,
  producer: producer.publicKey,
  historyRoot: EMPTY_ROOT,
  ...o,
});

const signedBy = (h: Header, ...keys: KeyPair[]): SignedHeader => ({ header: h, signatures: keys.map((k) => signHeader(blockHashOf(h), k)) });

/** Asserts that `fn` throws BAD_BLOCK with a message matching `re`. */
function refuses(fn: () => unknown, re: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.ok(isUrchainError(e, 'BAD_BLOCK'), `expected BAD_BLOCK, got ${String(e)}`);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected a refusal matching ${re}`);
}

const PoA = suite('proof-of-authority');
const poa2of3 = new ProofOfAuthority(params({ authorities: [a.publicKey, b.publicKey, c.publicKey], threshold: 2 }));

PoA('consensusFor picks the plug-in the parameters name', () => {
  assert.instance(consensusFor(params({ authorities: [a.publicKey] })), ProofOfAuthority);
  assert.instance(consensusFor(params({ consensus: 'pow', difficulty: 4 })), ProofOfWork);
});

PoA('seal signs as producer: a proposal until k authorities signed, then a block', async () => {
  const sealed = await poa2of3.seal(header(a), a);
  const hash = blockHashOf(sealed.header);
  assert.is(sealed.signatures.length, 1);
  poa2of3.validate(sealed, hash, { proposal: true });
  refuses(() => poa2of3.validate(sealed, hash), /1 of 2 authority signatures/);
  poa2of3.validate({ ...sealed, signatures: [...sealed.signatures, signHeader(hash, c)] }, hash);
  assert.is(poa2of3.work(), 1n);
});

PoA('refuses a producer that is not an authority, and difficulty or nonce other than 0', () => {
  const h = header(outsider);
  refuses(() => poa2of3.validate(signedBy(h, outsider, a, b), blockHashOf(h)), /is not an authority/);
  for (const o of [{ difficulty: 1 }, { nonce: 1n }]) {
    const x = header(a, o);
    refuses(() => poa2of3.validate(signedBy(x, a, b), blockHashOf(x)), /difficulty and nonce must be 0/);
  }
});

PoA("refuses a block without its producer's valid signature, however many others signed", () => {
  const h = header(a);
  const hash = blockHashOf(h);
  refuses(() => poa2of3.validate(signedBy(h, b, c), hash), /producer signature missing or invalid/);
  const forged = signedBy(h, a, b);
  forged.signatures[0] = { key: a.publicKey, sig: forged.signatures[1].sig };
  refuses(() => poa2of3.validate(forged, hash), /producer signature missing or invalid/);
});

PoA('counts each authority once and no outsider: a repeated or foreign signature does not reach k', () => {
  const h = header(a);
  const hash = blockHashOf(h);
  refuses(() => poa2of3.validate(signedBy(h, a, a, a), hash), /1 of 2/);
  refuses(() => poa2of3.validate(signedBy(h, a, outsider), hash), /1 of 2/);
  // A signature over another block's hash is not a signature over this one.
  const other = header(a, { height: 2 });
  refuses(() => poa2of3.validate({ header: h, signatures: [signHeader(hash, a), signHeader(blockHashOf(other), b)] }, hash), /1 of 2/);
});

PoA('validate trusts the signers a caller already verified instead of verifying again', () => {
  const h = header(a);
  const hash = blockHashOf(h);
  const signers = new Set([toHex(a.publicKey), toHex(b.publicKey)]);
  poa2of3.validate({ header: h, signatures: [] }, hash, { signers });
});

PoA('canProduce and turns: authority h mod n proposes, the next steps in after two idle block times', () => {
  assert.ok(poa2of3.canProduce(b.publicKey));
  assert.not.ok(poa2of3.canProduce(outsider.publicKey));
  // height 4: 4 mod 3 = 1 -> b's turn; c is one step later, a two steps.
  assert.ok(poa2of3.mayPropose(b.publicKey, 4, 0, 1000));
  assert.not.ok(poa2of3.mayPropose(c.publicKey, 4, 2000, 1000));
  assert.ok(poa2of3.mayPropose(c.publicKey, 4, 2001, 1000));
  assert.not.ok(poa2of3.mayPropose(a.publicKey, 4, 4000, 1000));
  assert.ok(poa2of3.mayPropose(a.publicKey, 4, 4001, 1000));
  assert.not.ok(poa2of3.mayPropose(outsider.publicKey, 4, 1e9, 1000));
  const solo = new ProofOfAuthority(params({ authorities: [a.publicKey, b.publicKey], threshold: 1 }));
  assert.ok(solo.mayPropose(b.publicKey, 0, 0, 1000), 'with k = 1 any authority proposes');
});

PoA.run();

const PoW = suite('proof-of-work');
const pow8 = new ProofOfWork(params({ consensus: 'pow', difficulty: 8 }));

PoW('leadingZeroBits counts bits, not bytes', () => {
  assert.is(leadingZeroBits(Uint8Array.from([0, 0, 0x80])), 16);
  assert.is(leadingZeroBits(Uint8Array.from([0, 0x01])), 15);
  assert.is(leadingZeroBits(Uint8Array.from([0x40])), 1);
  assert.is(leadingZeroBits(new Uint8Array(4)), 32);
});

PoW('seal finds a nonce with enough leading zero bits and signs as producer; work is 2^difficulty', async () => {
  const sealed = await pow8.seal(header(outsider), outsider);
  const hash = blockHashOf(sealed.header);
  assert.is(sealed.header.difficulty, 8);
  assert.ok(leadingZeroBits(hash) >= 8);
  pow8.validate(sealed, hash);
  assert.is(pow8.work(sealed.header), 256n);
  assert.is(pow8.difficultyAfter(), 8);
  assert.ok(pow8.canProduce());
});

PoW('refuses another difficulty, too few zero bits, and a missing producer signature', async () => {
  const sealed = await pow8.seal(header(a), a);
  const hash = blockHashOf(sealed.header);
  const easier = { ...sealed.header, difficulty: 4 };
  refuses(() => pow8.validate(signedBy(easier, a), blockHashOf(easier)), /difficulty 4, chain requires 8/);
  // The first nonce above the found one whose hash misses the target.
  let n = sealed.header.nonce + 1n;
  while (leadingZeroBits(blockHashOf({ ...sealed.header, nonce: n })) >= 8) n++;
  const weak = { ...sealed.header, nonce: n };
  refuses(() => pow8.validate(signedBy(weak, a), blockHashOf(weak)), /leading zero bits, needs 8/);
  refuses(() => pow8.validate({ header: sealed.header, signatures: [signHeader(hash, b)] }, hash), /producer signature missing or invalid/);
});

PoW('an aborted seal stops with UNAVAILABLE', async () => {
  const hard = new ProofOfWork(params({ consensus: 'pow', difficulty: 64 }));
  const ac = new AbortController();
  ac.abort();
  try {
    await hard.seal(header(a), a, ac.signal);
    assert.unreachable('sealing at difficulty 64 should not finish');
  } catch (e) {
    assert.ok(isUrchainError(e, 'UNAVAILABLE'), String(e));
  }
});

PoW.run();
