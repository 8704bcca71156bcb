/**
 * `man urchain` after a global install or `npm link`: npm links man pages only from the
 * package.json "man" list (bin-links reads nothing else; "directories.man" alone installs none,
 * checked with npm 11), so that list must name every page under man/, and a real global install
 * into a temp prefix must put them where man finds them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tmpDir, cleanup, root } from '../helpers.js';

const I = suite('install: man pages');
I.after(() => cleanup());

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const pages = fs
  .readdirSync(path.join(root, 'man'))
  .filter((f) => /\.[0-9]$/.test(f))
  .sort();
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

I('package.json "man" names every page under man/ (a new page must be added there, or npm does not install it)', () => {
  const listed = [...(pkg.man as string[])].sort();
  const missing = pages.map((f) => `man/${f}`).filter((f) => !listed.includes(f));
  const stale = listed.filter((f) => !fs.existsSync(path.join(root, f)));
  assert.equal(missing, [], `add to package.json "man": ${missing.join(', ')}`);
  assert.equal(stale, [], `no such page: ${stale.join(', ')}`);
  assert.ok((pkg.files as string[]).includes('man'), 'the pages must be in the package');
});

I('npm install -g (from the packed package) links the pages into PREFIX/share/man, where man finds them', () => {
  if (!has('npm')) return console.log('  (skipped: no npm on PATH)');
  // The package with its bin, its man pages and this package.json, minus dependencies and
  // scripts: what npm does with the "man" list does not depend on them, and the install stays
  // offline and takes seconds.
  const dir = tmpDir('urchain-install-');
  const src = path.join(dir, 'pkg');
  fs.mkdirSync(src);
  fs.cpSync(path.join(root, 'man'), path.join(src, 'man'), { recursive: true });
  fs.cpSync(path.join(root, 'bin'), path.join(src, 'bin'), { recursive: true });
  const { dependencies, devDependencies, scripts, overrides, ...bare } = pkg;
  fs.writeFileSync(path.join(src, 'package.json'), JSON.stringify(bare, null, 2));
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  const npm = (...args: string[]) => {
    const r = spawnSync('npm', args, { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 0, `npm ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const tgz = npm('pack', './pkg', '--ignore-scripts').split('\n').pop()!;
  const prefix = path.join(dir, 'prefix');
  npm('install', '-g', '--prefix', prefix, `./${tgz}`, '--ignore-scripts', '--offline');
  for (const f of pages) {
    const section = f.slice(f.lastIndexOf('.') + 1);
    const linked = path.join(prefix, 'share', 'man', `man${section}`, f);
    assert.ok(fs.existsSync(linked), `${linked} missing`);
  }
  if (!has('man')) return console.log('  (man not installed: checked the links only)');
  // man-db looks in ../share/man of every folder on PATH, so no MANPATH is needed.
  const manEnv: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` };
  delete manEnv.MANPATH;
  const w = spawnSync('man', ['-w', 'urchain-verify'], { env: manEnv, encoding: 'utf8' });
  assert.is(w.status, 0, w.stderr);
  assert.ok(w.stdout.startsWith(prefix), w.stdout);
});

I.run();
