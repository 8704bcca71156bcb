/**
 * The node client (src/io/nodeClient.ts) against servers that misbehave: a refused connection is
 * retried, a node that never answers is not (it may have taken the record), and a 503 is.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeClient } from '../../src/io/nodeClient.js';
import { isUrchainError } from '../../src/errors.js';

async function server(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      s.closeAllConnections();
      s.close(() => r());
    }),
  };
}

const rec = { payload: new TextEncoder().encode('x'), meta: {} };

test('a node that does not answer in time gets the record once, and the error says so', async () => {
  let posts = 0;
  const s = await server((req) => {
    if (req.method === 'POST') posts++; // never answers
  });
  const c = new NodeClient(s.url, { timeoutMs: 300, retries: 3, baseDelayMs: 10 });
  try {
    const e = await c.submit(rec).then(() => undefined, (x: unknown) => x);
    assert.ok(isUrchainError(e, 'TIMEOUT'), String(e));
    assert.match((e as Error).message, /did not answer within 0\.3 s/);
    assert.is(posts, 1, 'sent once: a retry could store the record twice');
  } finally {
    await c.close();
    await s.close();
  }
});

test('a 503 (nothing taken) is sent again, and the second answer counts', async () => {
  let posts = 0;
  const s = await server((req, res) => {
    posts++;
    req.resume();
    req.on('end', () => {
      if (posts === 1) res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'busy' } }));
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ txId: 'ab', durable: true }));
    });
  });
  const c = new NodeClient(s.url, { retries: 3, baseDelayMs: 10 });
  try {
    const r = await c.submit(rec);
    assert.is(r.txId, 'ab');
    assert.is(posts, 2);
  } finally {
    await c.close();
    await s.close();
  }
});

test('a refused connection is retried, then named', async () => {
  const s = await server(() => undefined);
  const url = s.url;
  await s.close(); // nothing listens there now
  const c = new NodeClient(url, { retries: 2, baseDelayMs: 10 });
  const e = await c.get('/v1/status').then(() => undefined, (x: unknown) => x);
  assert.ok(isUrchainError(e, 'UNAVAILABLE'), String(e));
  assert.match((e as Error).message, /cannot reach the node at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  await c.close();
});

test.run();
