import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { tmpDir, startNode, cleanupAfter, rss, peakRss } from '../helpers.js';

cleanupAfter(test);

const MiB = 1024 * 1024;

test('ten big batch bodies at once: the node process refuses what does not fit instead of buffering it', async () => {
  if (!fs.existsSync('/proc/self/status')) return console.log('  (skipped: no /proc to read the node process memory from)');
  // --max-payload 4 MiB: batch bodies up to 16 MiB, 32 MiB of bodies held at once.
  const node = await startNode(path.join(tmpDir(), 'n'), ['--max-payload', String(4 * MiB)]);
  try {
    const pid = node.proc.pid!;
    const before = rss(pid);
    const body = Buffer.alloc(16 * MiB); // zeros: not a CBOR array, so nothing is stored either way
    const port = Number(new URL(node.url).port);
    const statuses = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          new Promise<number>((resolve, reject) => {
            const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/records/batch', agent: false, headers: { connection: 'close' } }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode!));
            });
            req.on('error', reject);
            req.end(body);
          }),
      ),
    );
    const grew = peakRss(pid) - before;
    // Buffering all ten (what the node did) costs 160 MiB and more; the budget is 32 MiB.
    assert.ok(grew < 120 * MiB, `peak memory grew by ${Math.round(grew / MiB)} MiB`);
    assert.ok(statuses.every((s) => s === 400 || s === 503), statuses.join(' '));
    assert.ok(statuses.includes(503), `no request was refused: ${statuses.join(' ')}`);
  } finally {
    await node.stop();
  }
});

test.run();
