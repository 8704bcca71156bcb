/** io/http: JSON answers, and errors with the status and headers the error table gives their code. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { send, sendError, readBody } from '../../src/io/http.js';
import { listen, closeServer } from '../../src/io/listen.js';
import { UrchainError } from '../../src/errors.js';

/** A server whose handler throws `fail(path)` (or answers JSON for /ok); the bugs it logged. */
async function serve(fail: (path: string) => unknown) {
  const logged: Error[] = [];
  const s = http.createServer((req, res) => {
    if (req.url === '/ok') return send(res, 200, { ok: true }, { 'x-extra': '1' });
    if (req.url === '/echo') return void readBody(req, 16).then((b) => send(res, 200, { n: b.length }), (e) => sendError(res, e, (x) => logged.push(x)));
    sendError(res, fail(req.url ?? ''), (e) => logged.push(e));
  });
  const base = `http://${await listen(s, { host: '127.0.0.1', port: 0 }, '--api')}`;
  return { base, logged, close: () => (s.closeAllConnections(), closeServer(s)) };
}

test('send writes JSON with its length and extra headers', async () => {
  const srv = await serve(() => undefined);
  try {
    const r = await fetch(`${srv.base}/ok`);
    assert.is(r.status, 200);
    assert.is(r.headers.get('content-type'), 'application/json');
    assert.is(r.headers.get('x-extra'), '1');
    assert.equal(await r.json(), { ok: true });
  } finally {
    await srv.close();
  }
});

test('an UrchainError gets its table status and the headers its status needs', async () => {
  const srv = await serve((p) =>
    p === '/405' ? UrchainError.NOT_ALLOWED('use GET', { allow: 'GET' }) : p === '/401' ? UrchainError.UNAUTHORIZED('token') : UrchainError.UNAVAILABLE('busy'),
  );
  try {
    const r405 = await fetch(`${srv.base}/405`);
    assert.is(r405.status, 405);
    assert.is(r405.headers.get('allow'), 'GET');
    assert.equal(await r405.json(), { error: { code: 'NOT_ALLOWED', message: 'use GET' } });
    const r401 = await fetch(`${srv.base}/401`);
    assert.is(r401.status, 401);
    assert.is(r401.headers.get('www-authenticate'), 'Bearer');
    await r401.arrayBuffer();
    const r503 = await fetch(`${srv.base}/503`);
    assert.is(r503.status, 503);
    assert.is(r503.headers.get('retry-after'), '1');
    await r503.arrayBuffer();
    assert.equal(srv.logged, [], 'known errors are not logged');
  } finally {
    await srv.close();
  }
});

test('anything else is a bug: logged with its stack, answered 500 INTERNAL', async () => {
  const bug = new TypeError('x is undefined');
  const srv = await serve(() => bug);
  try {
    const r = await fetch(`${srv.base}/boom`);
    assert.is(r.status, 500);
    const j = (await r.json()) as { error: { code: string; message: string } };
    assert.is(j.error.code, 'INTERNAL');
    assert.equal(srv.logged, [bug]);
  } finally {
    await srv.close();
  }
});

test('a body over the limit is refused 413 after it was read, not reset', async () => {
  const srv = await serve(() => undefined);
  try {
    const r = await fetch(`${srv.base}/echo`, { method: 'POST', body: 'x'.repeat(64) });
    assert.is(r.status, 413);
    assert.is(((await r.json()) as { error: { code: string } }).error.code, 'TOO_LARGE');
    const ok = await fetch(`${srv.base}/echo`, { method: 'POST', body: 'x'.repeat(16) });
    assert.equal(await ok.json(), { n: 16 });
  } finally {
    await srv.close();
  }
});

test.run();
