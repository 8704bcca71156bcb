/**
 * The broker's GET /metrics: its queue depth per registered network follows envelopes delivered
 * and acknowledged, requests are counted by route and status, and it is served to loopback
 * clients only.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import os from 'node:os';
import https from 'node:https';
import { spawnSync } from 'node:child_process';
import { Broker } from '../../src/global/broker.js';
import { BrokerClient } from '../../src/global/client.js';
import { sealEnvelope } from '../../src/global/envelope.js';
import { signCheckpoint } from '../../src/chain/checkpoint.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { tmpDir, cleanup, toHex } from '../helpers.js';
import { scrapeText, valueOf } from '../prometheus.js';

test.after(() => cleanup());

test('queue depth per network, delivered and acknowledged counts, requests by route and status; loopback only', async () => {
  const b = await Broker.start({ dataDir: path.join(tmpDir(), 'b'), listen: '127.0.0.1:0' });
  const a = generateKeyPair();
  const c = generateKeyPair();
  const ca = new BrokerClient(b.url, a);
  const cc = new BrokerClient(b.url, c);
  try {
    await b.store.addNetwork(toHex(a.publicKey), 'plant-a');
    await b.store.addNetwork(toHex(c.publicKey), 'plant-c');
    const scrape = async () => {
      const r = await fetch(`${b.url}/metrics`);
      assert.is(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return scrapeText(await r.text());
    };
    const depth = (m: Awaited<ReturnType<typeof scrape>>, k: Uint8Array, name: string) => valueOf(m, 'urchain_broker_queue_messages', { network: toHex(k).slice(0, 16), name });
    let m = await scrape();
    assert.is(valueOf(m, 'urchain_broker_networks'), 2);
    assert.is(depth(m, c.publicKey, 'plant-c'), 0);

    const cp = (h: number) => sealEnvelope({ checkpoint: signCheckpoint({ chainId: new Uint8Array(32), height: h, blockHash: new Uint8Array(32), timestamp: h }, a), countersignatures: [] }, a, c.publicKey);
    for (const h of [1, 2, 3]) await ca.call('POST', '/v1/messages', cp(h));
    m = await scrape();
    assert.is(depth(m, c.publicKey, 'plant-c'), 3);
    assert.is(depth(m, a.publicKey, 'plant-a'), 0);
    assert.is(valueOf(m, 'urchain_broker_messages_delivered_total'), 3);
    assert.is(valueOf(m, 'urchain_broker_requests_total', { route: 'POST /v1/messages', code: '200' }), 3);

    const got = await cc.call<{ messages: { id: string }[] }>('GET', '/v1/messages');
    await cc.call('POST', '/v1/ack', new TextEncoder().encode(JSON.stringify({ ids: got.messages.slice(0, 2).map((x) => x.id) })));
    await fetch(`${b.url}/v1/nothing-here`).then((r) => r.text());
    m = await scrape();
    assert.is(depth(m, c.publicKey, 'plant-c'), 1);
    assert.is(valueOf(m, 'urchain_broker_messages_acked_total'), 2);
    assert.is(valueOf(m, 'urchain_broker_requests_total', { route: 'GET /v1/messages', code: '200' }), 1);
    assert.is(valueOf(m, 'urchain_broker_requests_total', { route: 'other', code: '401' }), 1, 'an unsigned request to an unknown path');
    assert.ok(valueOf(m, 'urchain_broker_requests_total', { route: 'GET /metrics', code: '200' }) >= 2, 'the earlier scrapes');
    assert.ok(valueOf(m, 'urchain_broker_store_bytes') > 0);
  } finally {
    await ca.close();
    await cc.close();
    await b.close();
  }
});

test('a broker on every address serves /metrics to loopback clients only: 403 from another address of this machine', async () => {
  const outside = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!outside) return void console.log('  (skipped: this machine has no non-loopback IPv4 address)');
  const dir = tmpDir();
  const key = path.join(dir, 'k.pem');
  const cert = path.join(dir, 'c.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=test']);
  assert.is(r.status, 0, String(r.stderr));
  const b = await Broker.start({ dataDir: path.join(dir, 'b'), listen: '0.0.0.0:0', tlsCert: cert, tlsKey: key });
  try {
    const port = new URL(b.url).port;
    const get = (host: string) =>
      new Promise<number>((resolve, reject) =>
        https.get({ host, port, path: '/metrics', rejectUnauthorized: false, agent: false }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject),
      );
    assert.is(await get(outside), 403);
    assert.is(await get('127.0.0.1'), 200);
  } finally {
    await b.close();
  }
});

test.run();
