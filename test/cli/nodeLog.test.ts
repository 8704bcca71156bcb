/**
 * `node run` log levels and node names: --log-level and --quiet filter the event lines (JSON
 * and human alike) by the level each event has; every line names the node (--name, or its key
 * prefix), JSON lines in a "node" field; `record` lines come with --json or --log-level debug;
 * under the systemd journal each line carries its syslog priority.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { tmpDir, bin, cli, cleanupAfter, adopt, startNode } from '../helpers.js';
import { EVENT_LEVELS, shows, human, journalPrefix } from '../../commands/node/run.js';
import { humanTime } from '../../commands/human.js';

const L = suite('node run log levels');
cleanupAfter(L);

/** Starts `node run ARGS` with piped stdout; resolves each JSON line to `lines` as it comes. */
function run(args: string[]) {
  const p = adopt(spawn(process.execPath, [bin, 'node', 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const lines: any[] = [];
  const waiters: [(e: any) => boolean, (e: any) => void][] = [];
  readline.createInterface({ input: p.stdout! }).on('line', (l) => {
    const e = JSON.parse(l);
    lines.push(e);
    for (const w of waiters.slice()) if (w[0](e)) waiters.splice(waiters.indexOf(w), 1), w[1](e);
  });
  const exited = new Promise<number | null>((r) => p.on('close', r));
  const waitFor = (pred: (e: any) => boolean) =>
    new Promise<any>((resolve, reject) => {
      const hit = lines.find(pred);
      if (hit) return resolve(hit);
      waiters.push([pred, resolve]);
      void exited.then(() => reject(new Error(`exited before the awaited line; got ${JSON.stringify(lines)}`)));
    });
  return { p, lines, waitFor, exited };
}

L('--log-level warn --name: info events are left out, errors print, every line names the node', async () => {
  const dir = tmpDir();
  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  fs.writeFileSync(path.join(inbox, 'ok.csv'), 'small'); // taken in: a file event and a block (info)
  fs.writeFileSync(path.join(inbox, 'big.csv'), 'x'.repeat(100)); // over --max-payload: an error event
  const n = run(['--data', path.join(dir, 'n'), '--api', '127.0.0.1:0', '--json', '--log-level', 'warn', '--name', 'plant-a', '--watch', inbox, '--max-payload', '10', '--block-time', '100ms']);
  const err = await n.waitFor((e) => e.event === 'error');
  assert.is(err.where, 'watch');
  assert.is(err.node, 'plant-a');
  assert.is(err.level, 'error');
  n.p.kill('SIGTERM');
  assert.is(await n.exited, 0);
  for (const e of n.lines) {
    assert.is(e.node, 'plant-a');
    assert.ok(shows('warn', e.level), `${e.event} (${e.level}) printed at warn`);
    assert.is(e.level, EVENT_LEVELS[e.event as keyof typeof EVENT_LEVELS]);
  }
  assert.not.ok(n.lines.some((e) => ['started', 'file', 'block', 'stopped'].includes(e.event)), JSON.stringify(n.lines));
});

L('default: info and above, named by the key prefix; record events with --json; --quiet is warn; bad values exit 2', async () => {
  const node = await startNode(path.join(tmpDir(), 'd'), ['--block-time', '100ms']);
  const started = node.events[0];
  assert.is(started.node, started.publicKey.slice(0, 8));
  assert.is(started.level, 'info');
  const r = await fetch(`${node.url}/v1/records`, { method: 'POST', body: 'one' }).then((x) => x.json() as Promise<any>);
  const rec = await node.waitFor((e) => e.event === 'record' && e.txId === r.txId);
  assert.is(rec.node, started.node);
  await node.included(r.txId);

  const both = await cli(['node', 'run', '--data', path.join(tmpDir(), 'x'), '--quiet', '--log-level', 'info']);
  assert.is(both.code, 2);
  assert.match(both.stderr, /--quiet or --log-level, not both/);
  const bad = await cli(['node', 'run', '--data', path.join(tmpDir(), 'x'), '--log-level', 'loud']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--log-level must be one of error, warn, info, debug; got loud/);
  const name = await cli(['node', 'run', '--data', path.join(tmpDir(), 'x'), '--name', 'two words']);
  assert.is(name.code, 2);
  assert.match(name.stderr, /--name "two words": expected 1-64 printable characters without spaces/);

  // --quiet: only the error of an oversized file, nothing of the start or stop.
  const inbox = path.join(tmpDir(), 'inbox');
  fs.mkdirSync(inbox);
  fs.writeFileSync(path.join(inbox, 'big.csv'), 'x'.repeat(100));
  const q = run(['--data', path.join(tmpDir(), 'q'), '--api', '127.0.0.1:0', '--quiet', '--watch', inbox, '--max-payload', '10']);
  await q.waitFor((e) => e.event === 'error');
  q.p.kill('SIGTERM');
  assert.is(await q.exited, 0);
  assert.equal(
    q.lines.map((e) => [e.event, e.level]),
    [['error', 'error']],
  );
});

L('human lines: TIME LEVEL NODE EVENT {fields}; the level column keeps the lines aligned', () => {
  const line = human({ event: 'block', height: 3, node: 'plant-a', level: 'info', at: '2026-11-26T05:00:00.000Z' });
  assert.is(line, `${humanTime('2026-11-26T05:00:00.000Z')} info  plant-a block {"height":3}`); // local time, as every human line
  assert.is(human({ event: 'error', where: 'api', node: 'gw-1', level: 'error', at: 'T' }), 'T error gw-1 error {"where":"api"}');
});

L('the journal priority prefix: only when stdout is the stream JOURNAL_STREAM names', () => {
  const file = path.join(tmpDir(), 'journal');
  const fd = fs.openSync(file, 'w');
  try {
    const st = fs.fstatSync(fd);
    const out = { fd } as never;
    const p = journalPrefix(out, { JOURNAL_STREAM: `${st.dev}:${st.ino}` });
    assert.ok(p);
    assert.equal(['error', 'warn', 'info', 'debug'].map((l) => p!(l as never)), ['<3>', '<4>', '<6>', '<7>']);
    assert.is(journalPrefix(out, { JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }), undefined, 'another stream: stdout was redirected');
    assert.is(journalPrefix(out, {}), undefined);
  } finally {
    fs.closeSync(fd);
  }
});

L('on a terminal with --log-level debug, record lines print too, named by --name', async () => {
  const dir = tmpDir();
  const data = path.join(dir, 't');
  const p = adopt(
    spawn('script', ['-qfec', `stty cols 250 rows 30; exec ${[process.execPath, bin, 'node', 'run', '--data', data, '--api', '127.0.0.1:0', '--log-level', 'debug', '--name', 'gw-7', '--block-time', '100ms'].join(' ')}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'dumb', NO_COLOR: '1' },
    }),
  );
  // Everything the terminal shows is kept from the start: a line that comes between two waits is not lost.
  let out = '';
  const checks = new Set<() => void>();
  p.stdout!.on('data', (d: Buffer) => {
    out += d;
    for (const c of [...checks]) c();
  });
  const seen = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const t = setTimeout(() => (checks.delete(check), reject(new Error(`timed out waiting for ${re}: ${out}`))), 20_000);
      const check = () => {
        const m = re.exec(out.replace(/\r/g, ''));
        if (m) checks.delete(check), clearTimeout(t), resolve(m);
      };
      checks.add(check);
      p.once('close', () => checks.has(check) && (checks.delete(check), clearTimeout(t), reject(new Error(`ended before ${re}: ${out}`))));
      check();
    });
  const api = (await seen(/ gw-7 started \{.*"api":"(http:\/\/127\.0\.0\.1:\d+)"/))[1];
  const r = await fetch(`${api}/v1/records`, { method: 'POST', body: 'on a terminal' }).then((x) => x.json() as Promise<any>);
  await seen(new RegExp(`^\\S+[+-]\\d\\d:\\d\\d info  gw-7 record \\{"txId":"${r.txId}"\\}$`, 'm'));
  await seen(/^\S+[+-]\d\d:\d\d info  gw-7 block \{"height":1,/m);
  p.stdin!.write('\x03');
  await seen(/ gw-7 stopped \{\}/);
});

L.run();
