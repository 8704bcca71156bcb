/**
 * The trust list is read strictly: what is not a trust list is an error with a one-line reason,
 * never "trusted"; keys the verification rule would refuse are refused in the list too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTrustList, checkTrustList } from '../../src/proof/trust.js';
import { validPublicKey, smallOrder, strictEncodings } from '../../src/crypto/ed25519.js';
import { vector } from '../helpers.js';

const golden = vector('formats.json');
const chain = golden.params.chainId;
const key = golden.key.publicKey;

test('refused: {}, misspelled members, a proof file, empty lists, non-keys, duplicate members', () => {
  const cases: [string, RegExp][] = [
    ['{}', /chains missing/],
    [JSON.stringify({ chain: [chain], authority: [key] }), /chains missing/],
    [JSON.stringify(golden.proof), /chains missing/],
    [JSON.stringify({ chains: [chain], authority: [key] }), /authority: unknown field/],
    [JSON.stringify({ chains: [] }), /chains: expected at least 1 entry/],
    [JSON.stringify({ chains: [chain], authorities: [] }), /authorities: expected at least 1 entry/],
    [JSON.stringify({ chains: [chain.toUpperCase()] }), /chains\[0\]: expected a chain id/],
    [JSON.stringify({ chains: ['zz'] }), /chains\[0\]/],
    [JSON.stringify({ chains: [chain], origins: [42] }), /origins\[0\]: expected a key/],
    [JSON.stringify({ chains: [chain], origins: ['0100000000000000000000000000000000000000000000000000000000000080'] }), /origins\[0\]: not a usable ed25519 public key/],
    [JSON.stringify({ chains: [chain], authorities: ['0100000000000000000000000000000000000000000000000000000000000000'] }), /not a usable/],
    [JSON.stringify({ chains: [chain], partners: [{ chains: [chain] }] }), /partners\[0\]\.name: missing/],
    // found by npm run fuzz: a partner's note was not checked at all
    [JSON.stringify({ chains: [chain], partners: [{ name: 'b', chains: [chain], note: -1 }] }), /partners\[0\]\.note: expected text/],
    [JSON.stringify({ chains: [chain], partners: [{ name: 'b', chains: [chain], note: {} }] }), /partners\[0\]\.note: expected text/],
    [JSON.stringify({ chains: [chain], note: null }), /note: expected text/],
    [`{"chains":["${chain}"],"chains":["${chain}"]}`, /member "chains" appears twice/],
    ['[]', /expected an object/],
    ['not json', /unexpected/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(() => parseTrustList(text), (e: Error) => {
      assert.match(e.message, reason, text.slice(0, 60));
      assert.match(e.message, /^trust list: /);
      assert.not.match(e.message, /\n/);
      return true;
    });
  }
});

test('accepted: what trust export writes, and partner entries', () => {
  const t = parseTrustList(JSON.stringify({ chains: [chain], authorities: [key], origins: [key], name: 'vector-chain', note: '/x', partners: [{ name: 'b', chains: [chain], note: 'n' }] }));
  assert.is(t.partners![0].name, 'b');
  assert.equal(checkTrustList({ chains: [chain] }), { chains: [chain] });
});

test('the key rule: canonical, on the curve, not of small order (RFC 8032 §5.1.3)', () => {
  const h = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
  assert.ok(validPublicKey(h(key)));
  const smallOrder8 = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000000000000000000000000000000000000000000080',
    '0100000000000000000000000000000000000000000000000000000000000000',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  ];
  for (const k of smallOrder8) {
    assert.ok(smallOrder(h(k)), k);
    assert.not.ok(validPublicKey(h(k)), k);
  }
  // x = 0 with the sign bit set: y = 1 and y = p - 1
  for (const k of ['0100000000000000000000000000000000000000000000000000000000000080', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff']) {
    assert.not.ok(validPublicKey(h(k)), k);
    assert.not.ok(strictEncodings(h(k), new Uint8Array(64)), k);
  }
  // R = identity encoded with the sign bit: refused as R too
  const sig = new Uint8Array(64);
  sig.set(h('0100000000000000000000000000000000000000000000000000000000000080'));
  assert.not.ok(strictEncodings(h(key), sig));
  // y >= p, and a y with no x on the curve
  assert.not.ok(validPublicKey(h('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')));
  assert.not.ok(validPublicKey(h('0200000000000000000000000000000000000000000000000000000000000000')));
});

test.run();
