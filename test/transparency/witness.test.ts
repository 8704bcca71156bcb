/**
 * transparency/witness in-process: what it cosigned is kept for every origin name a log may
 * have, so a second request from the old size is a 409, never a second "first" cosignature.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { tmpDir, cleanup } from '../helpers.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { utf8 } from '../../src/codec/bytes.js';
import { leafHash, rootOf } from '../../src/merkle/tree.js';
import { signTreeHead } from '../../src/transparency/checkpoint.js';
import { noteKey } from '../../src/transparency/note.js';
import { Witness, addCheckpointBody } from '../../src/transparency/witness.js';

test.after(() => cleanup());

test('an origin named like an Object.prototype member ("__proto__") is remembered: the old size 0 is then a 409', () => {
  const log = generateKeyPair();
  for (const origin of ['__proto__', 'constructor', 'example.com/log']) {
    const file = path.join(tmpDir(), 'witness.json');
    const w = new Witness('witness.example/w', generateKeyPair(), file, (o) => (o === origin ? [noteKey(origin, log.publicKey)] : undefined), () => 1_700_000_000);
    const note = signTreeHead({ origin, size: 1, root: rootOf([leafHash(utf8('a'))]) }, log);
    assert.is(w.add(addCheckpointBody(0, [], note)).status, 200, origin);
    assert.is(w.latest(origin)?.size, 1, origin);
    // A fresh Witness on the same file (a restart) knows it too.
    const again = new Witness('witness.example/w', generateKeyPair(), file, (o) => (o === origin ? [noteKey(origin, log.publicKey)] : undefined));
    const a = again.add(addCheckpointBody(0, [], note));
    assert.equal([a.status, a.body], [409, '1\n'], origin);
  }
});

test.run();
