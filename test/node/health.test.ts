/**
 * GET /v1/health: liveness and readiness of a real node. A healthy node answers 200 "ok" without
 * a token even where every other route needs one; a producer whose records wait past a few block
 * times is "degraded" (still ready); a full disk makes it "failing" with 503 until a commit gets
 * through again; a networked node behind its best peer is not ready.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, startNode, cleanupAfter } from '../helpers.js';
import { onTmpfs, fill } from '../tmpfs.js';
import { UrchainNode } from '../../src/node/node.js';
import { Telemetry, SYNC_TOLERANCE, STALL_BLOCK_TIMES, STALL_GRACE_MS, type TelemetrySource } from '../../src/node/telemetry.js';
import { Pool } from '../../src/node/pool.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { toHex } from '../../src/codec/bytes.js';
import { writeKeyFile } from '../../src/io/keyfile.js';
import type { Store } from '../../src/store/types.js';
import { Cluster, until } from '../net/cluster.js';
import { scrapeText, valueOf } from '../prometheus.js';

const H = suite('node health');
const closing = cleanupAfter(H);

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), json: (await r.json().catch(() => undefined)) as any }));

H('a healthy node: 200 ok, live and ready, every check named; no token needed for health, but for everything else', async () => {
  const dir = tmpDir();
  const tokenFile = path.join(dir, 'api.token');
  fs.writeFileSync(tokenFile, 'a-token-of-at-least-16-chars', { mode: 0o600 });
  const node = await startNode(path.join(dir, 'n'), ['--api-token-file', tokenFile, '--block-time', '100ms']);
  const h = await get(`${node.url}/v1/health`);
  assert.is(h.status, 200);
  assert.is(h.json.status, 'ok');
  assert.is(h.json.live, true);
  assert.is(h.json.ready, true);
  assert.equal(Object.keys(h.json.checks).sort(), ['producing', 'store', 'sync']);
  assert.ok(h.json.checks.store.ok);
  assert.equal(h.json.checks.sync, { ok: true, networked: false, head: 0 });
  assert.equal(h.json.checks.producing, { ok: true, produces: true, pending: 0 });
  // Nothing that names a key, an address or a path.
  assert.not.match(JSON.stringify(h.json), /publicKey|chainId|127\.0\.0\.1|\/tmp/);
  // Every other route, /metrics included, needs the token.
  assert.is((await get(`${node.url}/metrics`)).status, 401);
  assert.is((await get(`${node.url}/v1/status`)).status, 401);
  assert.is((await get(`${node.url}/v1/health/x`)).status, 401, 'only the health route itself skips the token');
  const m = await fetch(`${node.url}/metrics`, { headers: { authorization: 'Bearer a-token-of-at-least-16-chars' } });
  assert.is(m.status, 200);
  assert.match(m.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  await m.text();
  // The Origin check still holds for health: a web page gets nothing.
  assert.is((await get(`${node.url}/v1/health`, { origin: 'http://evil.example' })).status, 403);
  assert.is((await fetch(`${node.url}/v1/health`, { method: 'POST' })).status, 405);
});

H('a producer whose records wait past STALL_BLOCK_TIMES block times is degraded (200, still ready); a block clears it', async () => {
  // Two authorities, both needed for a block, and only this one runs: records wait, durable.
  const other = generateKeyPair();
  const me = generateKeyPair();
  const blockTime = 100;
  const dir2 = path.join(tmpDir(), 'stall');
  fs.mkdirSync(dir2, { recursive: true, mode: 0o700 });
  writeKeyFile(path.join(dir2, 'node.key'), me);
  const n = closing(await UrchainNode.start({ dataDir: dir2, api: '127.0.0.1:0', blockTime, init: { authorities: [toHex(me.publicKey), toHex(other.publicKey)], threshold: 2 } }));
  const t0 = Date.now();
  await n.intake.submit({ payload: new TextEncoder().encode('waits') });
  const limit = STALL_BLOCK_TIMES * blockTime + STALL_GRACE_MS;
  const early = n.telemetry.health(t0 + 1);
  assert.is(early.status, 'ok');
  assert.is(early.checks.producing.pending, 1);
  const late = n.telemetry.health(Date.now() + limit + 1);
  assert.is(late.status, 'degraded');
  assert.is(late.ready, true);
  assert.is(late.checks.producing.ok, false);
  assert.ok(late.checks.producing.waitingSeconds! > limit / 1000);
  assert.is(late.checks.producing.limitSeconds, limit / 1000);
  const h = await get(`${n.apiUrl}/v1/health`);
  assert.is(h.status, 200, 'degraded is still ready');
});

H('a single-authority producer that keeps up stays ok however late it is asked', async () => {
  const n = closing(await UrchainNode.start({ dataDir: path.join(tmpDir(), 'ok'), api: false, blockTime: 60_000 }));
  await n.intake.submit({ payload: new TextEncoder().encode('in the next block') });
  await n.produceNow();
  const h = n.telemetry.health(Date.now() + 10 * 60_000);
  assert.is(h.status, 'ok');
  assert.equal(h.checks.producing, { ok: true, produces: true, pending: 0 });
});

/** A telemetry source of a networked node at `height` whose best linked peer is at `target`. */
function networked(height: number, target: number): TelemetrySource {
  const store = { head: () => ({ height }), size: () => 0, commitIngest: async () => undefined, commitBlock: async () => undefined } as unknown as Store;
  return {
    dataDir: tmpDir(),
    store,
    pool: new Pool(),
    blockTime: 1000,
    produces: () => false,
    closing: () => false,
    network: () => ({ sync: { height, target }, links: [1, 2], peers: [1, 2, 3], banned: [] }),
    profichain: () => undefined,
    apiBuffered: () => undefined,
    labels: { type: 'thin', consensus: 'poa', node: '00000000' },
  };
}

H(`sync: a node more than SYNC_TOLERANCE (${SYNC_TOLERANCE}) blocks behind its best linked peer is not ready`, () => {
  const behind = new Telemetry(networked(10, 10 + SYNC_TOLERANCE + 1)).health();
  assert.is(behind.ready, false);
  assert.is(behind.status, 'failing');
  assert.equal(behind.checks.sync, { ok: false, networked: true, head: 10, bestPeerHeight: 13, links: 2, tolerance: SYNC_TOLERANCE });
  const close = new Telemetry(networked(10, 10 + SYNC_TOLERANCE)).health();
  assert.is(close.ready, true);
  assert.is(close.status, 'ok');
});

H('networked: a thin node linked to its producer reports sync with its best peer; peer gauges on /metrics', async () => {
  const c = closing(new Cluster());
  await c.admit('full', 'p');
  await c.admit('thin', 't');
  await c.init('p', ['--block-time', '200ms']);
  const p = await c.start('p', 'full');
  const t = await c.start('t', 'thin', ['--seed', (await c.peers(p)).advertise]);
  const sent = await c.send('t', 'from the gateway');
  await c.inBlockEverywhere(sent.txId, ['p', 't']);
  await until('the thin node knows the head of its peer', async () => {
    const h = (await get(`${t.url}/v1/health`)).json;
    return h.checks.sync.links >= 1 && h.checks.sync.bestPeerHeight >= 1;
  });
  const h = await get(`${t.url}/v1/health`);
  assert.is(h.status, 200);
  assert.is(h.json.status, 'ok');
  const sync = h.json.checks.sync;
  assert.is(sync.networked, true);
  assert.is(sync.ok, true);
  assert.ok(sync.bestPeerHeight - sync.head <= SYNC_TOLERANCE);
  assert.equal(h.json.checks.producing, { ok: true, produces: false, pending: h.json.checks.producing.pending });
  const m = scrapeText(await fetch(`${p.url}/metrics`).then((r) => r.text()));
  assert.ok(valueOf(m, 'urchain_peer_links') >= 1);
  assert.is(valueOf(m, 'urchain_peers_banned'), 0);
  assert.ok(valueOf(m, 'urchain_sync_target_height') >= valueOf(m, 'urchain_head_height'));
  assert.ok(valueOf(m, 'urchain_head_height') >= 1);
});

H('a full disk: 503 failing with the store error while commits fail; 200 again once one gets through', async () => {
  await onTmpfs('24m', async (mnt) => {
    const node = await startNode(path.join(mnt, 'data'), ['--block-time', '100ms']);
    try {
      const post = (body: Uint8Array | string) => fetch(`${node.url}/v1/records`, { method: 'POST', body: body as never }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
      assert.is((await post('before')).status, 200);
      const filler = path.join(mnt, 'filler');
      fill(filler);
      const refused = await post(new Uint8Array(2 * 1024 * 1024).fill(1));
      assert.is(refused.json.error?.code, 'STORE');
      const sick = await get(`${node.url}/v1/health`);
      assert.is(sick.status, 503);
      assert.is(sick.json.status, 'failing');
      assert.is(sick.json.live, true);
      assert.is(sick.json.ready, false);
      assert.is(sick.json.checks.store.ok, false);
      assert.match(sick.json.checks.store.error, /ENOSPC|disk|space/i);
      fs.rmSync(filler);
      assert.is((await post('after')).status, 200);
      const well = await get(`${node.url}/v1/health`);
      assert.is(well.status, 200, JSON.stringify(well.json));
      assert.is(well.json.checks.store.ok, true);
    } finally {
      await node.stop();
    }
  });
});

H.run();
