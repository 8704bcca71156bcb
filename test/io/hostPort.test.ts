/** io/hostPort: the one HOST:PORT parser and loopback test every address flag uses. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHostPort, isLoopback } from '../../src/io/hostPort.js';
import { isUrchainError } from '../../src/errors.js';

test('host names, IPv4 and bracketed IPv6 with a port', () => {
  assert.equal(parseHostPort('127.0.0.1:7400'), { host: '127.0.0.1', port: 7400 });
  assert.equal(parseHostPort('plant-a.example:0'), { host: 'plant-a.example', port: 0 });
  assert.equal(parseHostPort('[::1]:65535'), { host: '::1', port: 65535 });
  assert.equal(parseHostPort('[fe80::1%eth0]:7700'), { host: 'fe80::1%eth0', port: 7700 });
});

test('anything else is BAD_INPUT naming the flag', () => {
  for (const bad of ['127.0.0.1', ':7400', 'host:', 'host:port', '::1:7400', 'a:b:7400', '127.0.0.1:123456', '']) {
    try {
      parseHostPort(bad, '--seed');
      assert.unreachable(bad);
    } catch (e) {
      assert.ok(isUrchainError(e, 'BAD_INPUT'), bad);
      assert.match((e as Error).message, /^--seed/);
    }
  }
  assert.throws(() => parseHostPort('127.0.0.1:65536', '--listen'), /--listen: port 65536 out of range/);
});

test('loopback: 127/8, ::1 in its forms, IPv4-mapped 127/8 and localhost names', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST', 'api.localhost']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '10.0.0.5', '::', '::2', '::ffff:10.0.0.1', 'example.com', 'localhost.example.com', '128.0.0.1']) assert.not.ok(isLoopback(h), h);
});

test.run();
