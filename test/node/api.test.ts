import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { encode as cborxEncode } from 'cbor-x';
import { UrchainError } from '../../src/errors.js';
import { NodeClient } from '../../src/io/nodeClient.js';
import { bodyBudget, decodeBatch } from '../../src/node/api.js';
import { ERRORS } from '../../src/errors.js';
import { TOKEN_ENV } from '../../src/node/apiGuard.js';
import { UrchainNode } from '../../src/node/node.js';
import { tmpDir, cli, cleanupAfter, root } from '../helpers.js';
import { serveApi, raw } from './apiHelpers.js';

const closing = cleanupAfter(test);

const cbor = (v: unknown) => new Uint8Array(cborxEncode(v));
const POST_CBOR = { 'content-type': 'application/cbor' };

/** [{payload: 28(h'<size bytes>')}, {payload: 29(0)} x (n-1)]: n records, one payload on the wire. */
function sharedRefBatch(size: number, n: number): Uint8Array {
  const field = Buffer.from('677061796c6f6164', 'hex'); // "payload"
  const first = Buffer.concat([Buffer.from('a1', 'hex'), field, Buffer.from('d81c5a', 'hex'), Buffer.from([size >>> 24, (size >> 16) & 255, (size >> 8) & 255, size & 255]), Buffer.alloc(size, 7)]);
  const ref = Buffer.concat([Buffer.from('a1', 'hex'), field, Buffer.from('d81d00', 'hex')]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x99, n >> 8, n & 255]), first, ...Array.from({ length: n - 1 }, () => ref)]));
}

test('amplification: a batch with shared references is refused (400), nothing is decoded into records or stored', async () => {
  const api = await serveApi();
  try {
    // 16 KiB on the wire, 500 records of 16 KiB (8 MB) once references are followed.
    const body = sharedRefBatch(16 * 1024, 500);
    assert.ok(body.length < 24 * 1024);
    const a = await raw(api.port, { method: 'POST', path: '/v1/records/batch', headers: POST_CBOR, body });
    assert.is(a.status, 400);
    assert.is(a.json.error.code, 'BAD_INPUT');
    assert.match(a.json.error.message, /shared references \(tag 28/);
    assert.is(api.intake.committedTxs, 0);
    assert.is(api.store.pending().length, 0);
    // The same records written out in full are fine: the cap is on what is decoded, not on batches.
    const plain = await raw(api.port, { method: 'POST', path: '/v1/records/batch', headers: POST_CBOR, body: cbor(Array.from({ length: 3 }, () => ({ payload: Buffer.alloc(16, 7) }))) });
    assert.is(plain.status, 200);
    assert.is(plain.json.receipts.length, 3);
  } finally {
    await api.close();
  }
});

test('batch: what is decoded is bounded by the body; unknown fields, tags and oversize batches are 400', async () => {
  const api = await serveApi({ maxBody: 4096 });
  try {
    const post = (body: Uint8Array) => raw(api.port, { method: 'POST', path: '/v1/records/batch', headers: POST_CBOR, body });
    const cases: [Uint8Array, RegExp][] = [
      [cbor([{ payload: Buffer.from('x'), extra: 1 }]), /batch\[0\]: unknown field "extra"/],
      [cbor([{ payload: 'text' }]), /batch\[0\]\.payload: expected a byte string/],
      [cbor([{ payload: Buffer.from('x'), meta: { a: 1 } }]), /batch\[0\]\.meta\.a: expected text/],
      [cbor([]), /1-10000 records/],
      [new Uint8Array(Buffer.from('81a1677061796c6f6164c1420102', 'hex')), /tag 1 at byte 10 is not accepted/],
      [new Uint8Array(Buffer.from('81a1677061796c6f6164fa3f800000', 'hex')), /floating-point/],
      [new Uint8Array([0xff, 0x00, 0x13]), /batch: /],
    ];
    for (const [body, re] of cases) {
      const a = await post(body);
      assert.is(a.status, 400, re.source);
      assert.match(a.json.error.message, re);
    }
    // 4 x 4096 bytes of body at most: the decoded strings can never exceed it.
    const big = await post(cbor(Array.from({ length: 5 }, () => ({ payload: Buffer.alloc(4000) }))));
    assert.is(big.status, 413);
    assert.is(api.intake.committedTxs, 0);
  } finally {
    await api.close();
  }
});

test('batch: a 200 answer carries per-item errors in place; the other records are stored', async () => {
  const api = await serveApi();
  try {
    const c = new NodeClient(api.url, { retries: 0 });
    const r = await c.submitBatch([{ payload: Buffer.from('a') }, { payload: Buffer.from('b'), kind: 'Bad Kind' }, { payload: Buffer.from('c'), meta: { product: 'P-1' } }]);
    await c.close();
    assert.is(r.receipts.length, 3);
    assert.ok('txId' in r.receipts[0] && 'txId' in r.receipts[2]);
    assert.equal(Object.keys(r.receipts[1]), ['error']);
    assert.is((r.receipts[1] as any).error.code, 'BAD_INPUT');
    assert.match((r.receipts[1] as any).error.message, /kind/);
    assert.is(api.intake.committedTxs, 2);
  } finally {
    await api.close();
  }
});

test('wrong methods get 405 with Allow; unknown paths 404', async () => {
  const api = await serveApi();
  try {
    for (const [method, p, allow] of [
      ['DELETE', '/v1/status', 'GET, HEAD'],
      ['POST', '/v1/proofs/00', 'GET, HEAD'],
      ['GET', '/v1/records', 'POST'],
      ['PUT', '/v1/records/batch', 'POST'],
      ['OPTIONS', '/v1/params', 'GET, HEAD'],
    ]) {
      const a = await raw(api.port, { method, path: p });
      assert.is(a.status, 405, `${method} ${p}`);
      assert.is(a.headers.allow, allow);
      assert.is(a.json.error.code, 'NOT_ALLOWED');
    }
    assert.is((await raw(api.port, { path: '/v1/nothing' })).status, 404);
    assert.is((await raw(api.port, { path: '/v1/status/extra' })).status, 404);
    const head = await raw(api.port, { method: 'HEAD', path: '/v1/status' });
    assert.is(head.status, 200);
  } finally {
    await api.close();
  }
});

test('a malformed %-escape is 400; an unknown error is 500 and logged; codes map by one table', async () => {
  const api = await serveApi();
  try {
    const bad = await raw(api.port, { path: '/v1/txs/%zz' });
    assert.is(bad.status, 400);
    assert.match(bad.json.error.message, /%-escape/);
    const throwing = (e: unknown) => () => {
      throw e;
    };
    api.query.params = throwing(new TypeError('boom'));
    const boom = await raw(api.port, { path: '/v1/params' });
    assert.is(boom.status, 500);
    assert.is(boom.json.error.code, 'INTERNAL');
    assert.is(api.errors.length, 1);
    assert.match(api.errors[0].message, /boom/);
    for (const [code, status] of [['STORE', 507], ['CONFLICT', 409], ['UNAVAILABLE', 503], ['FORBIDDEN', 403], ['TOO_LARGE', 413]] as const) {
      api.query.params = throwing(new UrchainError(code, 'x'));
      assert.is((await raw(api.port, { path: '/v1/params' })).status, status, code);
    }
    assert.is(api.errors.length, 1);
  } finally {
    await api.close();
  }
});

test('a loopback API refuses web pages: foreign Origin or Host get 403 and store nothing', async () => {
  const api = await serveApi();
  try {
    const post = (headers: Record<string, string>) => raw(api.port, { method: 'POST', path: '/v1/records', headers, body: Buffer.from('x') });
    for (const h of <Record<string, string>[]>[
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: `http://localhost:${api.port}` }, // not the Host this request was sent to
      { host: `evil.example:${api.port}` }, // DNS rebinding
      { host: `evil.example:${api.port}`, origin: `http://evil.example:${api.port}` },
    ]) {
      const a = await post(h);
      assert.is(a.status, 403, JSON.stringify(h));
      assert.is(a.json.error.code, 'FORBIDDEN');
    }
    assert.is(api.intake.committedTxs, 0);
    assert.is((await post({})).status, 200);
    assert.is((await post({ origin: `http://127.0.0.1:${api.port}` })).status, 200);
    assert.is((await post({ host: `localhost:${api.port}` })).status, 200);
    assert.is((await post({ host: `[::1]:${api.port}` })).status, 200);
  } finally {
    await api.close();
  }
});

test('with a token every request needs Authorization: Bearer; clients send it from a file or $URCHAIN_API_TOKEN_FILE', async () => {
  const token = 'a'.repeat(20) + 'TOKEN';
  const api = await serveApi({ host: '0.0.0.0', token });
  const dir = tmpDir();
  const file = path.join(dir, 'api.token');
  fs.writeFileSync(file, token + '\n', { mode: 0o600 });
  try {
    const none = await raw(api.port, { path: '/v1/status', headers: { host: 'plant-a.example:7400' } });
    assert.is(none.status, 401);
    assert.is(none.headers['www-authenticate'], 'Bearer');
    assert.is(none.json.error.code, 'UNAUTHORIZED');
    assert.is((await raw(api.port, { path: '/v1/status', headers: { authorization: 'Bearer wrong-token-of-length' } })).status, 401);
    assert.is((await raw(api.port, { method: 'POST', path: '/v1/records', body: Buffer.from('x') })).status, 401);
    assert.is((await raw(api.port, { path: '/v1/status', headers: { authorization: `Bearer ${token}`, host: 'plant-a.example:7400' } })).status, 200);
    const c = new NodeClient(api.url, { retries: 0, tokenFile: file });
    assert.ok((await c.submit({ payload: Buffer.from('x') })).txId);
    await c.close();
    process.env[TOKEN_ENV] = file;
    try {
      const e = new NodeClient(api.url, { retries: 0 });
      assert.equal(await e.get('/v1/status'), { ok: true });
      await e.close();
    } finally {
      delete process.env[TOKEN_ENV];
    }
    const missing = new NodeClient(api.url, { retries: 0 });
    await missing.get('/v1/status').then(
      () => assert.unreachable('served without a token'),
      (e) => assert.is(e.code, 'UNAUTHORIZED'),
    );
    await missing.close();
    fs.chmodSync(file, 0o644);
    assert.throws(() => new NodeClient(api.url, { tokenFile: file }), /chmod 600/);
  } finally {
    await api.close();
  }
});

test('a node refuses to start an API off loopback without a token, before it touches the data folder', async () => {
  const dir = path.join(tmpDir(), 'node');
  await UrchainNode.start({ dataDir: dir, api: '0.0.0.0:0' }).then(
    (n) => (closing(n), assert.unreachable('started')),
    (e) => {
      assert.is(e.code, 'FORBIDDEN');
      assert.match(e.message, /--api-token-file/);
    },
  );
  assert.not.ok(fs.existsSync(dir));
  // The command exits (it does not keep serving) and says why.
  const r = await Promise.race([
    cli(['node', 'run', '--data', dir, '--api', '0.0.0.0:0']),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('node run kept running')), 15_000)),
  ]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /not a loopback address.*--api-token-file/);
});

test('chunked and declared bodies over the limit get a real 413, not a reset', async () => {
  const api = await serveApi({ maxBody: 64 * 1024 });
  try {
    const chunk = Buffer.alloc(16 * 1024, 1);
    const chunked = await raw(api.port, { method: 'POST', path: '/v1/records', body: chunk, repeat: 40 });
    assert.is(chunked.status, 413);
    assert.is(chunked.json.error.code, 'TOO_LARGE');
    const batch = await raw(api.port, { method: 'POST', path: '/v1/records/batch', headers: POST_CBOR, body: chunk, repeat: 64 });
    assert.is(batch.status, 413);
    const declared = await raw(api.port, { method: 'POST', path: '/v1/records', body: Buffer.alloc(1024 * 1024) });
    assert.is(declared.status, 413);
    // A client that asks first (Expect: 100-continue) is refused before it sends anything.
    const asked = await raw(api.port, { method: 'POST', path: '/v1/records', headers: { expect: '100-continue', 'content-length': String(1 << 30) } });
    assert.is(asked.status, 413);
    // and one within the limit is told to go on
    const ok = await raw(api.port, { method: 'POST', path: '/v1/records', headers: { expect: '100-continue' }, body: chunk });
    assert.is(ok.status, 200);
    assert.is(api.intake.committedTxs, 1);
  } finally {
    await api.close();
  }
});

test('bodies in flight share one budget: the node refuses (503) instead of buffering', async () => {
  const api = await serveApi({ maxBody: 256 * 1024, maxBuffered: 2 * 1024 * 1024 }); // batch limit 1 MiB
  const budget = bodyBudget(api.server)!;
  try {
    // Ten clients each announce a 1 MiB batch and send part of it; only two fit the budget.
    const http = await import('node:http');
    let seen = 0;
    const allSeen = new Promise<void>((r) => api.server.on('request', () => ++seen === 10 && r()));
    const body = cbor(Array.from({ length: 4 }, (_, i) => ({ payload: Buffer.alloc(256 * 1024 - 64, i) })));
    assert.ok(body.length <= 1024 * 1024);
    const answers = Array.from({ length: 10 }, () => {
      const req = http.request({ host: '127.0.0.1', port: api.port, method: 'POST', path: '/v1/records/batch', agent: false, headers: { 'content-length': body.length, connection: 'close' } });
      req.write(body.subarray(0, 1000));
      const answer = new Promise<{ status: number; json: any }>((resolve, reject) => {
        req.on('response', (res) => {
          let t = '';
          res.on('data', (d) => (t += d));
          res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(t) }));
        });
        req.on('error', reject);
      });
      return { req, answer };
    });
    await allSeen;
    assert.is(budget.used, 2 * body.length);
    assert.ok(budget.peak <= budget.limit);
    for (const a of answers) a.req.end(body.subarray(1000));
    const got = await Promise.all(answers.map((a) => a.answer));
    assert.is(got.filter((g) => g.status === 200).length, 2);
    const refused = got.filter((g) => g.status === 503);
    assert.is(refused.length, 8);
    assert.is(refused[0].json.error.code, 'UNAVAILABLE');
    assert.match(refused[0].json.error.message, /retry later/);
    assert.is(api.intake.committedTxs, 8);
    assert.is(budget.used, 0);
    // Chunked bodies take from the same budget as they arrive.
    const chunked = await Promise.all(
      Array.from({ length: 6 }, () => raw(api.port, { method: 'POST', path: '/v1/records/batch', body: Buffer.alloc(64 * 1024), repeat: 15 })),
    );
    assert.ok(chunked.every((a) => a.status === 400 || a.status === 503), JSON.stringify(chunked.map((a) => a.status)));
    assert.ok(budget.peak <= budget.limit);
    await new Promise((r) => setImmediate(r));
    assert.is(budget.used, 0);
  } finally {
    await api.close();
  }
});

test('clients send a request the node refused with 503 again, with back-off, until it fits', async () => {
  const api = await serveApi({ maxBody: 64 * 1024, maxBuffered: 256 * 1024 });
  const http = await import('node:http');
  try {
    // One client holds the whole budget with a body it has not finished sending.
    const hold = http.request({ host: '127.0.0.1', port: api.port, method: 'POST', path: '/v1/records/batch', agent: false, headers: { 'content-length': 256 * 1024 } });
    const held = new Promise<number>((resolve) => hold.on('response', (res) => (res.resume(), resolve(res.statusCode!))));
    let seen = 0;
    const holding = new Promise<void>((r) => api.server.on('request', () => ++seen === 1 && r()));
    const retried = new Promise<void>((r) => api.server.on('request', () => seen === 3 && r()));
    hold.write(Buffer.alloc(10));
    await holding;
    assert.is(bodyBudget(api.server)!.used, 256 * 1024);
    const c = new NodeClient(api.url, { retries: 8, baseDelayMs: 5 });
    const receipt = c.submit({ payload: Buffer.from('late') });
    await retried; // the hold, the client's first try (503) and its first retry
    hold.end(Buffer.alloc(256 * 1024 - 10));
    assert.is(await held, 400);
    assert.ok((await receipt).txId);
    await c.close();
  } finally {
    await api.close();
  }
});

test('urchain-api(7): every route, the status of every code, and a batch example that decodes as described', () => {
  const page = fs.readFileSync(path.join(root, 'man', 'urchain-api.7'), 'utf8').replace(/\\-/g, '-');
  for (const r of ['POST /v1/records', 'POST /v1/records/batch', 'GET /v1/status', 'GET /v1/params', 'GET /v1/blocks/', 'GET /v1/txs/', 'GET /v1/proofs/', 'GET /v1/entangled/', 'GET /v1/products/', 'GET /v1/peers'])
    assert.ok(page.includes(r), r);
  for (const [code, spec] of Object.entries(ERRORS)) assert.match(page, new RegExp(`${spec.http}\t${code}\t`));
  for (const w of ['Allow', 'Retry-After', 'WWW-Authenticate', 'Origin', 'Host', 'Bearer', 'URCHAIN_API_TOKEN_FILE', '100-continue', 'tags 28 and 29']) assert.ok(page.includes(w), w);
  const hexLines = /body:\n\.IP\n\.nf\n([0-9a-f\n]+)\.fi/.exec(page)![1];
  const recs = decodeBatch(new Uint8Array(Buffer.from(hexLines.replace(/\n/g, ''), 'hex')));
  assert.equal(
    recs.map((r) => ({ ...r, payload: Buffer.from(r.payload).toString(), meta: r.meta && { ...r.meta } })),
    [
      { payload: 'hello', kind: 'reading', meta: { product: 'SN-4711' }, idemKey: 'order-17' },
      { payload: '\x01\x02\x03', kind: undefined, meta: undefined, idemKey: undefined },
    ],
  );
});

test.run();
