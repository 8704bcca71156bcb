/**
 * Every example query of urchain-api(7) (node/graphql/examples) against a real node process
 * started with --graphql, each answer checked against what `urchain trace`, `prove` and `block
 * inspect` print for the same node: GraphQL answers the same as the CLI, or this fails.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tmpDir, startNode, cli, cleanupAfter, type RunningNode } from '../helpers.js';
import { GRAPHQL_EXAMPLES } from '../../src/node/graphql/examples.js';
import { SDL } from '../../src/node/graphql/schema.js';

cleanupAfter(test, { perTest: false });

const CODE = 'SN-4711';
let node: RunningNode;
const txIds: string[] = [];

async function post(path: string, body: string): Promise<any> {
  const r = await fetch(`${node.url}${path}`, { method: 'POST', body });
  assert.is(r.status, 200, `POST ${path}`);
  return r.json();
}

/** Runs an example with its placeholders filled in; fails on any error in the answer. */
async function run(name: string, vars: Record<string, unknown> = {}): Promise<any> {
  const ex = GRAPHQL_EXAMPLES.find((e) => e.name === name)!;
  const variables = { ...ex.variables, ...vars };
  const r = await fetch(`${node.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ex.query, variables }) });
  const j = await r.json();
  assert.is(r.status, 200, `${name}: ${JSON.stringify(j)}`);
  assert.is(r.headers.get('content-type'), 'application/graphql-response+json; charset=utf-8');
  assert.is(j.errors, undefined, `${name}: ${JSON.stringify(j.errors)}`);
  return j.data;
}

async function cliJson(args: string[]): Promise<any> {
  const r = await cli([...args, '--node', node.url, '--json']);
  assert.is(r.code, 0, r.stderr);
  return r.json;
}

test.before(async () => {
  node = await startNode(tmpDir(), ['--graphql', '--block-time', '300ms']);
  // Three blocks' worth: records of the item in several blocks, one of another kind, one of another item.
  for (const round of [['a', 'b'], ['c'], ['d', 'e']]) {
    const ids = [];
    for (const p of round) ids.push((await post(`/v1/records?product=${CODE}${p === 'c' ? '&kind=reading' : ''}&meta.step=${p}`, `payload ${p}`)).txId);
    ids.push((await post('/v1/records?product=OTHER', `other ${round[0]}`)).txId);
    for (const id of ids) await node.included(id);
    txIds.push(...ids.slice(0, -1));
  }
  await node.drained();
});

test('every documented example is one this test runs', () => {
  assert.equal(GRAPHQL_EXAMPLES.map((e) => e.name).sort(), ['blocks', 'head', 'page', 'record', 'stripped', 'trace']);
});

test('head: the head block inspect shows', async () => {
  const d = await run('head');
  const b = await cliJson(['block', 'inspect', 'head']);
  assert.is(d.head.height, b.height);
  assert.is(d.head.hash, b.hash);
  assert.is(d.head.txCount, b.header.txCount);
  assert.is(d.head.time, new Date(b.header.timestamp).toISOString());
});

test('trace: the records urchain trace lists, in its order, field by field', async () => {
  const d = await run('trace', { code: CODE });
  const t = await cliJson(['trace', CODE]);
  assert.is(d.trace.identifier, t.product);
  assert.is(d.trace.count, t.count);
  assert.is(t.count, 5);
  assert.is(d.trace.records.pageInfo.hasNextPage, false);
  const mine = d.trace.records.nodes.map((r: any) => ({ ...r, block: r.block && { height: r.block.height, hash: r.block.hash, index: r.index }, index: undefined }));
  assert.equal(JSON.parse(JSON.stringify(mine)), t.records);
});

test('record: the proof is the JSON urchain prove writes, the payload its payload', async () => {
  for (const id of [txIds[0], txIds[2]]) {
    const d = await run('record', { txId: id });
    const p = await cliJson(['prove', id]);
    assert.equal(d.record.proof, p);
    assert.is(d.record.payload.base64, p.payload);
    assert.is(d.record.payload.length, Buffer.from(p.payload, 'base64').length);
    assert.is(d.record.payloadLength, p.core.payloadLength);
    assert.is(d.record.block.height, p.block.header.height);
    assert.equal(d.record.meta, p.core.meta);
    assert.is(d.record.product, CODE);
  }
});

test('page: pages of two, cursor to cursor, give the included records of trace in order', async () => {
  const t = await cliJson(['trace', CODE]);
  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const d = await run('page', { code: CODE, after });
    pages++;
    const c = d.records;
    assert.ok(c.edges.length <= 2);
    seen.push(...c.edges.map((e: any) => e.node.txId));
    if (!c.pageInfo.hasNextPage) break;
    after = c.pageInfo.endCursor;
  }
  assert.is(pages, 3);
  assert.equal(seen, t.records.filter((r: any) => r.block).map((r: any) => r.txId));
});

test('blocks: hashes, links and record ids as block inspect shows them', async () => {
  const d = await run('blocks');
  assert.is(d.blocks.nodes.length, 4);
  for (const b of d.blocks.nodes) {
    const c = await cliJson(['block', 'inspect', String(b.height)]);
    assert.is(b.hash, c.hash);
    assert.is(b.prevHash, c.header.prevHash);
    assert.is(b.txCount, c.header.txCount);
    assert.equal(
      b.records.nodes.map((r: any) => r.txId),
      c.txIds,
    );
  }
});

test('stripped: proofs without payload as urchain prove --stripped writes them, only of the kind asked', async () => {
  const d = await run('stripped', { code: CODE, kind: 'record' });
  assert.is(d.records.nodes.length, 4); // five records of the item, one of kind reading
  for (const r of d.records.nodes) {
    const p = await cliJson(['prove', r.txId, '--stripped']);
    assert.equal(r.proof, p);
    assert.is(r.proof.payload, undefined);
  }
});

test('GET with query and variables in the URL answers as POST does', async () => {
  const ex = GRAPHQL_EXAMPLES.find((e) => e.name === 'trace')!;
  const u = new URL(`${node.url}/graphql`);
  u.searchParams.set('query', ex.query);
  u.searchParams.set('variables', JSON.stringify({ code: CODE }));
  const r = await fetch(u);
  assert.is(r.status, 200);
  const j = await r.json();
  assert.equal(j.data, await run('trace', { code: CODE }));
});

test('urchain graphql schema prints the schema the node serves', async () => {
  const r = await cli(['graphql', 'schema']);
  assert.is(r.code, 0);
  assert.is(r.stdout, SDL);
  const intro = await fetch(`${node.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __schema { queryType { fields { name } } } }' }) }).then((x) => x.json());
  assert.equal(intro.data.__schema.queryType.fields.map((f: any) => f.name), ['head', 'block', 'blocks', 'record', 'records', 'trace']);
});

test.run();
