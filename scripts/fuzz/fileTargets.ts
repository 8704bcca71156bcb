/**
 * @module scripts/fuzz/fileTargets
 * Fuzz targets for what a user hands the CLI and what a broker answers: proof and trust files
 * given to `verify` (run in-process through the real command, and every so often through the
 * real CLI binary to check both agree), and broker replies given to `entangle pull` (a fake
 * broker on 127.0.0.1, the pull library function in-process with a deadline).
 *
 * Oracles: `verify` must answer with one JSON document and exit 0 only for a valid proof; a
 * valid answer for a proof whose JSON value differs from the seed's (or is the seed written with
 * a duplicated key or another number form) is inconsistent, as is `trusted` for a trust list that
 * is not strictly {chains|authorities|origins: [64 lowercase hex]} naming the proof's chain or
 * keys. `pull` may fail only with an UrchainError.
 */
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { Writable, PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Finding, type Target, type FuzzInput } from './harness.js';
import { mutateJson, mutateJsonText, mutateCbor, mutateBytes, utf8 } from './mutate.js';
import type { SeedWorld } from './proofs.js';
import { Cli } from 'clipanion';
import { VerifyCommand } from '../../commands/verify.js';
import { cli as runCli } from '../../test/helpers.js';
import { sealEnvelope } from '../../src/global/envelope.js';
import { pull } from '../../src/global/entangle.js';
import { BrokerClient } from '../../src/global/client.js';
import { UrchainError } from '../../src/errors.js';
import { toHex, toBase64 } from '../../src/codec/bytes.js';
import type { NodeClient } from '../../src/node/client.js';

const te = new TextEncoder();

// A CLI of the verify command alone: the same parsing and command class as bin/urchain, without
// compiling the parser of all the other commands on every run.
const verifyCli = Cli.from([VerifyCommand]);

/** Runs `urchain verify ...` in this process through the real command class; stdout, stderr, exit code. */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const c = verifyCli;
  const code = await c.run(args, { stdin: new PassThrough(), stdout: sink((s) => (stdout += s)) as never, stderr: sink((s) => (stderr += s)) as never });
  return { code, stdout, stderr };
}

type Kind = 'proof' | 'trust';

function verifyTarget(kind: Kind, world: SeedWorld, dir: string, cliEvery: number): Target {
  const seeds = world.proofs;
  const texts = seeds.map((s) => te.encode(JSON.stringify(kind === 'proof' ? s.proof : s.trust)));
  // Trust files people get wrong: empty, misspelled keys, a proof given as trust list, PoW with no authorities.
  const oddTrust = [
    '{}',
    JSON.stringify({ chain: seeds[0].trust.chains, authority: seeds[0].trust.authorities }),
    JSON.stringify(seeds[0].proof),
    JSON.stringify({ chains: seeds[1].trust.chains, authorities: [] }),
    JSON.stringify({ origins: ['01' + '00'.repeat(30) + '80'] }),
  ];
  let valid = 0;
  let viaCli = 0;
  return {
    name: kind === 'proof' ? 'verify-proof' : 'verify-trust',
    // Several in flight so that the runs through the real CLI (child processes) overlap the rest.
    concurrency: 8,
    usesNode: false,
    make(r) {
      const s = r.int(seeds.length);
      if (kind === 'trust' && r.chance(0.1)) return { bytes: te.encode(r.pick(oddTrust)), flags: { seed: s, odd: true } };
      const m = mutateJson(r, utf8(texts[s]), texts);
      return { bytes: m.bytes, flags: { seed: s, how: m.how } };
    },
    async send(x, i) {
      const s = seeds[(x.flags?.seed as number) ?? 0];
      const proofFile = path.join(dir, `${kind}-${i}-proof.json`);
      const trustFile = path.join(dir, `${kind}-${i}-trust.json`);
      try {
        await check(x, i, s, proofFile, trustFile);
      } finally {
        fs.rmSync(proofFile, { force: true });
        fs.rmSync(trustFile, { force: true });
      }
    },
    extra: () => ({ validAnswers: valid, throughCli: viaCli }),
  };

  async function check(x: FuzzInput, i: number, s: SeedWorld['proofs'][number], proofFile: string, trustFile: string) {
    {
      fs.writeFileSync(kind === 'proof' ? proofFile : trustFile, x.bytes);
      if (kind === 'proof') fs.writeFileSync(trustFile, JSON.stringify(s.trust));
      else fs.writeFileSync(proofFile, JSON.stringify(s.proof));
      const args = ['verify', proofFile, '--trust', trustFile, '--json'];
      let res;
      try {
        res = await inProcess(args);
      } catch (e) {
        throw new Finding('threw', `verify threw: ${(e as Error).stack}`);
      }
      if (cliEvery && i % cliEvery === 0) {
        viaCli++;
        const real = await runCli(args);
        if (real.code !== res.code) throw new Finding('inconsistent', `the CLI exits ${real.code}, the command in-process ${res.code}: ${real.stderr}`);
      }
      let out: any;
      try {
        out = JSON.parse(res.stdout.trim().split('\n').pop() || 'null');
      } catch {
        throw new Finding('inconsistent', `verify printed no JSON document (exit ${res.code}): ${res.stdout.slice(0, 300)} ${res.stderr.slice(0, 300)}`);
      }
      if (/\n\s+at /.test(res.stderr)) throw new Finding('threw', `verify printed a stack trace: ${res.stderr.slice(0, 500)}`);
      if (!out?.valid) {
        if (res.code === 0) throw new Finding('inconsistent', `exit 0 for an invalid proof: ${res.stdout.slice(0, 300)}`);
        return;
      }
      valid++;
      if (res.code !== 0 && out.trusted) throw new Finding('inconsistent', `valid and trusted, but exit ${res.code}`);
      let value: unknown;
      try {
        value = JSON.parse(utf8(x.bytes));
      } catch {
        throw new Finding('inconsistent', 'verify accepted a file that is not JSON');
      }
      // A duplicated key or another number form keeps the value but is not the one accepted encoding.
      const rewritten = x.flags?.how === 'duplicate-key' || x.flags?.how === 'number-form';
      if (kind === 'proof') {
        const allowed = [s.proof, without(s.proof, 'payload'), without(s.proof, 'countersignatures'), without(without(s.proof, 'payload'), 'countersignatures')];
        if (!allowed.some((a) => isDeepStrictEqual(a, value))) throw new Finding('inconsistent', `a changed proof verifies: ${diff(s.proof, value)}`);
        if (rewritten && !isDeepStrictEqual(utf8(x.bytes), JSON.stringify(value))) throw new Finding('inconsistent', 'a proof written with a duplicated key or another number form verifies');
      } else if (out.trusted) {
        const why = strictTrustProblem(value, out, rewritten && !isDeepStrictEqual(utf8(x.bytes), JSON.stringify(value)));
        if (why) throw new Finding('inconsistent', `trusted although ${why}`);
      }
    }
  }
}

const without = (o: any, k: string) => {
  const c = { ...o };
  delete c[k];
  return c;
};

/** The first path where two JSON values differ, for the finding's message. */
function diff(a: any, b: any, at = '$'): string {
  if (isDeepStrictEqual(a, b)) return '(same)';
  const show = (v: unknown) => (Object.is(v, -0) ? '-0' : JSON.stringify(v)?.slice(0, 80));
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b || Array.isArray(a) !== Array.isArray(b)) return `${at}: ${show(a)} -> ${show(b)}`;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (!isDeepStrictEqual(a[k], b[k])) return diff(a[k], b[k], `${at}.${k}`);
  return at;
}

/** What makes a trust list not a strict one that names this proof; undefined when it is fine. */
function strictTrustProblem(t: any, out: any, rewritten: boolean): string | undefined {
  if (rewritten) return 'the trust file repeats a key or writes a number another way';
  if (!t || typeof t !== 'object' || Array.isArray(t)) return 'the trust list is not an object';
  const keys = Object.keys(t);
  const unknown = keys.filter((k) => !['chains', 'authorities', 'origins'].includes(k));
  if (unknown.length) return `the trust list has unknown keys ${unknown.join(', ')}`;
  if (!keys.length) return 'the trust list names nothing';
  for (const k of keys) if (!Array.isArray(t[k]) || t[k].some((v: unknown) => typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v))) return `${k} is not a list of 64 lowercase hex digits`;
  const names = t.chains ? t.chains.includes(out.chainId) : (t.origins ?? []).includes(out.origin) || (t.authorities ?? []).some((a: string) => out.block?.signers?.includes(a));
  if (!names) return 'the trust list does not name the chain';
  return undefined;
}

export const verifyProofTarget = (w: SeedWorld, dir: string, cliEvery: number) => verifyTarget('proof', w, dir, cliEvery);
export const verifyTrustTarget = (w: SeedWorld, dir: string, cliEvery: number) => verifyTarget('trust', w, dir, cliEvery);

// ---- entangle pull -------------------------------------------------------------------------

interface Reply {
  status: number;
  body: Uint8Array;
  /** 1: claim more bytes than sent and keep the socket open; 2: cut the socket mid-body. */
  trick: number;
  ack?: Uint8Array;
}

export function entanglePullTarget(world: SeedWorld): Target {
  const me = world.a.key;
  const partner = world.b.key;
  const partners = [{ name: 'plant-b', key: toHex(partner.publicKey) }];
  const cs = JSON.stringify(world.partnerProof);
  const env = sealEnvelope({ checkpoint: world.partnerCheckpoint, countersignatures: [cs] }, partner, me.publicKey);
  const replyOf = (e: Uint8Array, n = 1) => JSON.stringify({ messages: Array.from({ length: n }, (_, k) => ({ id: `m${k}`, envelope: toBase64(e) })) });
  const seeds = [replyOf(env), replyOf(env, 3), JSON.stringify({ messages: [] })];
  const corpus = seeds.map((s) => te.encode(s));
  const servers: { server: http.Server; url: string; broker?: BrokerClient; reply?: Reply }[] = [];
  const free: number[] = [];
  let timeouts = 0;
  let refusedByPull = 0;
  const nodeStub = {
    get: async () => ({ chainId: toHex(world.a.chainId) }),
    submit: async () => ({ txId: toHex(new Uint8Array(32).fill(1)), duplicate: false }),
  } as unknown as NodeClient;

  return {
    name: 'entangle-pull',
    concurrency: 8,
    usesNode: false,
    async setup() {
      for (let k = 0; k < this.concurrency; k++) {
        const slot: (typeof servers)[number] = { server: http.createServer(), url: '' };
        slot.server.on('request', (req, res) => {
          req.resume();
          req.on('end', () => {
            const r = slot.reply!;
            const isAck = req.url?.startsWith('/v1/ack');
            const body = isAck ? (r.ack ?? te.encode(JSON.stringify({ acked: 1 }))) : r.body;
            if (!isAck && r.trick === 1) {
              res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': body.length + 100 });
              res.write(body);
              return; // never ends: the client must give up by itself
            }
            if (!isAck && r.trick === 2) {
              res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': body.length });
              res.write(body.subarray(0, body.length >> 1));
              return void res.socket?.destroy();
            }
            res.writeHead(isAck ? 200 : r.status, { 'content-type': 'application/json' });
            res.end(body);
          });
        });
        await new Promise<void>((ok) => slot.server.listen(0, '127.0.0.1', ok));
        slot.url = `http://127.0.0.1:${(slot.server.address() as AddressInfo).port}`;
        slot.broker = new BrokerClient(slot.url, me, { retries: 0, baseDelayMs: 1 });
        servers.push(slot);
        free.push(k);
      }
    },
    make(r) {
      const roll = r.int(20);
      const text = r.pick(seeds);
      let body: Uint8Array;
      if (roll < 7) body = mutateJsonText(r, text, corpus);
      else if (roll < 14) body = te.encode(replyOf(mutateCbor(r, env, [env]), 1 + r.int(2)));
      else if (roll < 17) {
        // the sealed content: a changed checkpoint or countersignature, sealed and signed properly
        const checkpoint = r.chance(0.5) ? mutateCbor(r, world.partnerCheckpoint) : world.partnerCheckpoint;
        const texts = r.chance(0.7) ? [utf8(mutateJsonText(r, cs))] : [cs, cs];
        body = te.encode(replyOf(sealEnvelope({ checkpoint, countersignatures: texts }, partner, me.publicKey)));
      } else body = mutateBytes(r, te.encode(text), corpus);
      const status = r.chance(0.9) ? 200 : r.pick([201, 204, 301, 400, 401, 404, 409, 500, 503]);
      const trick = r.chance(0.003) ? 1 : r.chance(0.01) ? 2 : 0;
      const ack = r.chance(0.1) ? mutateJsonText(r, '{"acked":1}') : undefined;
      return { bytes: body, flags: { status, trick, ack: ack && utf8(ack) } };
    },
    async send(x) {
      const k = free.pop()!;
      const slot = servers[k];
      slot.reply = { status: x.flags!.status as number, body: x.bytes, trick: x.flags!.trick as number, ack: x.flags!.ack ? te.encode(x.flags!.ack as string) : undefined };
      // A reply that never ends holds its connection: such an input gets a client of its own.
      const broker = slot.reply.trick === 1 ? new BrokerClient(slot.url, me, { retries: 0 }) : slot.broker!;
      let timer: NodeJS.Timeout | undefined;
      try {
        const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 3000)));
        const got = await Promise.race([pull({ node: nodeStub, broker, key: me, partners }), deadline]);
        if (got === 'timeout') timeouts++;
      } catch (e) {
        if (!(e instanceof UrchainError)) throw new Finding('threw', `pull threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.stack ?? String(e)}`);
        refusedByPull++;
      } finally {
        clearTimeout(timer);
        if (broker !== slot.broker) void broker.close().catch(() => undefined);
        free.push(k);
      }
    },
    async teardown() {
      for (const s of servers) {
        void s.broker?.close().catch(() => undefined);
        s.server.closeAllConnections();
        s.server.close();
      }
    },
    extra: () => ({ timeouts, failedWithUrchainError: refusedByPull }),
  };
}
