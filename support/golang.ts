/**
 * Builds a small Go program against Debian's packaged Go libraries (golang.org/x/mod and the
 * standard library), offline: GOPATH mode over /usr/share/gocode, no module proxy, no network.
 * The tests use such programs as independent checkers of urchain's formats (C2SP notes,
 * checkpoints, cosignatures, tlog proofs), written against the reference implementation.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from './tmp.js';

/** Where Debian's golang-golang-x-mod-dev puts the sources that GOPATH mode finds. */
export const DEBIAN_GOPATH = '/usr/share/gocode';

/** Whether `go` and golang.org/x/mod are installed (.ci/run installs both). */
export function haveGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return false;
  }
  return fs.existsSync(path.join(DEBIAN_GOPATH, 'src/golang.org/x/mod/sumdb/note'));
}

/**
 * Compiles `main.go` source text into an executable and returns its path. Throws with Go's own
 * compiler output when the build fails.
 */
export function buildGo(source: string, name = 'checker'): string {
  const dir = tmpDir('urchain-go-');
  fs.writeFileSync(path.join(dir, 'main.go'), source);
  const out = path.join(dir, name);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    GOCACHE: path.join(dir, 'cache'),
    GOPATH: DEBIAN_GOPATH,
    GO111MODULE: 'off',
    GOPROXY: 'off',
    GOFLAGS: '',
    CGO_ENABLED: '0',
  };
  try {
    execFileSync('go', ['build', '-o', out, 'main.go'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new Error(`go build failed:\n${err.stderr?.toString() ?? String(e)}`);
  }
  return out;
}
