/**
 * Idempotency keys over the wire, HTTP and Profichain alike: a retry with the same content gets
 * the first receipt back (duplicate), the same key with another payload or metadata is refused
 * with CONFLICT (HTTP 409) and nothing new is stored; a batch answers per record.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { encode as cborEncode } from 'cbor-x';
import { UrchainNode } from '../../src/node/node.js';
import { ProfichainClient } from '../../src/ingest/profichain/client.js';
import { tmpDir, cleanup } from '../helpers.js';

test.after(() => cleanup());

const split = (a: string) => ({ host: a.slice(0, a.lastIndexOf(':')), port: Number(a.slice(a.lastIndexOf(':') + 1)) });

test('a key reused with other content is a CONFLICT over HTTP and Profichain, never a silent duplicate', async () => {
  const node = await UrchainNode.start({ dataDir: path.join(tmpDir(), 'd'), api: '127.0.0.1:0', profichain: '127.0.0.1:0', blockTime: 60_000 });
  let pc: ProfichainClient | undefined;
  try {
    const post = (q: string, body: string) => fetch(`${node.apiUrl}/v1/records?${q}`, { method: 'POST', body }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    const first = await post('key=order-1&product=P', 'qty 5');
    assert.is(first.status, 200);
    const same = await post('key=order-1&product=P', 'qty 5');
    assert.is(same.json.txId, first.json.txId);
    assert.is(same.json.duplicate, true);
    for (const q of ['key=order-1&product=P', 'key=order-1&product=Q', 'key=order-1&product=P&kind=report']) {
      const other = await post(q, q === 'key=order-1&product=P' ? 'qty 6' : 'qty 5');
      assert.is(other.status, 409, `${q}: ${JSON.stringify(other.json)}`);
      assert.is(other.json.error.code, 'CONFLICT');
    }
    // A batch: one conflict, one retry, one new record, each answered on its own.
    const body = cborEncode([
      { payload: Buffer.from('qty 7'), key: 'order-1', meta: { product: 'P' } },
      { payload: Buffer.from('qty 5'), key: 'order-1', meta: { product: 'P' } },
      { payload: Buffer.from('qty 8'), key: 'order-2' },
    ]);
    const b = await fetch(`${node.apiUrl}/v1/records/batch`, { method: 'POST', body: body as never }).then((r) => r.json());
    assert.is(b.receipts[0].error.code, 'CONFLICT');
    assert.is(b.receipts[1].txId, first.json.txId);
    assert.ok(b.receipts[2].txId);

    pc = await ProfichainClient.connect(split(node.profichainAddress!));
    const viaPc = await pc.submit({ payload: Buffer.from('qty 5'), meta: { product: 'P' }, idemKey: 'order-1' });
    assert.is(viaPc.txId, first.json.txId);
    assert.is(viaPc.duplicate, true);
    const refused = await pc.submit({ payload: Buffer.from('qty 9'), meta: { product: 'P' }, idemKey: 'order-1' }).then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    assert.is(refused, 'CONFLICT');
    assert.is(node.pool.size, 2, 'order-1 and order-2, nothing else');
  } finally {
    await pc?.close();
    await node.close();
  }
});

test.run();
