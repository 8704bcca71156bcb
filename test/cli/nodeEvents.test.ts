/**
 * `node run --events`: only the named events are printed, a node asked for no `record` events
 * makes none (and its block events carry no txIds), the test helper's `included` still finds a
 * record through the chain, and an unknown name is a usage error.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { tmpDir, cli, cleanupAfter, startNode } from '../helpers.js';

const E = suite('node run --events');
cleanupAfter(E);

E('only the named events; no record lines; included() still finds records by asking at each block', async () => {
  const node = await startNode(path.join(tmpDir(), 'n'), ['--block-time', '100ms'], { events: ['started', 'block'] });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${node.url}/v1/records`, { method: 'POST', body: `rec ${i}` }).then((x) => x.json() as Promise<any>);
    ids.push(r.txId);
  }
  for (const id of ids) assert.is((await node.included(id)).block.height > 0, true);
  const blocks = node.events.filter((e) => e.event === 'block');
  assert.ok(blocks.length > 0);
  assert.ok(blocks.every((b) => b.txIds === undefined), 'no txIds without record events');
  assert.ok(node.events.every((e) => e.event === 'started' || e.event === 'block'), JSON.stringify(node.events.map((e) => e.event)));
});

E('with record listed, record lines and block txIds come as before', async () => {
  const node = await startNode(path.join(tmpDir(), 'r'), ['--block-time', '100ms'], { events: ['started', 'record', 'block'] });
  const r = await fetch(`${node.url}/v1/records`, { method: 'POST', body: 'one' }).then((x) => x.json() as Promise<any>);
  await node.waitFor((e) => e.event === 'record' && e.txId === r.txId);
  await node.waitFor((e) => e.event === 'block' && Array.isArray(e.txIds) && e.txIds.includes(r.txId));
});

E('an unknown event name exits 2 and names the known ones', async () => {
  const bad = await cli(['node', 'run', '--data', path.join(tmpDir(), 'x'), '--events', 'started,blocks']);
  assert.is(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--events "started,blocks": expected event names from: started, record, block/);
});

E.run();
