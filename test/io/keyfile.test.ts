/**
 * Secret key files: written 0600, and refused (as ssh does) when group or others may access
 * them, with the exact chmod to run; the same rule for node keys, network keys and tier-2 keys.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { tmpDir, cleanup, cli, killChildren, bin } from '../helpers.js';
import { writeKeyFile, readKeyFile } from '../../src/io/keyfile.js';
import { writeAesKeyFile, readAesKeyFile } from '../../src/ingest/profichain/tier2.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';

const K = suite('key files');
K.after(() => {
  killChildren();
  cleanup();
});

const mode = (f: string) => fs.statSync(f).mode & 0o777;

/** `urchain ARGS` as a child; one still running after 15 s is killed and reported as such. */
function run(args: string[]): Promise<{ code: number | string | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.on('exit', (code, signal) => (clearTimeout(t), resolve({ code: signal ? 'still running' : code, stderr })));
  });
}

K('a key file open to group or others is refused with the chmod to run', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'node.key');
  const key = generateKeyPair();
  writeKeyFile(file, key);
  assert.is(mode(file), 0o600);
  assert.equal(readKeyFile(file).publicKey, key.publicKey);
  for (const m of [0o640, 0o604, 0o620, 0o644, 0o666]) {
    fs.chmodSync(file, m);
    assert.throws(() => readKeyFile(file), (e: any) => e.code === 'FORBIDDEN' && e.message.endsWith(`run \`chmod 600 ${file}\``));
  }
  fs.chmodSync(file, 0o400);
  assert.equal(readKeyFile(file).publicKey, key.publicKey, 'owner-only read is fine');
  const spaced = path.join(dir, "a key's file");
  writeKeyFile(spaced, key);
  fs.chmodSync(spaced, 0o644);
  assert.throws(() => readKeyFile(spaced), (e: any) => e.message.includes(`chmod 600 '${dir}/a key'\\''s file'`));
});

K('tier-2 AES key files follow the same rule', () => {
  const file = path.join(tmpDir(), 'aes.key');
  writeAesKeyFile(file);
  assert.is(mode(file), 0o600);
  readAesKeyFile(file);
  fs.chmodSync(file, 0o644);
  assert.throws(() => readAesKeyFile(file), /chmod 600/);
});

K('--force replaces a key with a 0600 file even when the old one was open', () => {
  const file = path.join(tmpDir(), 'k.key');
  writeKeyFile(file, generateKeyPair());
  fs.chmodSync(file, 0o644);
  const key = generateKeyPair();
  writeKeyFile(file, key, { force: true });
  assert.is(mode(file), 0o600);
  assert.equal(readKeyFile(file).publicKey, key.publicKey);
  assert.throws(() => writeKeyFile(file, key), /already exists/);
  const aes = path.join(path.dirname(file), 'a.key');
  writeAesKeyFile(aes);
  fs.chmodSync(aes, 0o664);
  writeAesKeyFile(aes, true);
  assert.is(mode(aes), 0o600);
});

K('node run with an open node.key and member add with an open network key: exit 1, one line with the fix', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 'data');
  assert.is((await cli(['init', '--data', data])).code, 0);
  const nodeKey = path.join(data, 'node.key');
  fs.chmodSync(nodeKey, 0o640);
  const r = await run(['node', 'run', '--data', data, '--api', '127.0.0.1:0']);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stderr, `urchain: ${nodeKey} holds a secret key but group or others may access it (mode 0640); run \`chmod 600 ${nodeKey}\`\n`);
  const nk = path.join(dir, 'network.key');
  assert.is((await cli(['keygen', '--network', '--out', nk])).code, 0);
  fs.chmodSync(nk, 0o644);
  const m = await run(['member', 'add', '00'.repeat(32), '--role', 'full', '--network-key', nk, '--members', path.join(dir, 'm.json')]);
  assert.is(m.code, 1, m.stderr);
  assert.match(m.stderr, new RegExp(`chmod 600 ${nk}`));
});

K.run();
