/**
 * The anchoring code's HTTP client: its timeout is a deadline for the whole exchange, so a server
 * that drips its answer a byte at a time (which never lets an idle timer fire) is cut off on time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type net from 'node:net';
import { httpRequest } from '../../src/transparency/otsHttp.js';

test('a slow-drip server is cut off at the deadline (TIMEOUT), not when it finally finishes', async () => {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    // One byte every 50 ms for 10 s: never idle for long, far past the deadline.
    let left = 200;
    const t = setInterval(() => {
      if (left-- <= 0) return void (clearInterval(t), res.end());
      res.write(Uint8Array.of(0x2a));
    }, 50);
    timers.add(t);
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const t0 = performance.now();
    const err = await httpRequest(`http://127.0.0.1:${port}/timestamp/00`, { timeoutMs: 400 }).then(
      () => undefined,
      (e) => e,
    );
    const ms = performance.now() - t0;
    assert.ok(err, 'the request should have failed');
    assert.is(err.code, 'TIMEOUT');
    assert.match(err.message, /did not answer within 0.4 s/);
    assert.ok(ms < 2000, `took ${ms} ms`);
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

test('a prompt answer still resolves, and the deadline does not hold the process', async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const a = await httpRequest(`http://127.0.0.1:${port}/`, { timeoutMs: 60_000 });
    assert.is(a.status, 200);
    assert.is(Buffer.from(a.body).toString(), 'ok');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test.run();
