import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Broker } from '../../src/global/broker.js';
import { BrokerClient } from '../../src/global/client.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { tmpDir, cleanup, toHex } from '../helpers.js';

test.after(() => cleanup());

test('HTTPS with a private CA; plain HTTP off loopback is refused', async () => {
  const dir = tmpDir();
  const key = path.join(dir, 'k.pem');
  const cert = path.join(dir, 'c.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  assert.is(r.status, 0, String(r.stderr));
  const b = await Broker.start({ dataDir: path.join(dir, 'b'), listen: '127.0.0.1:0', tlsCert: cert, tlsKey: key });
  try {
    assert.match(b.url, /^https:/);
    const me = generateKeyPair();
    await b.store.addNetwork(toHex(me.publicKey), 'me');
    const c = new BrokerClient(b.url, me, { ca: cert });
    assert.equal(await c.call('GET', '/v1/messages'), { messages: [] });
    await c.close();
    const untrusting = new BrokerClient(b.url, me, { retries: 0 });
    try {
      await untrusting.call('GET', '/v1/messages');
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, /unreachable|certificate|self-signed|SELF_SIGNED/i);
    }
    await untrusting.close();
  } finally {
    await b.close();
  }
  try {
    const open = await Broker.start({ dataDir: path.join(dir, 'c'), listen: '0.0.0.0:0' });
    await open.close();
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /only on loopback/);
  }
});

test.run();
