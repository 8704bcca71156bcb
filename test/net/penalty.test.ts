/**
 * What a failure costs the peer it came from. This node's own store failing (a full disk) is not
 * the peer's doing and must cost nothing: otherwise a node with a full disk bans every honest
 * peer that sends it a block. Malformed or forged input ends the link at once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { penalty } from '../../src/net/network.js';
import { UrchainError } from '../../src/errors.js';

test("the node's own store failure costs the peer nothing", () => {
  assert.is(penalty(new UrchainError('STORE', 'the disk holding the store is full (ENOSPC)')), 0);
});

test('forged or malformed input costs a whole ban; a flood half', () => {
  for (const c of ['BAD_SIGNATURE', 'BAD_ENCODING', 'BAD_INPUT', 'BAD_BLOCK', 'TOO_LARGE'] as const) assert.is(penalty(new UrchainError(c, 'x')), 100, c);
  assert.is(penalty(new UrchainError('RATE_LIMITED', 'x')), 50);
});

test.run();
