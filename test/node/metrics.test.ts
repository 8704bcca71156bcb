/**
 * GET /metrics of a real node process, read with a real Prometheus text parser after N records
 * came in over HTTP, a batch and Profichain: the record counter is exactly N (a duplicate sent
 * again does not count), head height and blocks agree with the node's status, the commit
 * histogram is complete and cumulative, and every family follows the naming conventions.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { tmpDir, startNode, cli, cleanupAfter } from '../helpers.js';
import { encodeBatch } from '../../src/io/batchBody.js';
import { scrapeText, valueOf } from '../prometheus.js';
import { routeOf } from '../../src/node/api.js';

const M = suite('node metrics');
cleanupAfter(M);

const scrape = async (url: string) => {
  const r = await fetch(`${url}/metrics`);
  assert.is(r.status, 200);
  assert.is(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return scrapeText(await r.text());
};

M('after N records: records total = N, head height, blocks, pending, commit histogram, Profichain connections', async () => {
  const node = await startNode(path.join(tmpDir(), 'm'), ['--block-time', '100ms', '--profichain', '127.0.0.1:0']);
  const status = () => fetch(`${node.url}/v1/status`).then((r) => r.json() as Promise<any>);
  const before = await scrape(node.url);
  assert.is(valueOf(before, 'urchain_records_ingested_total'), 0);
  assert.is(Number(before.get('urchain_commit_duration_seconds')!.metrics[0].count), 0);

  // 20 one by one, in parallel (several group commits), 30 in one batch, 1 over Profichain.
  const single = await Promise.all(
    Array.from({ length: 20 }, (_, i) => fetch(`${node.url}/v1/records?key=k-${i}`, { method: 'POST', body: `reading ${i}` }).then((r) => r.json() as Promise<any>)),
  );
  const batch = await fetch(`${node.url}/v1/records/batch`, {
    method: 'POST',
    body: Buffer.from(encodeBatch(Array.from({ length: 30 }, (_, i) => ({ payload: new TextEncoder().encode(`batch ${i}`) })))),
  }).then((r) => r.json() as Promise<any>);
  assert.is(batch.receipts.length, 30);
  const st0 = await status();
  const pc = await cli(['ingest', 'send', '-', '--profichain', st0.profichain], 'over profichain');
  assert.is(pc.code, 0, pc.stderr);
  // The same idempotency key again: a duplicate receipt, nothing new taken in.
  const again = await fetch(`${node.url}/v1/records?key=k-0`, { method: 'POST', body: 'reading 0' }).then((r) => r.json() as Promise<any>);
  assert.is(again.duplicate, true);
  const N = single.length + batch.receipts.length + 1;
  await node.drained();

  const st = await status();
  const m = await scrape(node.url);
  assert.is(valueOf(m, 'urchain_records_ingested_total'), N);
  assert.is(valueOf(m, 'urchain_head_height'), st.height);
  assert.ok(st.height >= 1);
  assert.is(valueOf(m, 'urchain_pending_records'), 0);
  assert.is(valueOf(m, 'urchain_blocks_connected_total'), st.height, 'every block since the start of a fresh chain');
  assert.ok(Math.abs(valueOf(m, 'urchain_head_timestamp_seconds') * 1000 - Date.parse(st.headTime)) < 1);
  const commits = m.get('urchain_commit_duration_seconds')!;
  assert.is(commits.type, 'HISTOGRAM');
  const c = commits.metrics[0];
  // Group commit: at least one commit, never more than one per record; the time is real.
  assert.ok(Number(c.count) >= 1 && Number(c.count) <= N, `commits ${c.count} for ${N} records`);
  assert.ok(Number(c.sum) > 0);
  const production = m.get('urchain_block_production_seconds')!.metrics[0];
  assert.is(Number(production.count), st.height, 'one production time per block this node made');
  assert.is(Number(m.get('urchain_block_commit_duration_seconds')!.metrics[0].count), st.height);
  assert.is(valueOf(m, 'urchain_commit_failures_total', { what: 'records' }), 0);
  assert.is(valueOf(m, 'urchain_profichain_connections_total'), 1);
  assert.ok(m.has('urchain_profichain_connections'));
  assert.ok(valueOf(m, 'urchain_store_bytes') > 0);
  assert.ok(valueOf(m, 'process_resident_memory_bytes') > 1e6);
  assert.is(valueOf(m, 'urchain_node_info', { type: 'full', consensus: 'poa', node: st.publicKey.slice(0, 8) }), 1);
  // Not networked: the peer gauges have no sample rather than a made-up 0.
  assert.is(m.get('urchain_peer_links')!.metrics.length, 0);
  assert.is(valueOf(m, 'urchain_api_requests_total', { route: '/v1/records', code: '200' }), single.length + 1, 'the duplicate too');
  assert.is(valueOf(m, 'urchain_api_requests_total', { route: '/v1/records/batch', code: '200' }), 1);
  assert.ok(valueOf(m, 'urchain_api_requests_total', { route: '/v1/status', code: '200' }) >= 2);
  assert.ok(valueOf(m, 'urchain_api_requests_total', { route: '/metrics', code: '200' }) >= 1);
  // Base units in the names.
  for (const name of m.keys()) assert.not.match(name, /_(milliseconds|ms|kb|mb|kilobytes|megabytes)(_|$)/, name);
});

M('API request routes leave their arguments out, so a label has few values', () => {
  const cases: [string, string][] = [
    ['/v1/records?product=A', '/v1/records'],
    ['/v1/records/batch', '/v1/records/batch'],
    ['/v1/txs/ab12', '/v1/txs/:id'],
    ['/v1/blocks/head', '/v1/blocks/:ref'],
    ['/v1/blocks', '/v1/blocks'],
    ['/v1/products/SN-4711', '/v1/products/:code'],
    ['/v1/health', '/v1/health'],
    ['/metrics', '/metrics'],
    ['/v1/nothing', 'other'],
    ['/v1/txs/a/b', 'other'],
    ['/etc/passwd', 'other'],
  ];
  for (const [target, route] of cases) assert.is(routeOf(target), route, target);
});

M.run();
