/**
 * One key per GS1 identifier: EPC URNs and Digital Link URIs of the same item meet, as the
 * reference normaliser's cases (test/vectors/epcis/dl-normaliser.json) and the pairs below show.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vector } from '../helpers.js';
import { canonicalGs1, identifierKey, checkDigit } from '../../src/epcis/identifiers.js';

test('the reference normaliser cases', () => {
  const v = vector<{ cases: [string, string | null][] }>('epcis/dl-normaliser.json');
  assert.ok(v.cases.length >= 60);
  for (const [input, expected] of v.cases) assert.is(canonicalGs1(input) ?? null, expected, input);
});

test('GS1 check digits (General Specifications 7.9.1)', () => {
  assert.is(checkDigit('0401234512345'), '6'); // GTIN-14 04012345123456
  assert.is(checkDigit('061414107346'), '7'); // GLN 0614141073467
  assert.is(checkDigit('10614141234567890'), '8'); // SSCC 106141412345678908
});

test('the same item in URN and Digital Link form is one key', () => {
  const same: [string, string][] = [
    ['urn:epc:id:sgtin:4012345.011111.987', 'https://example.com/01/04012345111118/21/987'],
    ['urn:epc:id:sgtin:4012345.011111.987', 'https://id.gs1.org/gtin/4012345111118/ser/987'],
    ['urn:epc:id:sgtin:4012345.011111.987', 'https://id.gs1.org/01/04012345111118/10/LOT1/21/987?linkType=all#x'],
    ['urn:epc:id:sscc:0614141.1234567890', 'https://id.gs1.org/00/106141412345678908'],
    ['urn:epc:id:sgln:0614141.07346.1234', 'https://id.gs1.org/414/0614141073467/254/1234'],
    ['urn:epc:id:sgln:0614141.07346.0', 'https://example.org/resolver/414/0614141073467'],
    ['urn:epc:id:grai:4012345.00022.334455', 'https://id.gs1.org/8003/04012345000221334455'],
    ['urn:epc:class:lgtin:4012345.012345.998877', 'https://id.gs1.org/01/04012345123456/10/998877'],
    ['urn:epc:idpat:sgtin:4012345.012345.*', 'https://id.gs1.org/01/4012345123456'],
  ];
  for (const [urn, dl] of same) assert.is(identifierKey(urn), identifierKey(dl), `${urn} = ${dl}`);
  // The company prefix length comes from the URN: other split, other GTIN.
  assert.is(identifierKey('urn:epc:id:sgtin:0614141.812345.6789'), 'https://id.gs1.org/01/80614141123458/21/6789');
  assert.is(identifierKey('urn:epc:id:sgtin:061414181.2345.6789'), 'https://id.gs1.org/01/20614141813456/21/6789');
});

test('what is not a GS1 identifier keeps its text; wrong lengths are not identifiers', () => {
  assert.is(identifierKey('SN-4711'), 'SN-4711');
  assert.is(identifierKey('urn:example:thing:1'), 'urn:example:thing:1');
  assert.is(canonicalGs1('urn:epc:id:sgtin:4012345.0111111.987'), undefined); // 14 digits of prefix + item reference
  assert.is(canonicalGs1('https://id.gs1.org/01/04012345111/21/9'), undefined); // 11 digits: no GTIN
  assert.is(canonicalGs1('https://example.com/products/abc'), undefined);
  // A Digital Link serial with characters the URN escapes: %-escapes are kept as they stand.
  assert.is(identifierKey('urn:epc:id:sgtin:4012345.011111.98%22'), 'https://id.gs1.org/01/04012345111118/21/98%22');
});

test.run();
