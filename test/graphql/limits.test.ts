/**
 * /graphql's limits and its HTTP transport, on an in-process API over a real LMDB store and a real
 * socket: every limit refuses a query over it with a clear error (before execution where it is
 * static), read-only holds, status codes and media types follow the GraphQL-over-HTTP draft, and
 * the API's token rules apply.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanupAfter } from '../helpers.js';
import { serveApi, raw, type TestApi } from '../node/apiHelpers.js';
import type { GraphqlOptions } from '../../src/node/graphql/http.js';
import { checkLimits, DEFAULT_LIMITS } from '../../src/node/graphql/limits.js';
import { urchainSchema } from '../../src/node/graphql/schema.js';
import { parse, getOperationAST } from 'graphql';
import net from 'node:net';
import { runGraphql, resolveLimits } from '../../src/node/graphql/http.js';
import { Query } from '../../src/node/query.js';
import type { Store } from '../../src/store/types.js';

const closing = cleanupAfter(test);
const JSON_CT = { 'content-type': 'application/json' };

async function api(graphql: GraphqlOptions = {}, o: { token?: string; records?: number } = {}): Promise<TestApi> {
  const a = closing(await serveApi({ graphql, token: o.token }));
  for (let i = 0; i < (o.records ?? 0); i++) await a.intake.submit({ payload: new TextEncoder().encode(`r${i}`), meta: { product: 'SN-1' } });
  return a;
}

const gql = (a: TestApi, query: string, headers: Record<string, string> = {}, variables?: unknown) =>
  raw(a.port, { method: 'POST', path: '/graphql', headers: { ...JSON_CT, ...headers }, body: Buffer.from(JSON.stringify({ query, variables })) });

test('depth: a query nested deeper than --graphql-max-depth is refused before it runs, naming the limit and where', async () => {
  const a = await api({ maxDepth: 4 });
  const ok = await gql(a, '{ head { records { nodes { txId } } } }');
  assert.is(ok.status, 200);
  const r = await gql(a, '{ head { records { nodes { block { hash } } } } }');
  assert.is(r.status, 400);
  assert.is(r.headers['content-type'], 'application/graphql-response+json; charset=utf-8');
  assert.is(r.json.data, undefined);
  const e = r.json.errors[0];
  assert.is(e.extensions.code, 'DEPTH_LIMIT');
  assert.match(e.message, /deeper than the limit of 4 fields \(--graphql-max-depth\)/);
  assert.equal(e.locations, [{ line: 1, column: 36 }]); // hash, the fifth level
  // Fragments count where they are spread.
  const f = await gql(a, '{ head { records { nodes { ...R } } } } fragment R on Record { block { hash } }');
  assert.is(f.json.errors[0].extensions.code, 'DEPTH_LIMIT');
});

test('cost: computed before execution, page sizes multiply, proofs weigh; over --graphql-max-cost is refused', async () => {
  const a = await api({ maxCost: 1000 }, { records: 3 });
  const r = await gql(a, '{ records(first: 100) { nodes { txId proof } } }');
  assert.is(r.status, 400);
  assert.is(r.json.errors[0].extensions.code, 'COST_LIMIT');
  assert.match(r.json.errors[0].message, /query cost \d+ is over the limit of 1000 \(--graphql-max-cost\)/);
  assert.ok(r.json.errors[0].extensions.cost > 100 * 50);
  // A variable for first counts as its value.
  const v = await gql(a, 'query($n: Int) { trace(identifier: "SN-1", first: $n) { records { nodes { txId proof } } } }', {}, { n: 100 });
  assert.is(v.json.errors[0].extensions.code, 'COST_LIMIT');
  const small = await gql(a, 'query($n: Int) { trace(identifier: "SN-1", first: $n) { count records { nodes { txId } } } }', {}, { n: 3 });
  assert.is(small.status, 200);
  assert.is(small.json.data.trace.count, 3);
});

test('cost: the count is what the module says (page × subtree, field weights, introspection 1)', () => {
  const { fieldTypes } = urchainSchema();
  const cost = (q: string) => {
    const doc = parse(q);
    return checkLimits(doc, getOperationAST(doc)!, {}, DEFAULT_LIMITS, fieldTypes).cost;
  };
  assert.is(cost('{ head { height } }'), 2);
  assert.is(cost('{ records(first: 10) { nodes { txId } } }'), 10 + 10 * 1 + 10);
  assert.is(cost('{ records(first: 10) { nodes { proof } pageInfo { hasNextPage } } }'), 10 + 10 + 10 * 50 + 2);
  assert.is(cost('{ blocks(first: 2) { nodes { records(first: 3) { nodes { txId } } } } }'), 5 + 2 + 2 * (5 + 3 + 3));
  assert.is(cost('{ __schema { types { name fields { name } } } }'), 1);
  assert.is(cost('{ records(first: 10) { nodes { txId proof } } }'), 530); // the example of urchain-api(7)
});

test('page size: first over --graphql-max-page is refused; no first is the default page', async () => {
  const a = await api({ maxPage: 2 }, { records: 3 });
  const r = await gql(a, '{ trace(identifier: "SN-1", first: 3) { count } }');
  assert.is(r.status, 400);
  assert.is(r.json.errors[0].extensions.code, 'PAGE_LIMIT');
  assert.match(r.json.errors[0].message, /first: 3 is outside 0-2, the page-size limit \(--graphql-max-page\)/);
  const d = await gql(a, '{ trace(identifier: "SN-1") { count records { nodes { txId } pageInfo { hasNextPage } } } }');
  assert.is(d.json.data.trace.records.nodes.length, 2); // the default page shrinks to the cap
  assert.is(d.json.data.trace.records.pageInfo.hasNextPage, true);
});

test('time budget: a query past --graphql-timeout stops with one TIMEOUT error; it was executed, so 200', async () => {
  const a = await api({ timeoutMs: 1 }, { records: 1000 });
  const r = await gql(a, '{ trace(identifier: "SN-1", first: 1000) { records { nodes { txId core meta } } } }');
  assert.is(r.status, 200);
  const codes = r.json.errors.map((e: any) => e.extensions.code);
  assert.equal(codes, ['TIMEOUT']);
  assert.match(r.json.errors[0].message, /time budget of 1 ms \(--graphql-timeout\)/);
  assert.ok(Array.isArray(r.json.errors[0].path));
  assert.is(r.json.data, null);
  // The same query with the default budget answers.
  const b = await api({}, { records: 0 });
  assert.is((await gql(b, '{ trace(identifier: "SN-1", first: 1000) { count } }')).status, 200);
});

test('introspection: on by default, off with introspection false (INTROSPECTION_DISABLED, 400)', async () => {
  const on = await api();
  assert.is((await gql(on, '{ __schema { queryType { name } } }')).json.data.__schema.queryType.name, 'Query');
  const off = await api({ introspection: false });
  for (const q of ['{ __schema { queryType { name } } }', '{ __type(name: "Record") { name } }']) {
    const r = await gql(off, q);
    assert.is(r.status, 400);
    assert.is(r.json.errors[0].extensions.code, 'INTROSPECTION_DISABLED');
    assert.match(r.json.errors[0].message, /--graphql-introspection false/);
  }
  assert.is((await gql(off, '{ __typename head { height } }')).status, 200);
});

test('read-only: a mutation by GET is 405 (Allow: POST); by POST it is refused and nothing runs', async () => {
  const a = await api();
  const g = await raw(a.port, { path: `/graphql?query=${encodeURIComponent('mutation { x }')}` });
  assert.is(g.status, 405);
  assert.is(g.headers.allow, 'POST');
  assert.is(g.json.errors[0].extensions.code, 'READ_ONLY');
  const p = await gql(a, 'mutation M { x }');
  assert.is(p.status, 400);
  assert.is(p.json.errors[0].extensions.code, 'READ_ONLY');
  assert.match(p.json.errors[0].message, /read-only: mutation operations are refused/);
  const s = await gql(a, 'subscription { x }');
  assert.is(s.json.errors[0].extensions.code, 'READ_ONLY');
});

test('transport: media types, status codes and request errors per GraphQL over HTTP', async () => {
  const a = await api({}, { records: 1 });
  // application/json: a well-formed request is 200 even when validation fails.
  const j = await gql(a, '{ nope }', { accept: 'application/json' });
  assert.is(j.status, 200);
  assert.is(j.headers['content-type'], 'application/json; charset=utf-8');
  assert.is(j.json.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  // Preference by q.
  const q = await gql(a, '{ head { height } }', { accept: 'application/json;q=0.5, application/graphql-response+json' });
  assert.is(q.headers['content-type'], 'application/graphql-response+json; charset=utf-8');
  assert.is((await gql(a, '{ head { height } }', { accept: 'text/html' })).status, 406);
  for (const accept of ['application/graphql-response+json', 'application/json']) {
    const bad = await raw(a.port, { method: 'POST', path: '/graphql', headers: { ...JSON_CT, accept }, body: Buffer.from('{"query": ') });
    assert.is(bad.status, 400, accept); // not a well-formed request, whatever the media type
    assert.is(bad.json.errors[0].extensions.code, 'BAD_REQUEST');
  }
  const text = await raw(a.port, { method: 'POST', path: '/graphql', headers: { 'content-type': 'text/plain' }, body: Buffer.from('{ head { height } }') });
  assert.is(text.status, 415);
  const parseErr = await gql(a, '{ head { ');
  assert.is(parseErr.status, 400);
  assert.is(parseErr.json.errors[0].extensions.code, 'GRAPHQL_PARSE_FAILED');
  assert.ok(parseErr.json.errors[0].locations[0].line === 1);
  const tokens = await gql(a, `{ ${'__typename '.repeat(DEFAULT_LIMITS.maxTokens + 1)}}`);
  assert.is(tokens.json.errors[0].extensions.code, 'GRAPHQL_PARSE_FAILED');
  assert.match(tokens.json.errors[0].message, /contains more th\w+ 5000 tokens/);
  const vars = await gql(a, 'query($n: Int) { blocks(first: $n) { nodes { height } } }', {}, { n: 'many' });
  assert.is(vars.status, 400);
  assert.is(vars.json.errors[0].extensions.code, 'BAD_REQUEST');
  // Errors in execution: 200 with data, the error's path and urchain's code.
  const nf = await gql(a, '{ record(txId: "00") { txId } head { height } }');
  assert.is(nf.status, 200);
  assert.equal(nf.json.errors[0].path, ['record']);
  assert.is(nf.json.errors[0].extensions.code, 'BAD_INPUT');
  assert.is(nf.json.data.head.height, 0);
  const cur = await gql(a, '{ blocks(after: "garbage") { nodes { height } } }');
  assert.is(cur.json.errors[0].extensions.code, 'BAD_INPUT');
  const pend = await gql(a, '{ trace(identifier: "SN-1") { records { nodes { block { height } proof } } } }');
  assert.is(pend.json.errors[0].extensions.code, 'CONFLICT'); // not in a block yet
  assert.is(pend.json.data.trace.records.nodes[0].block, null);
  const tight = await api({ maxRequestBytes: 1000 });
  assert.is((await raw(tight.port, { path: `/graphql?query=${'x'.repeat(2000)}` })).status, 413);
  const body = await raw(tight.port, { method: 'POST', path: '/graphql', headers: JSON_CT, body: Buffer.alloc(2000, 32) });
  assert.is(body.status, 413);
});

test('payload: over --graphql-max-payload is TOO_LARGE for that field only', async () => {
  const a = await api({ maxPayload: 4 });
  await a.intake.submit({ payload: new Uint8Array(10), meta: { product: 'P' } });
  await a.intake.submit({ payload: new Uint8Array(3), meta: { product: 'P' } });
  const r = await gql(a, '{ trace(identifier: "P") { records { nodes { payloadLength payload { length } } } } }');
  assert.is(r.status, 200);
  assert.equal(r.json.errors.map((e: any) => e.extensions.code), ['TOO_LARGE']);
  // Pending records list by time, then txId: two taken in within the same millisecond come in txId order.
  const nodes = (r.json.data.trace.records.nodes as { payloadLength: number }[]).slice().sort((x, y) => y.payloadLength - x.payloadLength);
  assert.equal(nodes, [
    { payloadLength: 10, payload: null },
    { payloadLength: 3, payload: { length: 3 } },
  ]);
});

test('who may call it: the API token applies to /graphql; a node without --graphql has no /graphql', async () => {
  const token = 'a'.repeat(32);
  const a = await api({}, { token });
  assert.is((await gql(a, '{ head { height } }')).status, 401);
  assert.is((await gql(a, '{ head { height } }', { authorization: `Bearer ${token}` })).status, 200);
  assert.is((await gql(a, '{ head { height } }', { origin: 'http://evil.example' })).status, 403);
  const none = closing(await serveApi());
  assert.is((await gql(none, '{ head { height } }')).status, 404);
  assert.is((await raw(a.port, { method: 'PUT', path: '/graphql', headers: { authorization: `Bearer ${token}` } })).status, 405);
});


const priced = (q: string, vars: Record<string, unknown> = {}) => {
  const doc = parse(q);
  return checkLimits(doc, getOperationAST(doc)!, vars, DEFAULT_LIMITS, urchainSchema().fieldTypes);
};

test('cost: nested fragment spreads (2^k expansions) are priced fast and refused, not walked exponentially', () => {
  // F0 spreads F1 twice, F1 spreads F2 twice, ... : 2^40 leaves once expanded.
  const k = 40;
  const frags = Array.from({ length: k }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  const q = `{ ...F0 } ${frags.join(' ')} fragment F${k} on Query { head { height } }`;
  const t0 = performance.now();
  const r = priced(q);
  const ms = performance.now() - t0;
  assert.ok(ms < 500, `priced in ${ms} ms`);
  assert.equal(r.errors.map((e) => e.extensions.code), ['COST_LIMIT']);
  // Wide and deep at once: many spreads of a fragment that itself is wide hits the visit cap.
  const wide = `{ ${Array.from({ length: 2000 }, () => '...W').join(' ')} } fragment W on Query { ${Array.from({ length: 200 }, (_, i) => `a${i}: head { height }`).join(' ')} }`;
  const t1 = performance.now();
  assert.equal(priced(wide).errors.map((e) => e.extensions.code), ['COST_LIMIT']);
  assert.ok(performance.now() - t1 < 500);
});

test('cost: a page field without first is priced at the default page it runs with', () => {
  const { defaultPage } = DEFAULT_LIMITS;
  assert.is(priced('{ records { nodes { txId } } }').cost, 10 + defaultPage + defaultPage);
  assert.is(priced('{ records { nodes { proof } } }').cost, 10 + defaultPage + defaultPage * 50);
  // Block.records is a page too.
  assert.is(priced('{ head { records { nodes { txId } } } }').cost, 1 + 5 + defaultPage + defaultPage);
});

test('cost: a variable left out is priced at its default in the operation', () => {
  const q = 'query($n: Int = 1000) { records(first: $n) { nodes { txId proof } } }';
  assert.is(priced(q).cost, 10 + 1000 + 1000 * (1 + 50));
  assert.equal(priced(q).errors.map((e) => e.extensions.code), ['COST_LIMIT']);
  assert.is(priced(q, { n: 2 }).cost, 10 + 2 + 2 * (1 + 50));
});

/**
 * A store whose identifier "SN-X" holds `n` records, all included (record i at height i + 1),
 * each the one real record of `a`; counts the records read.
 */
function bigTrace(a: TestApi, n: number) {
  const real = a.store.getTx(a.store.productTxs('SN-1')[0])!;
  const ids = Array.from({ length: n }, (_, i) => Uint8Array.from({ length: 32 }, (_, k) => (k < 4 ? (i >> (8 * k)) & 0xff : 7)));
  const reads = { getTx: 0 };
  const byId = new Map(ids.map((id, i) => [Buffer.from(id).toString('hex'), i]));
  const over: Partial<Store> = {
    productTxs: (code: string) => (code === 'SN-X' ? ids : a.store.productTxs(code)),
    location: (id: Uint8Array) => {
      const i = byId.get(Buffer.from(id).toString('hex'));
      return i === undefined ? a.store.location(id) : { blockHash: new Uint8Array(32), height: i + 1, index: 0 };
    },
    getTx: (id: Uint8Array) => {
      reads.getTx++;
      return byId.has(Buffer.from(id).toString('hex')) ? real : a.store.getTx(id);
    },
  };
  const store = new Proxy(a.store, { get: (t, k) => (k in over ? (over as any)[k] : typeof (t as any)[k] === 'function' ? (t as any)[k].bind(t) : (t as any)[k]) }) as unknown as Store;
  return { query: new Query(store), reads };
}

const post = (query: string) => ({ method: 'POST', contentType: 'application/json', search: new URLSearchParams(), body: Buffer.from(JSON.stringify({ query })) });

test('trace and records(identifier) read only the page they answer, not the whole trace', async () => {
  const a = await api({}, { records: 1 });
  const { query, reads } = bigTrace(a, 20_000);
  const t = runGraphql(query, resolveLimits(), post('{ trace(identifier: "SN-X", first: 3) { count records { nodes { txId kind } } } }'));
  assert.is(t.status, 200, JSON.stringify(t.body));
  const data = t.body.data as any;
  assert.is(data.trace.count, 20_000);
  assert.is(data.trace.records.nodes.length, 3);
  assert.ok(reads.getTx <= 3, `${reads.getTx} records read for a page of 3`);
  reads.getTx = 0;
  const r = runGraphql(query, resolveLimits(), post('{ records(identifier: "SN-X", first: 2) { nodes { txId } pageInfo { hasNextPage } } }'));
  assert.is((r.body.data as any).records.nodes.length, 2);
  assert.ok(reads.getTx <= 3, `${reads.getTx} records read for a page of 2`);
});

test('time budget: a kind/origin filter that drops every record still stops at the budget', async () => {
  const a = await api({}, { records: 1 });
  const { query, reads } = bigTrace(a, 200_000);
  const t0 = performance.now();
  const r = runGraphql(query, resolveLimits({ timeoutMs: 50 }), post('{ records(identifier: "SN-X", kind: "no-such-kind", first: 1) { nodes { txId } } }'));
  const ms = performance.now() - t0;
  assert.equal((r.body.errors as any[]).map((e) => e.extensions.code), ['TIMEOUT']);
  assert.ok(reads.getTx < 200_000, 'every record was decoded');
  assert.ok(ms < 1500, `took ${ms} ms`);
});

test('concurrency: more than 4 /graphql requests in progress get 503 with Retry-After; the others still answer', async () => {
  const a = await api();
  const held: net.Socket[] = [];
  try {
    // Four POSTs whose bodies never finish: each holds its place.
    for (let i = 0; i < 4; i++) {
      const s = net.connect(a.port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      s.write(`POST /graphql HTTP/1.1\r\nhost: 127.0.0.1:${a.port}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query"`);
      held.push(s);
    }
    // the server has read their headers once a fifth request is refused
    let r = await gql(a, '{ head { height } }');
    for (let i = 0; i < 20 && r.status !== 503; i++) r = await gql(a, '{ head { height } }');
    assert.is(r.status, 503);
    assert.is(r.headers['retry-after'], '1');
    assert.is(r.json.errors[0].extensions.code, 'UNAVAILABLE');
    assert.match(r.json.errors[0].message, /4 GraphQL queries are in progress/);
    // one held request ends: there is room again
    const done = held.shift()!;
    const answered = new Promise((res) => done.once('data', res));
    done.write(' ');
    done.end(':"{ head { height } }"}'.padEnd(100 - 9, ' '));
    await answered;
    let ok = await gql(a, '{ head { height } }');
    for (let i = 0; i < 20 && ok.status !== 200; i++) ok = await gql(a, '{ head { height } }');
    assert.is(ok.status, 200);
  } finally {
    for (const s of held) s.destroy();
  }
});

test.run();
