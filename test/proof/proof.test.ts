/**
 * verifyProof and the strict proof reading: every rule of urchain-formats(5) refuses what breaks
 * it, with the field's path; small-order keys; proof-of-work proofs against a trust list.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyProof, verifyProofText, type VerifyResult } from '../../src/proof/proof.js';
import { blockHashOf, headerFromJson, headerToJson } from '../../src/chain/header.js';
import { batchHead } from '../../src/chain/batch.js';
import { coreFromJson, encodeCore, txIdOf } from '../../src/chain/transaction.js';
import { leafHash } from '../../src/merkle/tree.js';
import { toHex } from '../../src/codec/bytes.js';
import { vector } from '../helpers.js';
import { TestChain, signer, smallOrderSigner, SMALL_ORDER_KEY, type Signer } from './make.js';

const P = suite('proof');
const golden = vector('formats.json');
const goldenTrust = { chains: [golden.params.chainId], authorities: [golden.key.publicKey], origins: [golden.key.publicKey] };
const clone = (x: any) => JSON.parse(JSON.stringify(x));
const fails = (r: VerifyResult, check: string, reason: RegExp) => {
  assert.is(r.valid, false, 'expected a failure');
  if (!r.valid) {
    assert.is(r.failed, check, r.reason);
    assert.match(r.reason, reason);
  }
};

/** Re-signs a changed proof of a one-record block with the chain's key, so only the rule under test can fail. */
function resign(p: any, k: Signer) {
  const core = coreFromJson(p.core);
  const txId = txIdOf(encodeCore(core));
  p.txId = toHex(txId);
  p.evidence = { batchSize: 1, index: 0, path: [], signature: toHex(k.sign('batch', batchHead(1, leafHash(txId)))) };
  const h = headerFromJson(p.block.header);
  h.merkleRoot = leafHash(txId);
  h.txCount = 1;
  const hash = blockHashOf(h);
  p.block = { hash: toHex(hash), header: headerToJson(h), signatures: [{ key: toHex(k.publicKey), sig: toHex(k.sign('block', hash)) }], inclusion: { index: 0, path: [] } };
  return p;
}

function oneRecord(meta: Record<string, string> = { product: 'SN-1' }) {
  const k = signer();
  const c = new TestChain('plant-a', [k]);
  c.block([c.record(k, 'hello', meta)]);
  const trust = { chains: [toHex(c.chainId)], authorities: [toHex(k.publicKey)], origins: [toHex(k.publicKey)] };
  return { k, c, proof: c.proof(1), trust };
}

P('the format vector verifies against its trust list and structurally', () => {
  assert.is(verifyProof(golden.proof, goldenTrust).valid, true);
  const r = verifyProof(golden.proof, null);
  assert.is(r.valid && r.trusted, false);
  assert.is(r.valid, true);
});

P('a chain the trust list does not name is not trusted', () => {
  const { trust } = oneRecord();
  fails(verifyProof(golden.proof, trust), 'trust', /chain 3a7f.* is not in the trust list/);
});

P('an invalid trust list given to the library throws instead of trusting', () => {
  for (const t of [{}, { chain: [golden.params.chainId] }, { chains: [] }, golden.proof]) assert.throws(() => verifyProof(golden.proof, t as any), /trust list/);
});

P('small-order keys: an origin and authority of x = 0 with the sign bit set does not verify', () => {
  const c = new TestChain('forged', [smallOrderSigner]);
  c.block([c.record(smallOrderSigner, 'anything at all')]);
  const r = verifyProof(c.proof(1), null);
  fails(r, 'signature', /origin signature/);
  // also the plain identity (canonical, small order) and each torsion point
  for (const key of ['0100000000000000000000000000000000000000000000000000000000000000', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a']) {
    const s: Signer = { publicKey: Uint8Array.from(Buffer.from(key, 'hex')), sign: smallOrderSigner.sign };
    const c2 = new TestChain('forged', [s]);
    c2.block([c2.record(s, 'x')]);
    assert.is(verifyProof(c2.proof(1), null).valid, false, key);
  }
  assert.is(toHex(SMALL_ORDER_KEY), '0100000000000000000000000000000000000000000000000000000000000080');
});

P('proof-of-work: a genuine proof verifies against a trust list naming only the chain and its origins', () => {
  const k = signer();
  const miner = signer();
  const c = new TestChain('pow-chain', [miner], { consensus: 'pow', difficulty: 6 });
  c.block([c.record(k, 'mined')]);
  const r = verifyProof(c.proof(1), { chains: [toHex(c.chainId)], origins: [toHex(k.publicKey)] });
  assert.is(r.valid, true, JSON.stringify(r));
  assert.is(r.valid && r.trusted, true);
});

P('extra and outsider block signatures are refused; the builder drops them', () => {
  const { proof, trust } = oneRecord();
  const outsider = signer();
  const p = clone(proof);
  p.block.signatures.push({ key: toHex(outsider.publicKey), sig: toHex(outsider.sign('block', Uint8Array.from(Buffer.from(p.block.hash, 'hex')))) });
  fails(verifyProof(p, trust), 'seal', /may not sign blocks of this chain/);
  const q = clone(proof);
  q.block.signatures.push({ ...q.block.signatures[0] });
  fails(verifyProof(q, trust), 'format', /block\.signatures\[1\]\.key: a second signature by the same key/);
});

P('PoA: difficulty and nonce must be 0 (re-signed header)', () => {
  const { k, proof, trust } = oneRecord();
  for (const [field, v] of [['nonce', '1'], ['difficulty', 1]] as const) {
    const p = clone(proof);
    p.block.header[field] = v;
    resign(p, k);
    fails(verifyProof(p, trust), 'seal', /difficulty and nonce must be 0/);
  }
});

P('strict reading: each case is refused with the path of the field', () => {
  const { k, proof, trust } = oneRecord({ product: 'SN-1', machine: 'm-7' });
  const cases: [string, (p: any) => void, RegExp, boolean?][] = [
    ['kind outside the pattern', (p) => (p.core.kind = 'Record'), /core\.kind: expected a kind matching/, true],
    ['33-letter kind', (p) => (p.core.kind = 'a'.repeat(33)), /core\.kind/, true],
    ['core version 2', (p) => (p.core.version = 2), /core\.version: only version 1/, true],
    ['header version 2', (p) => (p.block.header.version = 2), /block\.header\.version: only version 1/],
    ['meta deleted', (p) => delete p.core.meta, /core\.meta: missing/],
    ['unknown top-level field', (p) => (p.extra = 1), /extra: unknown field/],
    ['unknown nested field', (p) => (p.block.header.extra = 'x'), /block\.header\.extra: unknown field/],
    ['upper-case hex', (p) => (p.txId = p.txId.toUpperCase()), /txId: expected 32 bytes as 64 lowercase hex digits/],
    ['nonce "00"', (p) => (p.block.header.nonce = '00'), /block\.header\.nonce: expected a decimal string/],
    ['nonce as a number', (p) => (p.block.header.nonce = 0), /block\.header\.nonce/],
    ['integer above 2^53', (p) => (p.core.seq = 2 ** 53), /core\.seq: expected a non-negative integer/],
    ['meta value over 1024 bytes', (p) => (p.core.meta.machine = '€'.repeat(342)), /core\.meta\.machine: at most 1024 bytes/, true],
    ['bad meta key', (p) => (p.core.meta['-x'] = 'y'), /core\.meta\.-x: expected a key/, true],
    ['threshold above authorities', (p) => (p.chain.threshold = 2), /chain: threshold must be 1\.\.1/],
    ['threshold 0', (p) => (p.chain.threshold = 0), /chain: threshold must be 1\.\.1/],
    ['non-canonical base64', (p) => (p.payload = p.payload.replace(/(.)=$/, (_: string, c: string) => String.fromCharCode(c.charCodeAt(0) + 1) + '=')), /payload: not canonical base64|payload/],
    ['inclusion index beyond txCount', (p) => (p.block.inclusion.index = 5), /block\.inclusion\.index: expected an index below/],
    ['evidence index beyond batchSize', (p) => (p.evidence.index = 1), /evidence\.index/],
    ['empty signatures', (p) => (p.block.signatures = []), /block\.signatures: expected at least 1/],
    ['timestamp as a string', (p) => (p.core.timestamp = String(p.core.timestamp)), /core\.timestamp: expected a non-negative integer/],
  ];
  for (const [name, mut, reason, resigned] of cases) {
    const p = clone(proof);
    mut(p);
    if (resigned) {
      try {
        resign(p, k);
      } catch {
        /* the change itself is unencodable: refused all the same */
      }
    }
    const r = verifyProof(p, trust);
    assert.is(r.valid, false, `${name}: accepted`);
    if (!r.valid) assert.match(r.reason, reason, `${name}: ${r.reason}`);
  }
});

P('block time before the record time is refused (re-signed)', () => {
  const { k, proof, trust } = oneRecord();
  const p = clone(proof);
  p.core.timestamp = p.block.header.timestamp + 1;
  resign(p, k);
  fails(verifyProof(p, trust), 'inclusion', /block time .* is before the record's time/);
});

P('strict JSON text: duplicate keys, 67.0, fractions, exponents, -0 and 2^53 are refused', () => {
  const text = JSON.stringify(golden.proof);
  assert.is(verifyProofText(text, goldenTrust).valid, true);
  const cases: [string, string, RegExp][] = [
    ['duplicate key', text.replace('"txId":', '"txId":"00","txId":'), /member "txId" appears twice/],
    ['67.0', text.replace('"payloadLength":13', '"payloadLength":13.0'), /core\.payloadLength: 13\.0 is not an integer/],
    ['fraction', text.replace('"timestamp":1767225602000', '"timestamp":1767225602000.00001'), /block\.header\.timestamp: .* not an integer/],
    ['exponent', text.replace('"payloadLength":13', '"payloadLength":1.3e1'), /not an integer/],
    ['leading zero', text.replace('"payloadLength":13', '"payloadLength":013'), /not an integer/],
    ['2^53', text.replace('"seq":2', '"seq":9007199254740992'), /beyond 2\^53 - 1/],
    ['trailing garbage', text + 'x', /after the document/],
    ['lone surrogate', text.replace('"type":"text/plain"', '"type":"\\ud800"'), /lone surrogate/],
  ];
  for (const [name, t, reason] of cases) {
    const r = verifyProofText(t, goldenTrust);
    assert.is(r.valid, false, `${name}: accepted`);
    if (!r.valid) {
      assert.is(r.failed, 'format', name);
      assert.match(r.reason, reason, `${name}: ${r.reason}`);
    }
  }
  // deep nesting is an error, not a stack overflow
  const deep = verifyProofText('['.repeat(100_000), goldenTrust);
  assert.is(deep.valid, false);
});

P.run();
