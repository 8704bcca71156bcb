/**
 * node run's --graphql flags: parsed and checked (commands/graphql/flags), and wired through to a
 * real node process, whose /graphql then applies them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tmpDir, startNode, cli, cleanupAfter, errorCodeOf } from '../helpers.js';
import { graphqlOptions } from '../../commands/graphql/flags.js';

cleanupAfter(test);

test('flags: parsed into options; a limit without --graphql, or a bad value, is BAD_INPUT', () => {
  assert.is(graphqlOptions({ graphql: false }), undefined);
  assert.equal(graphqlOptions({ graphql: true, graphqlMaxDepth: '3', graphqlTimeout: '250ms', graphqlIntrospection: 'false', graphqlMaxPayload: '0' }), {
    maxDepth: 3,
    maxCost: undefined,
    maxPage: undefined,
    timeoutMs: 250,
    introspection: false,
    maxPayload: 0,
  });
  assert.is(errorCodeOf(() => graphqlOptions({ graphql: false, graphqlMaxCost: '10' })), 'BAD_INPUT');
  assert.is(errorCodeOf(() => graphqlOptions({ graphql: true, graphqlIntrospection: 'no' })), 'BAD_INPUT');
  assert.is(errorCodeOf(() => graphqlOptions({ graphql: true, graphqlMaxPage: '0' })), 'BAD_INPUT');
  assert.is(errorCodeOf(() => graphqlOptions({ graphql: true, graphqlTimeout: '0ms' })), 'BAD_INPUT');
});

test('node run: a --graphql limit without --graphql exits 2 naming the flag', async () => {
  const r = await cli(['node', 'run', '--data', tmpDir(), '--api', '127.0.0.1:0', '--graphql-max-depth', '3']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--graphql-max-depth needs --graphql/);
});

test('node run: the flags reach /graphql of a real node', async () => {
  const node = await startNode(tmpDir(), ['--graphql', '--graphql-max-depth', '2', '--graphql-introspection', 'false', '--graphql-max-page', '5']);
  const q = (query: string) => fetch(`${node.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then((r) => r.json());
  assert.is((await q('{ head { height } }')).data.head.height, 0);
  assert.is((await q('{ head { records { nodes { txId } } } }')).errors[0].extensions.code, 'DEPTH_LIMIT');
  assert.is((await q('{ __schema { queryType { name } } }')).errors[0].extensions.code, 'INTROSPECTION_DISABLED');
  assert.is((await q('{ blocks(first: 6) { pageInfo { hasNextPage } } }')).errors[0].extensions.code, 'PAGE_LIMIT');
});

test.run();
