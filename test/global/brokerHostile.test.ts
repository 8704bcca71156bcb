/**
 * The broker edge as an attacker or a broken peer sees it: a relay that changes the query, a
 * broker started with half a TLS configuration, a broker that answers garbage or never answers,
 * and a push with another company's key. Exit codes and stderr come from real child processes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { request } from 'undici';
import { tmpDir, startNode, startBroker, cli, bin, cleanupAfter, adopt, type RunningNode, type RunningBroker } from '../helpers.js';
import { Broker } from '../../src/global/broker.js';
import { signRequest } from '../../src/global/auth.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { toHex } from '../../src/codec/bytes.js';

const H = suite('broker: hostile and broken');
const closing = cleanupAfter(H);
let dir: string, A: RunningNode, B: RunningNode, broker: RunningBroker;
let keyA: string, keyB: string, partnersA: string, partnersB: string;

H.before(async () => {
  dir = tmpDir();
  [A, B] = await Promise.all([startNode(path.join(dir, 'a')), startNode(path.join(dir, 'b'))]);
  keyA = path.join(dir, 'a', 'node.key');
  keyB = path.join(dir, 'b', 'node.key');
  broker = await startBroker(path.join(dir, 'broker'));
  const ka = toHex(readKeyFile(keyA).publicKey);
  const kb = toHex(readKeyFile(keyB).publicKey);
  const reg = await cli(['broker', 'add-network', ka, kb, '--data', path.join(dir, 'broker')]);
  assert.is(reg.code, 0, reg.stderr);
  partnersA = path.join(dir, 'pa.json');
  partnersB = path.join(dir, 'pb.json');
  fs.writeFileSync(partnersA, JSON.stringify({ partners: [{ name: 'plant-b', key: kb }] }));
  fs.writeFileSync(partnersB, JSON.stringify({ partners: [{ name: 'plant-a', key: ka }] }));
});

H('a request target new URL cannot parse (GET //) gets 400, and the broker serves on', async () => {
  const u = new URL(broker.url);
  const answer = await new Promise<string>((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.end('GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
  assert.match(answer, /^HTTP\/1\.1 400 /, answer);
  const health = await request(`${broker.url}/v1/health`);
  assert.is(health.statusCode, 200, 'the broker still runs');
  await health.body.text();
  const metrics = await request(`${broker.url}/metrics`);
  assert.match(await metrics.body.text(), /urchain_broker_requests_total\{route="other",code="400"\} 1/);
});

/** Runs the CLI; kills it (and fails the caller's checks) if it outlives `capMs`. */
function run(args: string[], capMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; killed: boolean }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = adopt(spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    let killed = false;
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const cap = setTimeout(() => {
      killed = true;
      p.kill('SIGKILL');
    }, capMs);
    p.on('close', (code) => {
      clearTimeout(cap);
      resolve({ code, stdout, stderr, ms: Date.now() - t0, killed });
    });
  });
}

/** A 127.0.0.1 server that answers every request with `handler`. */
async function fakeBroker(handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  closing({ close: () => (s.closeAllConnections(), new Promise((r) => s.close(r))) });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

H('the request signature covers the query: a changed parameter is refused, the signed one served', async () => {
  const me = generateKeyPair();
  const b = await Broker.start({ dataDir: path.join(dir, 'q'), listen: '127.0.0.1:0' });
  try {
    await b.store.addNetwork(toHex(me.publicKey), 'me');
    const none = new Uint8Array(0);
    let res = await request(`${b.url}/v1/messages?max=5`, { method: 'GET', headers: signRequest(me, 'GET', '/v1/messages?max=5', none) });
    assert.is(res.statusCode, 200, await res.body.text());
    res = await request(`${b.url}/v1/messages?max=1`, { method: 'GET', headers: signRequest(me, 'GET', '/v1/messages?max=5', none) });
    assert.is(res.statusCode, 401);
    assert.match(await res.body.text(), /does not verify/);
    res = await request(`${b.url}/v1/messages?max=5&x=1`, { method: 'GET', headers: signRequest(me, 'GET', '/v1/messages?max=5', none) });
    assert.is(res.statusCode, 401);
    await res.body.text();
    res = await request(`${b.url}/v1/messages`, { method: 'GET', headers: signRequest(me, 'GET', '/v1/messages?max=5', none) });
    assert.is(res.statusCode, 401);
    await res.body.text();
  } finally {
    await b.close();
  }
});

H('broker serve with only one of --tls-cert/--tls-key exits 2 with the reason, serving nothing', async () => {
  const pem = path.join(dir, 'x.pem');
  fs.writeFileSync(pem, 'not used');
  try {
    const b = await Broker.start({ dataDir: path.join(dir, 't0'), listen: '127.0.0.1:0', tlsCert: pem });
    await b.close();
    assert.unreachable('started without --tls-key');
  } catch (e) {
    assert.match((e as Error).message, /--tls-cert given without --tls-key/);
  }
  for (const flag of ['--tls-cert', '--tls-key']) {
    const r = await run(['broker', 'serve', '--listen', '127.0.0.1:0', '--data', path.join(dir, `t-${flag}`), flag, pem], 10_000);
    assert.is(r.killed, false, `still serving: ${r.stdout}`);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${flag} given without`));
    assert.is(r.stdout, '', 'printed no url');
  }
});

H('entangle pull against a broker that answers garbage: exit 1, one clear line, no TypeError', async () => {
  const answers: [number, string][] = [
    [200, 'this is not json'],
    [200, '{"messages": "none"}'],
    [200, '{"messages": [null]}'],
    [200, '{"messages": [{"id": 7, "envelope": "AA=="}]}'],
    [200, '{"messages": [{"id": "../../x y", "envelope": "AA=="}]}'],
    [200, 'null'],
    [500, '<html>oops</html>'],
    [400, '{"error": {"code": "BAD_INPUT", "message": "a\\nb"}}'],
  ];
  for (const [status, body] of answers) {
    const url = await fakeBroker((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    const r = await run(['entangle', 'pull', '--node', A.url, '--broker', url, '--key', keyA, '--partners', partnersA]);
    assert.is(r.code, 1, `${body}: exit ${r.code} ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, `${body}: one line: ${r.stderr}`);
    assert.match(r.stderr, /^urchain: broker/, body);
    assert.not.match(r.stderr, /TypeError|Cannot read|undefined|is not a function|\n\s+at /, body);
  }
});

H('entangle pull against a broker that never answers stops at --timeout with a clear line', async () => {
  let seen = 0;
  const url = await fakeBroker(() => void seen++); // takes the request, never answers
  const r = await run(['entangle', 'pull', '--node', A.url, '--broker', url, '--key', keyA, '--partners', partnersA, '--timeout', '400ms'], 15_000);
  assert.is(r.killed, false, 'still waiting');
  assert.is(r.code, 1, r.stderr);
  assert.ok(seen >= 1, 'the request reached the broker');
  assert.match(r.stderr, /did not answer within 400 ms/);
  const bad = await run(['entangle', 'pull', '--node', A.url, '--broker', url, '--key', keyA, '--partners', partnersA, '--timeout', 'soon']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--timeout/);
});

H("push with another company's key is refused; a pull that refuses mail says why on stderr", async () => {
  const wrong = await run(['entangle', 'push', '--node', B.url, '--broker', broker.url, '--key', keyA, '--partners', partnersA]);
  assert.is(wrong.code, 2, wrong.stdout + wrong.stderr);
  assert.match(wrong.stderr, /is not a chain key of .* authority keys/);
  const nothing = await run(['entangle', 'pull', '--node', A.url, '--broker', broker.url, '--key', keyA, '--partners', partnersA]);
  assert.is(nothing.code, 0, nothing.stderr);
  assert.equal(JSON.parse(nothing.stdout).received, [], 'the refused push sent nothing');

  // A pushes correctly; B pulls with a partners file that does not list A: refused, exit 1, said on stderr.
  const ok = await run(['entangle', 'push', '--node', A.url, '--broker', broker.url, '--key', keyA, '--partners', partnersA]);
  assert.is(ok.code, 0, ok.stderr);
  const stranger = path.join(dir, 'nobody.json');
  fs.writeFileSync(stranger, JSON.stringify({ partners: [{ name: 'someone', key: toHex(generateKeyPair().publicKey) }] }));
  const r = await run(['entangle', 'pull', '--node', B.url, '--broker', broker.url, '--key', keyB, '--partners', stranger]);
  assert.is(r.code, 1);
  assert.is(JSON.parse(r.stdout).refused.length, 1);
  assert.match(r.stderr, /refused message .*not a configured partner/);
});

H.run();
