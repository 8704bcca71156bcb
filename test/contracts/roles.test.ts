/** Node types as policy objects (DESIGN decision 7): the paper's Table I, and refusals. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NODE_TYPES, ROLES, nodeRole, peerRole, isNodeType } from '../../src/contracts/roles.js';
import { UrchainError } from '../../src/errors.js';

test("Table I: who produces, whose payloads a node keeps, who serves payloads", () => {
  const table = NODE_TYPES.map((t) => {
    const r = ROLES[t];
    return [t, r.produces, r.keepsPayload(true), r.keepsPayload(false), r.servesPayloads];
  });
  assert.equal(table, [
    ['thin', false, true, false, false],
    ['producer', true, true, false, false],
    ['archive', false, true, true, true],
    ['full', true, true, true, true],
  ]);
  for (const t of NODE_TYPES) assert.is(nodeRole(t).type, t);
});

test('an unknown type is BAD_INPUT naming the four; an unknown peer role serves nothing', () => {
  try {
    nodeRole('archiv');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, UrchainError);
    assert.is((e as UrchainError).code, 'BAD_INPUT');
    assert.match((e as Error).message, /thin, producer, archive, full; got archiv/);
  }
  assert.is(peerRole('toString'), undefined);
  assert.is(peerRole(undefined), undefined);
  assert.not.ok(isNodeType('constructor'));
  assert.is(peerRole('archive'), ROLES.archive);
  assert.ok(Object.isFrozen(ROLES.full));
});

test.run();
