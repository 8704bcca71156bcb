import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Producer } from '../../src/node/producer.js';
import { Pool } from '../../src/node/pool.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import type { BlockTree } from '../../src/ledger/blocktree.js';
import type { Header } from '../../src/chain/header.js';

test('a block that comes in while the producer hashes its root: the producer leaves this tick instead of sealing a stale block', async () => {
  let height = 5;
  const calls: string[] = [];
  const tree = {
    consensus: { seal: async (h: Header) => (calls.push('seal'), { header: h, signatures: [] }) },
    head: () => ({ height, hash: new Uint8Array(32) }),
    // While the root is hashed (in slices) a block from a peer moves the head on.
    proposeHeader: async () => {
      height = 6;
      return { height: height + 1 } as Header;
    },
    add: async () => (calls.push('add'), []),
  } as unknown as BlockTree;
  const errors: Error[] = [];
  const p = new Producer(tree, new Pool([new Uint8Array(32).fill(1)]), generateKeyPair(), 1000, () => calls.push('block'), (e) => errors.push(e));
  assert.is(await p.tick(), undefined);
  assert.equal(calls, []);
  assert.equal(errors, []);
  await p.stop();
});

test.run();
