/**
 * OPC UA ingest against a real node-opcua server in this process and a real node process:
 * samples end up in blocks with their source metadata, batches hold N samples, and restarting
 * the OPC UA server mid-run loses no sample the ingest had acknowledged with a receipt.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { tmpDir, startNode, spawnCli, cli, cleanupAfter, type RunningNode } from '../helpers.js';
import { startOpcuaServer, type TestOpcuaServer } from '../../support/opcuaServer.js';
import { onTerminal } from '../../support/terminal.js';

const O = suite('opcua');
const closing = cleanupAfter(O);
let dir: string;
let node: RunningNode;
let server: TestOpcuaServer;
let profichain: string;

O.before(async () => {
  dir = tmpDir();
  node = await startNode(path.join(dir, 'n'), ['--block-time', '200ms', '--profichain', '127.0.0.1:0']);
  profichain = (await fetch(`${node.url}/v1/status`).then((r) => r.json())).profichain;
  server = await startOpcuaServer(path.join(dir, 'opc'), { intervalMs: 40 });
  closing({ close: () => server.stop() });
});

/** The transaction with its payload, once it is in a block. */
async function inBlock(txId: string): Promise<any> {
  await node.included(txId, 10_000);
  return fetch(`${node.url}/v1/txs/${txId}?payload=1`).then((r) => r.json());
}

O('batches of samples from two variables, through the HTTP API: in blocks, with source metadata', async () => {
  const run = spawnCli(['ingest', 'opcua', '--endpoint', server.endpoint, '--node-id', 'ns=1;s=Counter', '--node-id', 'ns=1;s=Temperature', '--node', node.url, '--batch', '5', '--product', 'OPC-1', '--pki', path.join(dir, 'cpki')]);
  await run.until((l) => l.filter((x) => x.nodeId === 'ns=1;s=Counter').length >= 3 && l.some((x) => x.nodeId === 'ns=1;s=Temperature'));
  assert.is(await run.stop(), 0, run.stderr());
  const counter = run.lines.filter((x) => x.nodeId === 'ns=1;s=Counter');
  assert.ok(counter.slice(0, -1).every((x) => x.samples === 5), 'full batches of 5 (the last may be partial, sent on stop)');
  const tx = await inBlock(counter[0].txId);
  const body = JSON.parse(Buffer.from(tx.payload, 'base64').toString());
  assert.is(body.source, server.endpoint);
  assert.is(body.samples.length, 5);
  assert.ok(body.samples.every((s: any) => Number.isInteger(s.value) && s.status === 'Good' && s.sourceTimestamp));
  assert.is(tx.core.meta.nodeId, 'ns=1;s=Counter');
  assert.is(tx.core.meta.source, server.endpoint);
  assert.is(tx.core.meta.samples, '5');
  assert.is(tx.core.meta.sourceTimestamp, body.samples[0].sourceTimestamp);
  assert.is(tx.core.meta.product, 'OPC-1');
  const traced = await cli(['trace', 'OPC-1', '--node', node.url]);
  assert.ok(traced.json.records.length >= run.lines.length - 2, 'trace finds the records by product');
});

O('on a terminal: one readable line per record, its source time in local time (TZ); Ctrl-C stops it cleanly', async () => {
  const line = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+01:00  ns=1;s=Counter  2 sample\(s\)  [0-9a-f]{64}$/m; // November in Berlin
  const tty = await onTerminal(['ingest', 'opcua', '--endpoint', server.endpoint, '--node-id', 'ns=1;s=Counter', '--batch', '2', '--node', node.url, '--pki', path.join(dir, 'cpki')], {
    env: { TZ: 'Europe/Berlin' },
    ready: line,
    then: (type) => type('\x03'),
  });
  assert.is(tty.code, 0, tty.out);
  assert.match(tty.out, line);
  assert.not.match(tty.out, /"txId"/);
});

O('restarting the OPC UA server mid-run loses no acknowledged sample (over Profichain)', async () => {
  const run = spawnCli(['ingest', 'opcua', '--endpoint', server.endpoint, '--node-id', 'ns=1;s=Counter', '--profichain', profichain, '--tier1', '--pki', path.join(dir, 'cpki')]);
  await run.until((l) => l.length >= 10);
  const beforeRestart = server.counter();
  await server.restart(800);
  const restartedAt = new Date().toISOString();
  await run.until((l) => l.filter((x) => x.sourceTimestamp > restartedAt).length >= 10, 60_000);
  assert.is(await run.stop(), 0, run.stderr());
  assert.match(run.stderr(), /connection-lost/);
  const values: number[] = [];
  for (const r of run.lines) {
    assert.is(r.durable, true);
    const tx = await inBlock(r.txId);
    const body = JSON.parse(Buffer.from(tx.payload, 'base64').toString());
    values.push(...body.samples.map((s: any) => s.value));
  }
  assert.is(values.length, run.lines.length, 'one sample per record');
  assert.ok(values.some((v) => v <= beforeRestart) && values.some((v) => v > beforeRestart + 5), 'samples from before and after the restart');
  for (let i = 1; i < values.length; i++) assert.ok(values[i] > values[i - 1], 'in order, none twice');
  const head = await fetch(`${node.url}/v1/status`).then((r) => r.json());
  assert.is(head.pending, 0);
});

O('bad options: a clear error, exit 2', async () => {
  const r = await cli(['ingest', 'opcua', '--endpoint', 'http://x', '--node-id', 'ns=1;s=A', '--node', node.url]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /opc\.tcp/);
  const r2 = await cli(['ingest', 'opcua', '--endpoint', server.endpoint, '--node-id', 'ns=1;s=A', '--node', node.url, '--batch', '0']);
  assert.is(r2.code, 2);
});

O('a node id the server does not have: exit 2 naming it, not a silent run with 0 samples', async () => {
  const bad = 'ns=1;s=NoSuchVariable';
  const r = await cli(['ingest', 'opcua', '--endpoint', server.endpoint, '--node-id', 'ns=1;s=Counter', '--node-id', bad, '--node', node.url, '--duration', '2s', '--pki', path.join(dir, 'cpki')]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /--node-id "ns=1;s=NoSuchVariable": does not exist on opc\.tcp:\/\/.* \(BadNodeIdUnknown\)/);
  assert.is(r.stdout, '', 'no record taken in');
  const obj = await cli(['ingest', 'opcua', '--endpoint', server.endpoint, '--node-id', 'i=85', '--node', node.url, '--duration', '2s', '--pki', path.join(dir, 'cpki')]);
  assert.is(obj.code, 2, obj.stderr);
  assert.match(obj.stderr, /"i=85": is not a variable/);
});

O.run();
