/**
 * Passports for tests, built in memory from support/proofChain.ts chains: plant-a's records of
 * SN-1 (countersigned by plant-b) and plant-b's records of SN-1, each company's passport, the
 * merged one and the customer's trust list naming both.
 */
import { TestChain, entangle, signer, type Signer } from '../../support/proofChain.js';
import { buildPassport, passportText } from '../../src/proof/passport.js';
import { toHex } from '../../src/codec/bytes.js';

const scope = (c: TestChain, k: Signer) => ({ chains: [toHex(c.chainId)], authorities: [toHex(k.publicKey)], origins: [toHex(k.publicKey)] });

export function twoCompanyPassports(o: { stripped?: boolean } = {}) {
  const ka = signer();
  const kb = signer();
  const A = new TestChain('plant-a', [ka]);
  const B = new TestChain('plant-b', [kb]);
  A.block([A.record(ka, 'printed', { product: 'SN-1', bizStep: 'commissioning' }), A.record(ka, 'other item', { product: 'SN-2' }), A.record(ka, 'cad file', { product: 'SN-1' })]);
  A.block([A.record(ka, 'machined: 12.01 mm', { product: 'SN-1', bizStep: 'shipping' }, 'measure')]);
  const partner = entangle(A, 2, ka, B, kb); // B's block 1 countersigns A's blocks 1 and 2
  B.block([B.record(kb, 'received', { product: 'SN-1', bizStep: 'receiving' }), B.record(kb, 'assembled with SN-77', { product: 'SN-1' }, 'assembly')]);
  const cs = (h: number) => [{ link: A.link(h, 2), partner }];
  const s = { stripped: o.stripped };
  const aProofs = [
    { ...A.proof(1, 0, s), countersignatures: cs(1) },
    { ...A.proof(1, 2, s), countersignatures: cs(1) },
    { ...A.proof(2, 0, s), countersignatures: cs(2) },
  ];
  const bProofs = [B.proof(2, 0, s), B.proof(2, 1, s)];
  const a = passportText(buildPassport(['SN-1'], aProofs));
  const b = passportText(buildPassport(['SN-1'], bProofs));
  const trust = { ...scope(A, ka), name: 'plant-a', partners: [{ name: 'plant-b', ...scope(B, kb) }] };
  return { A, B, ka, kb, a, b, aProofs, bProofs, trust, scope };
}

/** A different character of the same class, so that most changes keep the document well-formed. */
export function flip(c: string): string {
  if (/[0-9]/.test(c)) return c === '9' ? '0' : String(Number(c) + 1);
  if (/[a-f]/.test(c)) return c === 'f' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1);
  if (/[A-Za-z]/.test(c)) return c === 'z' || c === 'Z' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1);
  return c === ' ' ? '!' : ' ';
}
