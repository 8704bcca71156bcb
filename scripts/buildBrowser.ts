/**
 * The build step after tsc (`npm run build`): bundles the verifier page's script with esbuild into
 * dist/src/browser/verifier.bundle.js, which `urchain passport --html` and `urchain verify --html`
 * inline into the pages they write (src/passport/bundle.ts).
 */
import fs from 'node:fs';
import { bundleVerifier, BUNDLE_FILE } from '../src/passport/bundle.js';

const js = await bundleVerifier();
fs.writeFileSync(BUNDLE_FILE, js);
console.log(`${BUNDLE_FILE} (${js.length} bytes)`);
