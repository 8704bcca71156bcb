/** io/listen: bind, report the bound HOST:PORT, refuse an address in use with the flag's name. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import http from 'node:http';
import { listen, closeServer, formatAddress } from '../../src/io/listen.js';
import { isUrchainError } from '../../src/errors.js';

test('resolves with the bound address: port 0 becomes the port the system chose', async () => {
  const s = http.createServer();
  try {
    const addr = await listen(s, { host: '127.0.0.1', port: 0 }, '--api');
    const port = (s.address() as net.AddressInfo).port;
    assert.ok(port > 0);
    assert.is(addr, `127.0.0.1:${port}`);
  } finally {
    await closeServer(s);
  }
  assert.is(s.listening, false);
});

test('IPv6 addresses are bracketed', () => {
  assert.is(formatAddress({ address: '::1', family: 'IPv6', port: 7400 }), '[::1]:7400');
  assert.is(formatAddress({ address: '10.0.0.5', family: 'IPv4', port: 7400 }), '10.0.0.5:7400');
});

test('an address in use is UNAVAILABLE and names the flag that picks another', async () => {
  const a = net.createServer();
  const b = net.createServer();
  try {
    const addr = await listen(a, { host: '127.0.0.1', port: 0 }, '--profichain');
    const port = Number(addr.split(':').pop());
    try {
      await listen(b, { host: '127.0.0.1', port }, '--profichain');
      assert.unreachable('bound twice');
    } catch (e) {
      assert.ok(isUrchainError(e, 'UNAVAILABLE'), String(e));
      assert.is((e as Error).message, `127.0.0.1:${port} is in use; pick another with --profichain`);
    }
  } finally {
    await closeServer(a);
    await closeServer(b);
  }
});

test('closing a server that never listened resolves at once', async () => {
  await closeServer(net.createServer());
});

test.run();
