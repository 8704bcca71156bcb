/**
 * A long audit hands the event loop back: timers run while it works (so a terminal spinner
 * animates), an AbortSignal stops it part way, and `urchain audit` on a terminal stops at Ctrl-C.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { LmdbStore } from '../../src/store/lmdb.js';
import { genesisWrite } from '../../src/ledger/genesis.js';
import { signBatch } from '../../src/chain/batch.js';
import { encodeCore, txIdOf } from '../../src/chain/transaction.js';
import { chainIdOf, type ChainParams } from '../../src/chain/params.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { audit, auditAsync } from '../../src/node/audit.js';
import { tmpDir, cleanup, bin, cli } from '../helpers.js';

const A = suite('audit yields');
const key = generateKeyPair();
const params: ChainParams = { version: 1, name: 'big', created: 1, consensus: 'poa', authorities: [key.publicKey], threshold: 1, difficulty: 0, blockTime: 1000 };
let dir: string;
const N = 20_000;

/** A store whose audit has real work: N valid pending transactions in batches of 1,000. */
A.before(async () => {
  dir = tmpDir();
  const s = await LmdbStore.open(dir);
  try {
    await s.initChain(params, genesisWrite(params));
    const chainId = chainIdOf(params);
    for (let b = 0; b < N / 1000; b++) {
      const txs = [];
      for (let i = 0; i < 1000; i++) {
        const payload = new TextEncoder().encode(`sample ${b}/${i}`);
        const coreBytes = encodeCore({ version: 1, chainId, origin: key.publicKey, timestamp: 1, seq: b * 1000 + i, kind: 'record', meta: [], payloadDigest: sha256(payload), payloadLength: payload.length });
        txs.push({ txId: txIdOf(coreBytes), coreBytes, index: i, payload });
      }
      const batch = signBatch(txs.map((t) => t.txId), key);
      await s.commitIngest({ batchRoot: batch.root, batch: { origin: key.publicKey, signature: batch.signature, txIds: txs.map((t) => t.txId) }, txs, seq: (b + 1) * 1000 });
    }
  } finally {
    await s.close();
  }
});
A.after(() => cleanup());

A('timers run during the audit, and an abort stops it part way with interrupted', async () => {
  const s = await LmdbStore.open(dir, { readOnly: true });
  try {
    const whole = audit(s);
    assert.is(whole.ok, true, JSON.stringify(whole.problem));
    assert.is(whole.pending, N);
    // Count progress reports seen by a timer that runs while the audit works: a blocking audit
    // lets it run only after the last one.
    let progress = 0;
    const seenByTimer: number[] = [];
    const tick = setInterval(() => seenByTimer.push(progress), 1);
    const stop = new AbortController();
    const r = await auditAsync(s, {
      yieldMs: 0,
      signal: stop.signal,
      onProgress: (p) => {
        progress++;
        if (p.phase === 'pending' && p.done >= N / 2) stop.abort();
      },
    });
    clearInterval(tick);
    assert.ok(seenByTimer.some((n) => n > 0 && n < progress), `timer saw progress counts ${seenByTimer.slice(0, 5)}… of ${progress}`);
    assert.is(r.interrupted, true);
    assert.is(r.ok, false);
    assert.ok(r.pending >= N / 2 && r.pending < N, `${r.pending} checked`);
    const full = await auditAsync(s, { yieldMs: 5 });
    assert.equal({ ...full }, { ...whole });
  } finally {
    await s.close();
  }
});

A('urchain audit on a terminal: the spinner shows block N of M and records/s, and Ctrl-C stops it with exit 130', async () => {
  // `script` gives the child a pseudo-terminal, as an operator's shell would; \x03 is Ctrl-C.
  // The pty gets a size (a pipe has none, and a zero-width terminal makes the spinner redraw wildly).
  // --rate holds the audit to about ten seconds however fast the machine is, so Ctrl-C lands mid-way.
  const cmd = `stty cols 100 rows 30; exec ${process.execPath} ${bin} audit --data ${dir} --rate 2000`;
  // ora draws a spinner only when no CI variable is set (is-interactive), and CI machines set one.
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
  delete env.CI;
  const p = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let out = '';
  const tail = () => out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').slice(-300);
  const exited = new Promise<number | null>((r) => p.on('close', (c) => r(c)));
  const cap = setTimeout(() => p.kill('SIGKILL'), 60_000);
  try {
    await new Promise<void>((resolve, reject) => {
      p.stdout.on('data', (d) => {
        out += d;
        // The spinner text changes only while the audit runs: it is in progress and yielding.
        if (/auditing (block|pending transaction) \d+ of \d+, [\d,]+ records\/s/.test(out)) resolve();
      });
      void exited.then(() => reject(new Error(`audit ended before showing progress: ${tail()}`)));
    });
    p.stdin.write('\x03');
    const code = await exited;
    assert.ok(/audit interrupted at (block|pending transaction) \d+ of \d+/.test(out), tail());
    assert.is(code, 130, tail());
  } finally {
    clearTimeout(cap);
    p.kill('SIGKILL');
  }
});

A('--rate paces the audit, and a bad --rate is refused before anything is opened', async () => {
  const s = await LmdbStore.open(dir, { readOnly: true });
  try {
    const t0 = Date.now();
    const r = await auditAsync(s, { rate: 40_000 });
    const ms = Date.now() - t0;
    assert.is(r.ok, true);
    // 20,000 transactions at 40,000 a second cannot take less than half a second.
    assert.ok(ms >= 490, `paced audit took ${ms} ms`);
  } finally {
    await s.close();
  }
  const bad = spawn(process.execPath, [bin, 'audit', '--data', dir, '--rate', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  bad.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => bad.on('close', r));
  assert.is(code, 2, err);
  assert.match(err, /--rate: expected a whole number of at least 1/);
});

A('urchain audit --json: progress lines at most once a second on a long run, then the result as the last line', async () => {
  // --rate holds the audit to about four seconds (20,000 pending transactions, each counted twice by the pace).
  const t0 = Date.now();
  const r = await cli(['audit', '--data', dir, '--rate', '10000', '--json']);
  const seconds = (Date.now() - t0) / 1000;
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const result = lines.pop();
  assert.is(result.ok, true);
  assert.is(result.pending, N);
  assert.ok(lines.length >= 2, `${lines.length} progress lines in ${seconds} s`);
  assert.ok(lines.length <= Math.ceil(seconds), `${lines.length} progress lines in ${seconds} s: more than one a second`);
  let done = 0;
  for (const p of lines) {
    assert.equal(Object.keys(p).sort(), ['done', 'event', 'phase', 'rate', 'total']);
    assert.is(p.event, 'progress');
    assert.ok(p.phase === 'blocks' || p.phase === 'pending');
    if (p.phase === 'pending') {
      assert.is(p.total, N);
      assert.ok(p.done > done && p.done <= N, `done ${p.done} after ${done}`);
      done = p.done;
    }
    // Paced at 10,000 counted a second, i.e. about 5,000 transactions a second.
    assert.ok(p.rate > 1000 && p.rate < 12_000, `rate ${p.rate}`);
  }
  // Piped without --json: the one result document, as before.
  const plain = await cli(['audit', '--data', dir]);
  assert.is(plain.code, 0, plain.stderr);
  assert.is(plain.json.ok, true);
});

A.run();
