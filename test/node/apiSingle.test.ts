/**
 * POST /v1/records, one record per request: the route's own path (node/api oneRecord) answers as
 * the general one does, records in flight together share a commit, and each request gets its own
 * receipt or its own error.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import crypto from 'node:crypto';
import { serveApi, raw, type Answer } from './apiHelpers.js';
import { cleanup } from '../helpers.js';

// serveApi makes a store folder per test: removed after the file, pass or fail (run alone, it left 4 in /tmp).
test.after(() => cleanup());

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

/** A request on a shared keep-alive agent (as a loaded client sends them); the body's text as well. */
function post(agent: http.Agent, port: number, path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<Answer & { text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text), text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('requests in flight together share a commit; each gets its own receipt, a bad one only its own error', async () => {
  const api = await serveApi();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const good = Array.from({ length: 20 }, (_, i) => ({ path: `/v1/records?kind=k.${i}&product=P-${i}`, body: Buffer.from(`record ${i}`) }));
    const bad: [string, RegExp][] = [
      ['/v1/records?kind=Bad', /kind "Bad"/],
      ['/v1/records?nope=1', /unknown query parameter nope/],
      ['/v1/records?kind=a&kind=b', /query parameter kind given twice/],
      [`/v1/records?product=${encodeURIComponent('€'.repeat(1000))}`, /product: 3000 bytes/],
    ];
    const sent = [...good.map((g) => ({ ...g, bad: undefined as RegExp | undefined })), ...bad.map(([path, re], i) => ({ path, body: Buffer.from(`bad ${i}`), bad: re }))];
    // Good and bad interleaved, all in flight at once.
    sent.sort((a, b) => a.body.toString().localeCompare(b.body.toString()));
    const answers = await Promise.all(sent.map((s) => post(agent, api.port, s.path, s.body)));
    const ids = new Set<string>();
    sent.forEach((s, i) => {
      const a = answers[i];
      if (s.bad) {
        assert.is(a.status, 400, s.path);
        assert.is(a.json.error.code, 'BAD_INPUT');
        assert.match(a.json.error.message, s.bad);
        return;
      }
      assert.is(a.status, 200, s.path);
      assert.is(a.headers['content-type'], 'application/json');
      assert.is(Number(a.headers['content-length']), Buffer.byteLength(a.text));
      const n = s.body.toString().split(' ')[1];
      assert.is(a.json.kind, `k.${n}`);
      assert.is(a.json.payloadDigest, sha256(s.body));
      assert.is(a.json.payloadLength, s.body.length);
      // Byte for byte the receipt the node gives for that record later.
      assert.is(a.text, JSON.stringify(api.intake.receiptFor(Buffer.from(a.json.txId, 'hex'))));
      ids.add(a.json.txId);
    });
    assert.is(ids.size, good.length);
    assert.is(api.intake.committedTxs, good.length, 'nothing of the bad ones is stored');
    assert.ok(api.intake.committedBatches < good.length, `${api.intake.committedBatches} commits for ${good.length} records sent together`);
    assert.is(api.query.trace('P-7').count, 1);
  } finally {
    agent.destroy();
    await api.close();
  }
});

test('a commit that fails answers each of its requests with STORE (507); the next request is stored', async () => {
  const api = await serveApi();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const real = api.store.commitIngest.bind(api.store);
  let failing = true;
  api.store.commitIngest = async (w) => {
    if (failing) throw new Error('ENOSPC: no space left on device');
    return real(w);
  };
  try {
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(agent, api.port, '/v1/records', Buffer.from(`r${i}`))));
    for (const a of answers) {
      assert.is(a.status, 507);
      assert.is(a.json.error.code, 'STORE');
      assert.match(a.json.error.message, /could not store the records durably: ENOSPC/);
    }
    failing = false;
    const ok = await post(agent, api.port, '/v1/records', Buffer.from('later'));
    assert.is(ok.status, 200);
    assert.is(api.store.pending().length, 1);
  } finally {
    agent.destroy();
    await api.close();
  }
});

test("the route's own path answers as the general path does: receipts, errors, Host, Origin and token checks", async () => {
  const seen: string[] = [];
  const api = await serveApi({ onAnswered: (route, status) => seen.push(`${route} ${status}`) });
  try {
    // `/v1/records/` (a trailing slash) takes the general path (URL parser, route table).
    for (const p of ['/v1/records', '/v1/records/']) {
      for (const [q, status] of [['', 200], ['?', 200], ['?kind=x.y&meta.lot=7&key=K1', 200], ['?nope=1', 400]] as const) {
        const a = await raw(api.port, { method: 'POST', path: p + q, body: Buffer.from(`same ${q}`) });
        assert.is(a.status, status, p + q);
        assert.is(a.headers['content-type'], 'application/json');
        if (status === 400) assert.is(a.json.error.message, 'unknown query parameter nope');
        else assert.equal(Object.keys(a.json), ['txId', 'chainId', 'origin', 'timestamp', 'seq', 'kind', 'payloadDigest', 'payloadLength', 'batchRoot', 'durable', ...(p === '/v1/records/' && q.includes('key') ? ['duplicate'] : [])]);
      }
    }
    // One answer counted per request, under the route's name.
    assert.equal(seen, [...Array(3).fill('/v1/records 200'), '/v1/records 400', ...Array(3).fill('/v1/records 200'), '/v1/records 400']);
    // The Host a client sent before is remembered; another one is still refused.
    assert.is((await raw(api.port, { method: 'POST', path: '/v1/records', headers: { host: `evil.example:${api.port}` }, body: Buffer.from('x') })).status, 403);
    assert.is((await raw(api.port, { method: 'POST', path: '/v1/records', headers: { origin: 'http://evil.example' }, body: Buffer.from('x') })).status, 403);
    assert.is((await raw(api.port, { method: 'POST', path: '/v1/records', headers: { host: 'localhost.evil.example' }, body: Buffer.from('x') })).status, 403);
  } finally {
    await api.close();
  }
  const token = 't'.repeat(24);
  const open = await serveApi({ host: '0.0.0.0', token });
  try {
    const none = await raw(open.port, { method: 'POST', path: '/v1/records', body: Buffer.from('x') });
    assert.is(none.status, 401);
    assert.is(none.headers['www-authenticate'], 'Bearer');
    const ok = await raw(open.port, { method: 'POST', path: '/v1/records', headers: { authorization: `Bearer ${token}` }, body: Buffer.from('x') });
    assert.is(ok.status, 200);
    assert.is(open.intake.committedTxs, 1);
  } finally {
    await open.close();
  }
});

test.run();
