/**
 * Builds the proof vectors of urchain-formats(5) from fixed keys: a countersigned proof (plant-a's
 * record, plant-b's entangle record of plant-a's checkpoint), the trust list it verifies against,
 * and the small-order key case. `npm run vectors` writes test/vectors/proofs.json;
 * test/proof/vectors.test.ts rebuilds it and compares byte for byte.
 */
import { TestChain, entangle, signer, smallOrderSigner, SMALL_ORDER_KEY } from '../proofChain.js';
import { publicKeyOf } from '../../src/crypto/ed25519.js';
import { signedMessage } from '../../src/crypto/signed.js';
import { toHex } from '../../src/codec/bytes.js';

const fixedKey = (b: number) => {
  const secretKey = Uint8Array.from({ length: 32 }, (_, i) => (b + i) & 0xff);
  return signer({ secretKey, publicKey: publicKeyOf(secretKey) });
};

export function buildProofVectors() {
  const ka = fixedKey(0x40);
  const kb = fixedKey(0x80);
  const A = new TestChain('plant-a', [ka]);
  const B = new TestChain('plant-b', [kb]);
  A.block([A.record(ka, 'torque 42 Nm', { product: 'SN-9' })]);
  A.block([A.record(ka, 'torque 43 Nm', { product: 'SN-10' })]);
  const partner = entangle(A, 2, ka, B, kb);
  const countersigned = { ...A.proof(1, 0), countersignatures: [{ link: A.link(1, 2), partner }] };
  const scope = (c: TestChain, k: typeof ka) => ({ chains: [toHex(c.chainId)], authorities: [toHex(k.publicKey)], origins: [toHex(k.publicKey)] });
  const trust = { ...scope(A, ka), name: 'plant-a', partners: [{ name: 'plant-b', ...scope(B, kb) }] };
  const h = new Uint8Array(32).fill(0x11);
  return {
    // Names the builder by its test/ path (a re-export now): this text is part of the vector bytes.
    source: 'urchain-formats(5) proof vectors, built by test/proofVectors.ts from fixed keys (seeds 0x40.. and 0x80..)',
    countersigned,
    trust,
    smallOrder: {
      key: toHex(SMALL_ORDER_KEY),
      message: toHex(signedMessage('block', h)),
      signature: toHex(smallOrderSigner.sign('block', h)),
      note: 'x = 0 with the sign bit set (the identity point, non-canonical): with R = identity and S = 0 the cofactorless equation holds for every message; urchain refuses the key',
    },
  };
}
