/**
 * The systemd units in contrib/systemd: the hardening, user, state and stop settings the README
 * promises are there (and MemoryDenyWriteExecute is not: Node's JIT aborts under it), and where
 * systemd-analyze exists, `verify` accepts both units with their ExecStart pointed at this
 * checkout's bin/urchain (it must resolve) and without a warning, and `security --offline`
 * rates them well.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root, bin, tmpDir, cleanup } from '../helpers.js';

test.after(() => cleanup());

const UNITS = ['urchain-node.service', 'urchain-broker.service'];
const ANALYZE = '/usr/bin/systemd-analyze';

/** The [Service] settings of a unit: key -> every value given (comments and other sections left out). */
function service(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1];
      continue;
    }
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(m, `not a setting: ${line}`);
    if (section === 'Service') out.set(m![1], [...(out.get(m![1]) ?? []), m![2]]);
  }
  return out;
}

const read = (u: string) => fs.readFileSync(path.join(root, 'contrib', 'systemd', u), 'utf8');

test('both units: an unprivileged user, StateDirectory=urchain, hardening, a clean stop, restart on failure, an EnvironmentFile', () => {
  for (const u of UNITS) {
    const s = service(read(u));
    const one = (k: string) => {
      const v = s.get(k);
      assert.ok(v, `${u}: no ${k}=`);
      return v![v!.length - 1];
    };
    assert.ok(s.has('DynamicUser') ? one('DynamicUser') === 'yes' : one('User') !== 'root', `${u}: runs as root`);
    assert.is(one('StateDirectory'), 'urchain', u);
    for (const k of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'RestrictNamespaces', 'LockPersonality']) assert.is(one(k), 'yes', `${u}: ${k}`);
    assert.is(one('ProtectSystem'), 'strict', u);
    assert.is(one('RestrictAddressFamilies'), 'AF_UNIX AF_INET AF_INET6', u);
    assert.is(one('SystemCallFilter'), '@system-service', u);
    assert.is(one('CapabilityBoundingSet'), '', `${u}: keeps capabilities`);
    assert.ok(!s.has('MemoryDenyWriteExecute') || one('MemoryDenyWriteExecute') === 'no', `${u}: MemoryDenyWriteExecute=yes aborts Node (V8 JIT)`);
    assert.is(one('Restart'), 'on-failure', u);
    assert.is(one('KillSignal'), 'SIGTERM', `${u}: the signal urchain stops cleanly on`);
    assert.ok(Number(one('TimeoutStopSec')) >= 30, `${u}: too little time to stop cleanly`);
    assert.match(one('EnvironmentFile'), /^-\/etc\/urchain\/\w+\.env$/, u);
    assert.match(one('ExecStart'), /^\/usr\/local\/bin\/urchain (node run|broker serve) --data \/var\/lib\/urchain\//, u);
  }
});

test('systemd-analyze verify accepts both units (ExecStart pointed at bin/urchain) without a warning; security rates them OK', () => {
  if (!fs.existsSync(ANALYZE)) return void console.log(`  (skipped: no ${ANALYZE})`);
  const dir = tmpDir('urchain-units-');
  for (const u of UNITS) fs.writeFileSync(path.join(dir, u), read(u).replace(/^ExecStart=\/usr\/local\/bin\/urchain /m, `ExecStart=${bin} `));
  const verify = (units: string[]) => spawnSync(ANALYZE, ['verify', '--man=no', ...units], { cwd: dir, encoding: 'utf8' });
  const r = verify(UNITS.map((u) => `./${u}`));
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr.trim(), '', 'verify printed warnings');
  // The check has teeth: a misspelt key is a warning, a binary that does not resolve an error.
  fs.writeFileSync(path.join(dir, 'typo.service'), read(UNITS[0]).replace('NoNewPrivileges=yes', 'NoNewPrivilegs=yes').replace(/^ExecStart=\/usr\/local\/bin\/urchain /m, `ExecStart=${bin} `));
  assert.match(verify(['./typo.service']).stderr, /Unknown key/);
  fs.writeFileSync(path.join(dir, 'gone.service'), read(UNITS[0]));
  const gone = verify(['./gone.service']);
  if (!fs.existsSync('/usr/local/bin/urchain')) assert.is.not(gone.status, 0, 'an ExecStart binary that does not exist passed');

  for (const u of UNITS) {
    const s = spawnSync(ANALYZE, ['security', '--offline=true', '--no-pager', `./${u}`], { cwd: dir, encoding: 'utf8' });
    const m = /Overall exposure level for \S+: ([\d.]+)/.exec(s.stdout + s.stderr);
    if (!m) {
      console.log(`  (security rating skipped: ${(s.stderr || s.stdout).trim().split('\n').pop()})`);
      continue;
    }
    assert.ok(Number(m[1]) < 3, `${u}: exposure ${m[1]}`);
  }
});

test.run();
