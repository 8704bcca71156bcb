/**
 * The build step for start-up time (issue 11, `npm run build`): bundles each command that must
 * start fast (HOT_COMMANDS) with everything it imports into one CommonJS file,
 * dist/commands/hot/<command>-<hash of its content>.cjs, which bin/urchain runs instead of
 * loading dist/commands/cli.js and the command's modules one by one.
 *
 * Why: `urchain verify` checks a proof in about 2 ms but spent most of its 2.5x `node -e 0` on
 * loading: resolving, reading and compiling some 50 ES modules of its own and clipanion's 25
 * CommonJS files, one at a time. One file does it once. What is in it is exactly what the
 * unbundled run loads (cli.js's main(), the command, clipanion, @noble), so the command
 * behaves the same; other packages (lmdb, esbuild, ...) stay outside, loaded by Node as usual.
 *
 * Three things keep the bundle honest:
 * - it holds ONE command: cli.js's other table entries become a stub that throws, and bin/urchain
 *   sends only argv[0] === <command> here (so nothing else can reach the stub);
 * - `import.meta.url` in a bundled module is rewritten to that module's own dist/ path, relative
 *   to the bundle, so files found next to a module (package.json, the verifier page script) are
 *   found as before, wherever the package is installed; import() of a package goes through
 *   bin/urchain's import();
 * - a manifest (<command>.json) names the bundle and lists its inputs; bin/urchain uses the
 *   bundle only if none is newer than it, so after `tsc` alone (without this step) the CLI runs
 *   unbundled rather than run stale code.
 *
 * bin/urchain also keeps V8's code cache of the bundle beside it (made by the first run, used by
 * the next ones): the bundle is then not compiled again at each start.
 *
 * test/cli/hotBundle.test.ts builds it and checks each case runs the same bundled and not.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** The commands bundled, by their path in COMMAND_TABLE (one word: bin/urchain matches argv[0]). */
export const HOT_COMMANDS = ['verify'];

/** Where the bundles go: under dist/commands, which the npm package ships. */
export const HOT_DIR = path.join(root, 'dist', 'commands', 'hot');

/** Packages bundled in: small, pure JS, loaded on every run. The others stay external. */
const INLINE = /^(clipanion|typanion|@noble\/(ed25519|hashes))(\/|$)/;

export interface HotManifest {
  /** The command path. */
  command: string;
  /** The bundle's file name, in HOT_DIR. */
  bundle: string;
  /** urchain's own input files (dist/...), relative to the package root: the bundle is stale if one is newer. */
  inputs: string[];
  /** The bundled files of packages (pinned versions; for the record, not checked at start). */
  packages: string[];
}

/** Bundles `command` (a one-word path in COMMAND_TABLE) into HOT_DIR; returns its manifest. */
export async function buildHot(command: string): Promise<HotManifest> {
  const esbuild = await import('esbuild');
  const cliFile = path.join(root, 'dist', 'commands', 'cli.js');
  const commandFile = path.join(root, 'dist', 'commands', `${command}.js`);
  if (!fs.existsSync(commandFile)) throw new Error(`${commandFile} missing: build with tsc first`);
  fs.mkdirSync(HOT_DIR, { recursive: true });
  const r = await esbuild.build({
    stdin: { contents: `export { main } from ${JSON.stringify(cliFile)};`, resolveDir: HOT_DIR, loader: 'js' },
    absWorkingDir: root,
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: path.join(HOT_DIR, `${command}.cjs`),
    metafile: true,
    // Half the bytes to read and compile, and ASCII only (V8 keeps it one byte per character);
    // names stay, so a stack trace still names the function.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    legalComments: 'none',
    // The module wrapper of CommonJS, written out: bin/urchain compiles the file as one function
    // with vm.Script, to give V8 its code cache (Node's require() takes none).
    banner: { js: '(function (exports, require, module, __filename, __dirname, __urchainImport) {' },
    footer: { js: '})' },
    plugins: [
      {
        name: 'urchain-hot',
        setup(b) {
          // Packages other than INLINE: loaded by Node from node_modules, as without the bundle.
          b.onResolve({ filter: /^[^./]/ }, (a) => (INLINE.test(a.path) ? undefined : { path: a.path, external: true }));
          // cli.js's other commands: unreachable here (bin/urchain routes only `command`).
          b.onResolve({ filter: /^\.\// }, (a) => {
            if (a.importer !== cliFile || a.kind !== 'dynamic-import' || path.resolve(path.dirname(cliFile), a.path) === commandFile) return undefined;
            return { path: 'other-command', namespace: 'urchain-hot-stub' };
          });
          b.onLoad({ filter: /.*/, namespace: 'urchain-hot-stub' }, () => ({
            contents: `throw new Error('internal: the start-up bundle of "${command}" holds no other command (bin/urchain routes only "${command}" to it)');`,
            loader: 'js',
          }));
          b.onLoad({ filter: /\.js$/ }, (a) => {
            if (!a.path.startsWith(path.join(root, 'dist') + path.sep)) return undefined;
            let source = fs.readFileSync(a.path, 'utf8');
            // The module's own URL, as it would be unbundled: relative to the bundle's folder.
            const rel = JSON.stringify(path.relative(HOT_DIR, a.path).split(path.sep).join('/'));
            source = source.replaceAll('import.meta.url', `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${rel})).href`);
            // import() of a package left out (esbuild for the verifier page): through bin/urchain,
            // an ES module. In a vm script import() needs an experimental Node hook, which V8's
            // code cache loses (Node 20).
            source = source.replace(/\bimport\((['"])([^./'"][^'"]*)\1\)/g, '__urchainImport($1$2$1)');
            return { contents: source, loader: 'js' };
          });
        },
      },
    ],
  });
  const files = Object.keys(r.metafile!.inputs)
    .filter((f) => !f.includes(':') && f !== '<stdin>')
    .map((f) => path.relative(root, path.resolve(root, f)).split(path.sep).join('/'));
  // The bundle's name carries a hash of its content, and so does its code cache (bin/urchain:
  // `<bundle>.cache`): V8 checks a cache against the length of the source only, so a cache must
  // never meet another bundle of the same name. Old bundles and caches go; the manifest is
  // replaced last, in one rename, so a CLI starting meanwhile sees the old pair or the new one.
  const code = r.outputFiles![0].contents;
  // bin/urchain reads it as latin1, the cheapest decoding, which equals UTF-8 on ASCII only.
  if (code.some((b) => b > 0x7f)) throw new Error(`the start-up bundle of ${command} is not ASCII`);
  if (/\bimport\(/.test(Buffer.from(code).toString('latin1'))) throw new Error(`the start-up bundle of ${command} has an import() left (only string literals are rewritten)`);
  const bundle = `${command}-${crypto.createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`;
  for (const f of fs.readdirSync(HOT_DIR)) if (f.startsWith(`${command}-`) && !f.startsWith(bundle)) fs.rmSync(path.join(HOT_DIR, f), { force: true });
  const manifest: HotManifest = { command, bundle, inputs: files.filter((f) => f.startsWith('dist/')), packages: files.filter((f) => !f.startsWith('dist/')) };
  writeAtomic(path.join(HOT_DIR, bundle), code);
  writeAtomic(path.join(HOT_DIR, `${command}.json`), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const command of HOT_COMMANDS) {
    const m = await buildHot(command);
    const size = fs.statSync(path.join(HOT_DIR, m.bundle)).size;
    console.log(`${path.relative(root, path.join(HOT_DIR, m.bundle))} (${size} bytes, ${m.inputs.length} files)`);
  }
}
