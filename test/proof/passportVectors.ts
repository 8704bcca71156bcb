/**
 * The passport vector of urchain-formats(5), PASSPORT FILE, from fixed keys (seeds 0x20.. for
 * plant-a, 0xa0.. for plant-b): plant-a's two records of SN-9 in one block (one stripped),
 * countersigned by plant-b, merged with plant-b's record of SN-9. test/vectors/passport.json holds
 * the output; `node dist/test/proof/passportVectors.js --write` rewrites it after an intended
 * format change, and test/proof/passportVector.test.ts compares byte for byte.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestChain, entangle, signer } from '../../support/proofChain.js';
import { publicKeyOf } from '../../src/crypto/ed25519.js';
import { buildPassport, passportText } from '../../src/proof/passport.js';
import { mergePassports } from '../../src/proof/passportVerify.js';
import { sha256 } from '../../src/crypto/hash.js';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { root } from '../../support/paths.js';

const fixedKey = (b: number) => {
  const secretKey = Uint8Array.from({ length: 32 }, (_, i) => (b + i) & 0xff);
  return signer({ secretKey, publicKey: publicKeyOf(secretKey) });
};

export const PASSPORT_VECTOR = path.join(root, 'test', 'vectors', 'passport.json');

export function buildPassportVectors() {
  const ka = fixedKey(0x20);
  const kb = fixedKey(0xa0);
  const A = new TestChain('plant-a', [ka]);
  const B = new TestChain('plant-b', [kb]);
  A.block([A.record(ka, 'printed', { product: 'SN-9', bizStep: 'commissioning' }), A.record(ka, 'cad: part-7.step', { product: 'SN-9' }, 'cad')]);
  const partner = entangle(A, 1, ka, B, kb);
  B.block([B.record(kb, 'assembled', { product: 'SN-9', bizStep: 'assembling' }, 'assembly')]);
  const cs = [{ link: A.link(1, 1), partner }];
  const a = passportText(buildPassport(['SN-9'], [{ ...A.proof(1, 0), countersignatures: cs }, { ...A.proof(1, 1, { stripped: true }), countersignatures: cs }]));
  const b = passportText(buildPassport(['SN-9'], [B.proof(2, 0)]));
  const merged = passportText(mergePassports([a, b]));
  const scope = (c: TestChain, k: typeof ka) => ({ chains: [toHex(c.chainId)], authorities: [toHex(k.publicKey)], origins: [toHex(k.publicKey)] });
  return {
    source: 'urchain-formats(5) passport vector, built by test/proof/passportVectors.ts from fixed keys (seeds 0x20.. and 0xa0..)',
    trust: { ...scope(A, ka), name: 'plant-a', partners: [{ name: 'plant-b', ...scope(B, kb) }] },
    a,
    b,
    merged,
    mergedSha256: toHex(sha256(utf8(merged))),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]) && process.argv.includes('--write')) {
  fs.writeFileSync(PASSPORT_VECTOR, JSON.stringify(buildPassportVectors(), null, 2) + '\n');
  console.log(PASSPORT_VECTOR);
}
