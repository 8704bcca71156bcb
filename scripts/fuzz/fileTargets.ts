/**
 * @module scripts/fuzz/fileTargets
 * Fuzz targets for what a user hands the CLI and what a broker answers: proof and trust files
 * given to `verify` (run in-process through the real command, and every so often through the
 * real CLI binary to check both agree), and broker replies given to `entangle pull` (a fake
 * broker on 127.0.0.1, the pull library function in-process with a deadline).
 *
 * Oracles, written from urchain-verify(1) and urchain-formats(5) (JSON RULES, TRUST LIST,
 * COUNTERSIGNED PROOF) apart from the code under test: `verify` answers with one JSON document and
 * a reason on stderr for any non-zero exit. A proof verifies only when its JSON value is a seed's
 * (with the payload or countersignatures left out at most) written by the JSON rules (no member
 * twice, plain integers, no lone surrogate), and a seed written by those rules always verifies.
 * A trust list that breaks the format (unknown or missing members, an empty list, an entry twice,
 * upper-case hex, a key that is not usable, a partner without a unique name) is refused with
 * exit 2; a well-formed one is never refused, and makes the proof trusted (exit 0) exactly when
 * it names the chain, the origin and enough block signers, and every countersigning chain is
 * another chain named under partners. `pull` fails only with an UrchainError, within its deadline.
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
import * as ed from '@noble/ed25519';
import { Cli } from 'clipanion';
import { VerifyCommand } from '../../commands/verify.js';
import { cli as runCli } from '../../support/children.js';
import { sealEnvelope } from '../../src/global/envelope.js';
import { pull } from '../../src/global/entangle.js';
import { BrokerClient } from '../../src/global/client.js';
import { UrchainError } from '../../src/errors.js';
import { toHex, toBase64, fromBase64 } from '../../src/codec/bytes.js';
import { openCheckpoint } from '../../src/chain/checkpoint.js';
import type { ProofJson } from '../../src/proof/proof.js';
import type { NodeClient } from '../../src/io/nodeClient.js';

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

/** What the oracle knows of a seed proof, read from its JSON: whose it is and who countersigned it. */
interface Facts {
  chainId: string;
  origin: string;
  signers: string[];
  /** Trusted block signers needed: the threshold under proof of authority, 1 otherwise. */
  threshold: number;
  authorities: string[];
  countersignatures: { chainId: string; origin: string; signers: string[]; threshold: number; checkpointSigner: string }[];
}

function factsOf(p: ProofJson): Facts {
  const one = (q: ProofJson) => ({
    chainId: q.block.header.chainId,
    origin: q.core.origin,
    signers: q.block.signatures.map((s) => s.key),
    threshold: q.chain.consensus === 'poa' ? q.chain.threshold : 1,
  });
  return {
    ...one(p),
    authorities: p.chain.authorities,
    countersignatures: (p.countersignatures ?? []).map((c) => ({ ...one(c.partner), checkpointSigner: toHex(openCheckpoint(fromBase64(c.partner.payload!)).signer) })),
  };
}

function verifyTarget(kind: Kind, world: SeedWorld, dir: string, cliEvery: number): Target {
  const seeds = world.proofs;
  const facts = seeds.map((s) => factsOf(s.proof));
  const texts = seeds.map((s) => te.encode(JSON.stringify(kind === 'proof' ? s.proof : s.trust)));
  const at = (name: string) => seeds.findIndex((s) => s.name === name);
  const [poa, pow, cs, self] = ['poa', 'pow', 'countersigned', 'self-countersigned'].map(at);
  const A = seeds[poa].trust;
  const { chains, authorities, origins } = seeds[cs].trust.partners![0];
  const B = { chains, authorities, origins };
  const SMALL = '01' + '00'.repeat(30) + '80'; // x = 0 with the sign bit: small order, non-canonical
  // Trust files people get wrong, and lists that are well-formed but must not make a proof
  // trusted (each with the seed proof it is tried on).
  const oddTrust: [number, string][] = [
    [poa, '{}'],
    [poa, JSON.stringify({ chain: A.chains, authority: A.authorities })],
    [poa, JSON.stringify(seeds[poa].proof)],
    [pow, JSON.stringify({ chains: seeds[pow].trust.chains, authorities: [] })],
    [poa, JSON.stringify({ origins: [SMALL] })],
    [poa, JSON.stringify({ ...A, origins: [SMALL] })],
    [poa, JSON.stringify({ ...A, origins: A.origins!.map((o) => o.toUpperCase()) })],
    [poa, JSON.stringify({ ...A, chains: [...A.chains, ...A.chains] })],
    [pow, JSON.stringify({ ...seeds[pow].trust, authorities: A.authorities })],
    [cs, JSON.stringify(A)],
    [cs, JSON.stringify({ chains: [...A.chains, ...B.chains], authorities: [...A.authorities!, ...B.authorities!], origins: [...A.origins!, ...B.origins!] })],
    [cs, JSON.stringify({ ...A, partners: [] })],
    [cs, JSON.stringify({ ...A, partners: [{ chains: B.chains }] })],
    [cs, JSON.stringify({ ...A, partners: [{ name: '', ...B }] })],
    [cs, JSON.stringify({ ...A, partners: [{ ...B, name: 'plant-b' }, { ...B, name: 'plant-b' }] })],
    [cs, JSON.stringify({ ...A, partners: [{ name: 'plant-b', ...B, origins: A.origins }] })],
    [cs, JSON.stringify({ ...A, partners: [{ name: 'plant-b', ...B, authorities: A.authorities }] })],
    [cs, JSON.stringify({ ...A, partners: [{ name: 'plant-b', chains: B.chains }] })],
    [self, JSON.stringify({ ...A, partners: [{ name: 'plant-a', ...A }] })],
    [self, JSON.stringify({ chains: [...A.chains, ...B.chains], partners: [{ name: 'plant-a', ...A }, { name: 'plant-b', ...B }] })],
  ];
  let valid = 0;
  let trusted = 0;
  let refusedLists = 0;
  let viaCli = 0;
  return {
    name: kind === 'proof' ? 'verify-proof' : 'verify-trust',
    // Several in flight so that the runs through the real CLI (child processes) overlap the rest.
    concurrency: 8,
    usesNode: false,
    async setup() {
      // The oracle's model must hold for the seeds themselves, or every finding is noise.
      const expect = async (s: number, trust: unknown, code: number, what: string) => {
        const proofFile = path.join(dir, `${kind}-setup-proof.json`);
        const trustFile = path.join(dir, `${kind}-setup-trust.json`);
        fs.writeFileSync(proofFile, JSON.stringify(seeds[s].proof));
        if (trust) fs.writeFileSync(trustFile, JSON.stringify(trust));
        const res = await inProcess(['verify', proofFile, ...(trust ? ['--trust', trustFile] : ['--no-trust']), '--json']);
        if (res.code !== code) throw new Error(`fuzz seed ${seeds[s].name} ${what}: exit ${res.code}, expected ${code}: ${res.stdout} ${res.stderr}`);
      };
      for (const [s, seed] of seeds.entries()) {
        await expect(s, seed.trust, seed.forged ? 1 : 0, 'with its trust list');
        await expect(s, null, seed.forged ? 1 : 0, 'with --no-trust');
      }
      await expect(cs, A, 1, 'with a trust list that does not name the partner');
    },
    make(r) {
      if (kind === 'trust' && r.chance(0.1)) {
        const [s, text] = r.pick(oddTrust);
        return { bytes: te.encode(text), flags: { seed: s, how: 'odd' } };
      }
      const s = r.int(seeds.length);
      const m = mutateJson(r, utf8(texts[s]), texts);
      return { bytes: m.bytes, flags: { seed: s, how: m.how, ...(kind === 'proof' && r.chance(0.1) ? { noTrust: true } : {}) } };
    },
    async send(x, i) {
      const s = (x.flags?.seed as number) ?? 0;
      const proofFile = path.join(dir, `${kind}-${i}-proof.json`);
      const trustFile = path.join(dir, `${kind}-${i}-trust.json`);
      try {
        await check(x, i, s, proofFile, trustFile);
      } finally {
        fs.rmSync(proofFile, { force: true });
        fs.rmSync(trustFile, { force: true });
      }
    },
    extra: () => ({ validAnswers: valid, trustedAnswers: trusted, ...(kind === 'trust' ? { refusedLists } : {}), throughCli: viaCli }),
  };

  async function check(x: FuzzInput, i: number, si: number, proofFile: string, trustFile: string) {
    const s = seeds[si];
    const noTrust = !!x.flags?.noTrust;
    fs.writeFileSync(kind === 'proof' ? proofFile : trustFile, x.bytes);
    if (kind === 'proof') fs.writeFileSync(trustFile, JSON.stringify(s.trust));
    else fs.writeFileSync(proofFile, JSON.stringify(s.proof));
    const args = ['verify', proofFile, ...(noTrust ? ['--no-trust'] : ['--trust', trustFile]), '--json'];
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
    if (res.code !== 0 && !res.stderr.trim()) throw new Finding('inconsistent', `exit ${res.code} with nothing on stderr`);
    if (out?.valid) {
      valid++;
      if (res.code !== 0) throw new Finding('inconsistent', `valid, but exit ${res.code}`);
      if (out.trusted !== !noTrust) throw new Finding('inconsistent', `"trusted": ${out.trusted} ${noTrust ? 'with --no-trust' : 'with a trust list'}`);
      if (out.trusted) trusted++;
    } else if (res.code === 0) throw new Finding('inconsistent', `exit 0 without a valid answer: ${res.stdout.slice(0, 300)}`);

    // As `verify` reads the file: Buffer's UTF-8 decoding keeps a byte order mark (TextDecoder drops it).
    const text = Buffer.from(x.bytes).toString('utf8');
    let value: unknown;
    let textProblem: string | undefined;
    try {
      value = JSON.parse(text);
      textProblem = strictTextProblem(text);
    } catch {
      textProblem = 'it is not JSON';
    }
    if (kind === 'proof') {
      // A proof file is never a usage error: a bad one fails a check (exit 1, urchain-verify(1)).
      if (res.code !== 0 && res.code !== 1) throw new Finding('inconsistent', `exit ${res.code} for a proof file (a bad proof fails a check, exit 1): ${res.stderr.slice(0, 300)}`);
      const base = s.forged ? [without(s.proof, 'countersignatures')] : [s.proof, without(s.proof, 'countersignatures')];
      const allowed = [...base, ...base.map((p) => without(p, 'payload'))];
      const same = allowed.some((a) => isDeepStrictEqual(a, value));
      if (out?.valid) {
        if (textProblem) throw new Finding('inconsistent', `a proof verifies although ${textProblem}`);
        if (!same) throw new Finding('inconsistent', `a changed proof verifies: ${diff(s.proof, value)}`);
      } else if (same && !textProblem) throw new Finding('inconsistent', `a genuine proof (only written differently) fails: ${out?.failed}: ${out?.reason}`);
      return;
    }
    const problem = textProblem ?? trustListProblem(value);
    if (problem) {
      if (res.code !== 2) throw new Finding('inconsistent', `a trust list is accepted (exit ${res.code}) although ${problem}`);
      refusedLists++;
      return;
    }
    if (res.code === 2) throw new Finding('inconsistent', `a well-formed trust list is refused: ${res.stderr.trim().slice(0, 300)}`);
    const why = notTrustedBecause(value as TrustValue, facts[si]);
    if (res.code === 0 && why) throw new Finding('inconsistent', `trusted although ${why}`);
    if (res.code === 1 && !why) throw new Finding('inconsistent', `not trusted although the list names all it needs: ${out?.failed}: ${out?.reason}`);
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

// ---- the oracle of urchain-formats(5): JSON RULES and TRUST LIST, written apart from src/ ----

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What breaks the JSON rules in a text JSON.parse accepts: a member named twice, a number that
 * is not a plain integer of at most 2^53 - 1, a lone surrogate. A scan of its own (not the
 * parser under test).
 */
function strictTextProblem(text: string): string | undefined {
  const objects: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const s = JSON.parse(text.slice(i, j + 1)) as string;
      if (LONE_SURROGATE.test(s)) return 'a string holds a lone surrogate';
      i = j + 1;
      while (/\s/.test(text[i] ?? '')) i++;
      const top = objects[objects.length - 1];
      if (text[i] === ':' && top) {
        if (top.has(s)) return `member ${JSON.stringify(s)} appears twice`;
        top.add(s);
      }
    } else if (c === '{' || c === '[') (objects.push(c === '{' ? new Set() : null), i++);
    else if (c === '}' || c === ']') (objects.pop(), i++);
    else if (c === '-' || (c >= '0' && c <= '9')) {
      const n = /^-?[0-9.eE+-]+/.exec(text.slice(i))![0];
      if (!/^(0|-?[1-9][0-9]*)$/.test(n) || !Number.isSafeInteger(Number(n))) return `the number ${n} is not a plain integer of at most 2^53 - 1`;
      i += n.length;
    } else i++;
  }
  return undefined;
}

type TrustValue = { chains: string[]; authorities?: string[]; origins?: string[]; partners?: { name: string; chains: string[]; authorities?: string[]; origins?: string[] }[] };

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** A key the verification rule accepts: a canonical encoding of a point on the curve, not of small order (checked with @noble/ed25519 directly). */
function usableKey(hex: string): boolean {
  try {
    const p = ed.Point.fromHex(hex, false);
    return !p.isSmallOrder() && p.toHex() === hex;
  } catch {
    return false;
  }
}

function listProblem(v: unknown, at: string, keys: boolean): string | undefined {
  if (!Array.isArray(v)) return `${at} is not a list`;
  if (!v.length) return `${at} is empty`;
  for (const x of v) {
    if (typeof x !== 'string' || !/^[0-9a-f]{64}$/.test(x)) return `${at} holds ${JSON.stringify(x)?.slice(0, 40)}, not 64 lowercase hex digits`;
    if (keys && !usableKey(x)) return `${at} names ${x.slice(0, 16)}…, not a usable key (non-canonical, off the curve or of small order)`;
  }
  if (new Set(v).size !== v.length) return `${at} names an entry twice`;
  return undefined;
}

function scopeProblem(o: unknown, at: string, allowed: string[]): string | undefined {
  if (!isObject(o)) return `${at || 'the trust list'} is not an object`;
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length) return `${at}${unknown.join(', ')}: unknown member(s)`;
  if (!has(o, 'chains')) return `${at}chains is missing`;
  for (const k of ['chains', 'authorities', 'origins']) {
    const p = has(o, k) ? listProblem(o[k], `${at}${k}`, k !== 'chains') : undefined;
    if (p) return p;
  }
  for (const k of ['name', 'note']) if (has(o, k) && typeof o[k] !== 'string') return `${at}${k} is not text`;
  return undefined;
}

/** What makes a value not a trust list by urchain-formats(5), TRUST LIST; undefined when it is one. */
function trustListProblem(t: unknown): string | undefined {
  const top = scopeProblem(t, '', ['chains', 'authorities', 'origins', 'partners', 'name', 'note']);
  if (top || !has(t as object, 'partners')) return top;
  const partners = (t as Record<string, unknown>).partners;
  if (!Array.isArray(partners)) return 'partners is not a list';
  if (!partners.length) return 'partners is empty';
  const names = new Set<string>();
  for (const [k, e] of partners.entries()) {
    const p = scopeProblem(e, `partners[${k}].`, ['name', 'chains', 'authorities', 'origins', 'note']);
    if (p) return p;
    const name = (e as Record<string, unknown>).name;
    if (typeof name !== 'string' || !name) return `partners[${k}].name is missing or empty`;
    if (names.has(name)) return `two partners are named ${JSON.stringify(name)}`;
    names.add(name);
  }
  return undefined;
}

/**
 * Why a well-formed trust list must not make this proof trusted (undefined: it must). The
 * record's chain is named, its origin and enough block signers are when those lists are given,
 * and every countersignature comes from another chain named under partners, whose entry admits
 * the partner's origin and signers, with a checkpoint signed by a key accepted for the record's
 * chain (urchain-formats(5), COUNTERSIGNED PROOF).
 */
function notTrustedBecause(t: TrustValue, f: Facts): string | undefined {
  const enough = (signers: string[], authorities: string[] | undefined, need: number) => !authorities || signers.filter((s) => authorities.includes(s)).length >= need;
  if (!t.chains.includes(f.chainId)) return 'the list does not name the chain';
  if (t.origins && !t.origins.includes(f.origin)) return 'the list does not name the origin';
  if (!enough(f.signers, t.authorities, f.threshold)) return 'too few block signers are in the list';
  for (const c of f.countersignatures) {
    if (c.chainId === f.chainId) return 'a countersignature comes from the record’s own chain';
    const e = t.partners?.find((p) => p.chains.includes(c.chainId));
    if (!e) return 'a countersigning chain is not named as a partner';
    if (e.origins && !e.origins.includes(c.origin)) return "the partner's entry does not name the partner record's origin";
    if (!enough(c.signers, e.authorities, c.threshold)) return "too few of the partner block's signers are in its entry";
    if (![...f.authorities, ...(t.authorities ?? []), ...(t.origins ?? [])].includes(c.checkpointSigner)) return 'the checkpoint signer is not accepted for the chain';
  }
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
  let taken = 0;
  let refusedMail = 0;
  let refusedByPull = 0;
  // The node as pull sees it; what pull submits is checked: an entangle record holds a checkpoint
  // signed by the partner that sent it, a countersign record a proof of our own checkpoint.
  const nodeStub = (wrong: string[]) =>
    ({
      get: async () => ({ chainId: toHex(world.a.chainId) }),
      submit: async (r: { payload: Uint8Array; kind: string; meta: Record<string, string> }) => {
        try {
          if (r.kind === 'entangle') {
            if (toHex(openCheckpoint(r.payload).signer) !== toHex(partner.publicKey)) wrong.push('an entangle record of a checkpoint the partner did not sign');
          } else if (r.kind === 'countersign') {
            const p = JSON.parse(utf8(r.payload)) as ProofJson;
            const c = openCheckpoint(fromBase64(p.payload!));
            if (toHex(c.chainId) !== toHex(world.a.chainId) || toHex(c.signer) !== toHex(me.publicKey)) wrong.push('a countersign record of a checkpoint that is not ours');
          } else wrong.push(`a record of kind ${r.kind}`);
        } catch (e) {
          wrong.push(`a ${r.kind} record that does not open: ${(e as Error).message}`);
        }
        return { txId: toHex(new Uint8Array(32).fill(1)), duplicate: false };
      },
    }) as unknown as NodeClient;
  // The broker client's own deadline: a broker that never finishes its answer is an error after it.
  const timeoutMs = 1500;

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
        slot.broker = new BrokerClient(slot.url, me, { retries: 0, baseDelayMs: 1, timeoutMs });
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
      const broker = slot.reply.trick === 1 ? new BrokerClient(slot.url, me, { retries: 0, timeoutMs }) : slot.broker!;
      let timer: NodeJS.Timeout | undefined;
      const wrong: string[] = [];
      try {
        // Two calls (messages, ack), each within timeoutMs: anything much later is a hang.
        const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 2 * timeoutMs + 2000)));
        const t0 = performance.now();
        const got = await Promise.race([pull({ node: nodeStub(wrong), broker, key: me, partners }), deadline]);
        if (got === 'timeout') throw new Finding('hang', `pull still running after ${Math.round(performance.now() - t0)} ms with a broker deadline of ${timeoutMs} ms`);
        if (wrong.length) throw new Finding('inconsistent', `pull stored ${wrong[0]}`);
        taken += got.received.length + got.countersignatures.length;
        refusedMail += got.refused.length;
      } catch (e) {
        if (e instanceof Finding) throw e;
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
    extra: () => ({ recordsTaken: taken, mailRefused: refusedMail, failedWithUrchainError: refusedByPull }),
  };
}
