/**
 * The passport vector of urchain-formats(5): rebuilt from its fixed keys byte for byte, verified
 * against its trust list, and each company's passport merging into the printed one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildPassportVectors } from './passportVectors.js';
import { vector } from '../helpers.js';
import { verifyPassportText, mergePassports } from '../../src/proof/passportVerify.js';
import { passportText } from '../../src/proof/passport.js';

const golden = vector('passport.json');

test('the passport vector matches test/vectors/passport.json byte for byte', () => {
  assert.equal(buildPassportVectors(), golden);
});

test('the vector verifies: three records of two chains, the first two countersigned by plant-b', () => {
  const r = verifyPassportText(golden.merged, golden.trust);
  assert.is(r.valid, true, r.reason);
  assert.equal(r.records.map((x) => [x.chain, x.kind, x.payloadIncluded, x.countersignedBy?.[0].partner ?? null]), [
    ['plant-a', 'record', true, 'plant-b'],
    ['plant-a', 'cad', false, 'plant-b'],
    ['plant-b', 'assembly', true, null],
  ]);
  assert.is(passportText(mergePassports([golden.b, golden.a])), golden.merged);
});

test.run();
