/**
 * @module passport/bundle
 * The verifier page's script: src/browser/page.ts with src/proof, src/codec, src/crypto and
 * @noble bundled by esbuild into one browser script (IIFE, no imports, portable backend: the
 * OpenSSL one lives in src/io and is never reached from the page). `npm run build` writes it
 * to dist/src/browser/verifier.bundle.js (scripts/buildBrowser.ts), so an installed urchain has
 * it; a checkout built with tsc alone bundles it here on first use, esbuild being a dev
 * dependency there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UrchainError } from '../errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where the build puts the bundle, and the compiled page it is made from (both under dist/src). */
export const BUNDLE_FILE = path.join(here, '..', 'browser', 'verifier.bundle.js');
const PAGE_ENTRY = path.join(here, '..', 'browser', 'page.js');

/** Bundles the compiled page (dist/src/browser/page.js) with esbuild. */
export async function bundleVerifier(): Promise<string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw UrchainError.UNAVAILABLE(`the verifier page script ${BUNDLE_FILE} is missing and esbuild is not installed: run \`npm run build\` in an urchain checkout`);
  }
  const r = await esbuild.build({
    entryPoints: [PAGE_ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = r.outputFiles[0].text;
  // The script is inlined into <script>; this text would end the element early.
  if (/<\/script|<!--/i.test(js)) throw UrchainError.INTERNAL('the verifier bundle contains "</script" or "<!--" and cannot be inlined');
  return js;
}

let cached: string | undefined;

/** The bundled verifier script: the built file, or a fresh bundle when there is none. */
export async function verifierScript(): Promise<string> {
  if (cached) return cached;
  cached = fs.existsSync(BUNDLE_FILE) ? fs.readFileSync(BUNDLE_FILE, 'utf8') : await bundleVerifier();
  return cached;
}
