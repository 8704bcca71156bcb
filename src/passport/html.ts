/**
 * @module passport/html
 * The self-contained verifier page: one HTML file with the proof or passport and the trust list
 * embedded as data, the bundled verifier inline (passport/bundle) and a Content-Security-Policy
 * that forbids every connection (default-src 'none'; the one script and the one style admitted by
 * their SHA-256 hashes). It verifies on open from file:// with no network, shows each check and
 * the timeline in plain words, and takes another proof, passport or trust file dropped on it.
 *
 * The embedded document keeps its exact text (a passport's bytes are checked): it travels as a
 * JSON string in a <script type="application/json"> element, with "<" written as \u003c so
 * nothing in it can close the element.
 */
import { sha256 } from '../crypto/hash.js';
import { toBase64, utf8 } from '../codec/bytes.js';
import type { PageData } from '../browser/page.js';
import { verifierScript } from './bundle.js';

export type { PageData } from '../browser/page.js';

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px}
#source{color:#5b6470;margin-bottom:14px;word-break:break-all}
#verdict{padding:14px 16px;border-radius:8px;font-weight:600;word-break:break-word}
#verdict.ok{background:#dff5e3;color:#0f5320}#verdict.warn{background:#fff4d6;color:#6b4b00}#verdict.bad{background:#fde2e1;color:#8a1410}
ul.checks{list-style:none;padding:0;margin:8px 0}ul.checks li{padding:3px 0;word-break:break-word}
li.ok{color:#0f5320}li.bad{color:#8a1410;font-weight:600}li.skip{color:#6b7480}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13.5px}
th,td{border-bottom:1px solid #e2e5e9;padding:6px 8px;text-align:left;vertical-align:top;word-break:break-word}
tr.bad td{background:#fdf0ef;color:#8a1410}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px}dt{color:#5b6470}dd{margin:0;word-break:break-all}
#drop{margin-top:28px;padding:18px;border:2px dashed #b9c0c8;border-radius:8px;color:#5b6470;text-align:center}
#drop.over{border-color:#2f6fde;background:#eef4ff}
footer{margin-top:18px;color:#8a929c;font-size:12.5px}
`;

const hashOf = (text: string) => `'sha256-${toBase64(sha256(utf8(text)))}'`;
const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The page for `data` (what it verifies on open). */
export async function verifierPage(data: PageData): Promise<string> {
  const script = await verifierScript();
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const csp = [`default-src 'none'`, `script-src ${hashOf(script)}`, `style-src ${hashOf(STYLE)}`, `img-src 'none'`, `connect-src 'none'`, `form-action 'none'`, `base-uri 'none'`].join('; ');
  const title = `urchain ${data.kind}: ${data.name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${data.kind === 'passport' ? 'Product passport' : 'Record proof'}, verified in this page</h1>
<div id="source"></div>
<div id="verdict" data-state="running">Verifying…</div>
<div id="result"></div>
<div id="drop">Drop another proof, passport or trust file on this page, or choose one: <input type="file" id="file" multiple accept=".json,application/json"></div>
<footer>Verified by urchain's own verifier, inside this file: it makes no connection (its Content-Security-Policy forbids every one) and needs nothing but this page.</footer>
</main>
<script type="application/json" id="urchain-data">${json}</script>
<script>${script}</script>
</body>
</html>
`;
}
