/**
 * @module scripts/fuzz/harness
 * What every fuzz target shares: the node child process (started through the fuzz host, watched
 * for death and for its resident memory, restarted on the same folder after a crash), the crash
 * folder with one reproducer per finding, and the loop that feeds a target N inputs with a fixed
 * number in flight and prints its JSON line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Rng } from './mutate.js';
import { startNode, type RunningNode } from '../../support/children.js';
import { peakRss, rss, resetPeakRss } from '../../support/rss.js';
import { root } from '../../support/paths.js';
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.js';
import { writeKeyFile } from '../../src/io/keyfile.js';
import { signMembers, writeMembersFile, type MemberList } from '../../src/net/members.js';
import { fromHex } from '../../src/codec/bytes.js';

/** One fuzz input: the bytes that go out, and what a reproducer needs besides them. */
/**
 * The wait of an exchange with the node: it ends (calling `end` once) when the node stays quiet
 * for `quietMs` after the last `arm()`, or after `maxMs` in all, or when `done()` is called.
 */
export function quietTimer(end: () => void, quietMs: number, maxMs: number): { arm: () => void; done: () => void } {
  let quiet: NodeJS.Timeout | undefined;
  let ended = false;
  const done = () => {
    clearTimeout(quiet);
    clearTimeout(cap);
    if (ended) return;
    ended = true;
    end();
  };
  const cap = setTimeout(done, maxMs);
  return {
    arm: () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, quietMs);
    },
    done,
  };
}

export interface FuzzInput {
  bytes: Uint8Array;
  /** How the input was made (mutation flags a target's oracle reads). */
  flags?: Record<string, unknown>;
}

/** A target found something: `kind` names it, the input is saved as a reproducer. */
export class Finding extends Error {
  constructor(
    readonly kind: 'node-died' | 'uncaught' | 'unhandled-rejection' | 'threw' | 'inconsistent' | 'rss' | 'hang',
    message: string,
  ) {
    super(message);
  }
}

export interface Target {
  name: string;
  concurrency: number;
  /** True when the target talks to the node child (its death and memory are watched). */
  usesNode: boolean;
  setup?(): Promise<void>;
  make(r: Rng, i: number): FuzzInput;
  /** Sends one input; throws a Finding for a crash. Other errors are the target's own trouble. */
  send(x: FuzzInput, i: number): Promise<void>;
  teardown?(): Promise<void>;
  /** Extra fields for the JSON line (status counts, timeouts...). */
  extra?(): Record<string, unknown>;
}

export interface Line {
  target: string;
  inputs: number;
  crashes: number;
  unhandledRejections: number;
  peakRssBytes: number;
  seconds: number;
  [k: string]: unknown;
}

// ---- the node ------------------------------------------------------------------------------

export class FuzzNode {
  node?: RunningNode;
  profichain = '';
  listen = '';
  chainId: Uint8Array = new Uint8Array(32);
  readonly nodeKey = generateKeyPair();
  /** Member keys the fuzzer links with: 15 for the post-handshake target (the node holds 16 links), 17 (those and two more) for before it, one to probe that links still work. */
  readonly memberKeys: KeyPair[] = Array.from({ length: 18 }, () => generateKeyPair());
  members!: MemberList;
  dead = false;
  deaths = 0;
  private restarting?: Promise<void>;
  private readonly data: string;
  private readonly membersFile: string;

  constructor(private readonly dir: string) {
    this.data = path.join(dir, 'node');
    this.membersFile = path.join(dir, 'members.json');
  }

  async start(): Promise<void> {
    if (!fs.existsSync(this.data)) {
      fs.mkdirSync(this.data, { recursive: true, mode: 0o700 });
      writeKeyFile(path.join(this.data, 'node.key'), this.nodeKey);
      const network = generateKeyPair();
      this.members = signMembers(network, 1, [{ key: this.nodeKey.publicKey, role: 'full' }, ...this.memberKeys.map((k) => ({ key: k.publicKey, role: 'thin' as const }))]);
      writeMembersFile(this.membersFile, this.members);
    }
    const entry = path.join(root, 'dist', 'scripts', 'fuzz', 'host.js');
    const args = ['--profichain', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--members', this.membersFile, '--links', '8', '--block-time', '500ms'];
    // Only what the harness reads is kept: a long run logs an error for every refused input.
    this.node = await startNode(this.data, args, { entry, keep: (e) => e.event === 'stopped', stderrMax: 64 * 1024 });
    this.dead = false;
    const proc = this.node.proc;
    proc.once('exit', () => {
      if (this.node?.proc === proc) this.dead = true;
    });
    const s = await fetch(`${this.node.url}/v1/status`).then((r) => r.json());
    this.profichain = s.profichain;
    this.chainId = fromHex(s.chainId, 32);
    const peers = await fetch(`${this.node.url}/v1/peers`).then((r) => r.json());
    this.listen = peers.advertise || s.listen;
  }

  get url(): string {
    return this.node?.url ?? '';
  }

  get pid(): number {
    return this.node?.proc.pid ?? 0;
  }

  /** Restarts the node once however many workers ask; resolves when it serves again. */
  restart(): Promise<void> {
    this.restarting ??= (async () => {
      this.deaths++;
      // Forget the old process first, so that killing it on purpose (memory bound) is no death.
      const old = this.node;
      this.node = undefined;
      if (old && !this.dead) await old.kill9();
      await this.start();
    })().finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  async stop(): Promise<void> {
    if (this.node && !this.dead) await this.node.stop();
  }
}

// ---- crashes -------------------------------------------------------------------------------

/**
 * The crash folder. Findings are grouped by a signature (target, kind and the message with its
 * numbers and hex left out); the first few of each group are saved, all are counted, and
 * summary.json lists every group with its count and reproducers.
 */
export class CrashLog {
  constructor(
    readonly dir: string,
    private readonly seed: number,
    private readonly perGroup = 3,
  ) {}
  saved: string[] = [];
  readonly groups = new Map<string, { target: string; kind: string; message: string; count: number; files: string[] }>();

  /** Records a finding; returns true the first time its group is seen (worth a log line). */
  save(target: string, kind: string, i: number, x: FuzzInput, message: string): boolean {
    const first = message.split('\n')[0];
    const sig = `${target} ${kind} ${first.replace(/[0-9a-f]{8,}/gi, '#').replace(/\d+/g, '#').slice(0, 160)}`;
    let g = this.groups.get(sig);
    if (!g) this.groups.set(sig, (g = { target, kind, message: first.slice(0, 300), count: 0, files: [] }));
    g.count++;
    if (g.files.length < this.perGroup) {
      fs.mkdirSync(this.dir, { recursive: true });
      const base = path.join(this.dir, `${target}-${kind}-${i}`);
      fs.writeFileSync(`${base}.bin`, x.bytes);
      fs.writeFileSync(`${base}.json`, JSON.stringify({ target, kind, input: i, seed: this.seed, message, flags: x.flags, replay: `node dist/scripts/fuzz.js --only ${target} --seed ${this.seed} --from ${i} --n 1` }, null, 1) + '\n');
      g.files.push(`${base}.bin`);
      this.saved.push(`${base}.bin`);
    }
    this.writeSummary();
    return g.count === 1;
  }

  private writeSummary() {
    const list = [...this.groups.values()].sort((a, b) => b.count - a.count);
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(path.join(this.dir, 'summary.json'), JSON.stringify(list, null, 1) + '\n');
  }

  /** Groups of one target, most frequent first: for its JSON line. */
  of(target: string): { kind: string; message: string; count: number; reproducer: string }[] {
    return [...this.groups.values()].filter((g) => g.target === target).sort((a, b) => b.count - a.count).map((g) => ({ kind: g.kind, message: g.message, count: g.count, reproducer: g.files[0] }));
  }
}

// ---- the loop ------------------------------------------------------------------------------

export interface RunOptions {
  n: number;
  from: number;
  seed: number;
  rssBound: number;
  node?: FuzzNode;
  crashes: CrashLog;
}

/** Seeds one PRNG per input, so input i of a target is the same in every run with that seed. */
const rngFor = (seed: number, target: string, i: number) => {
  let h = seed >>> 0;
  for (const c of target) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return new Rng((h ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
};

// Targets running now, in-process ones first: an unhandled rejection or uncaught exception in this
// process is put on the in-process target, as the node targets' decoders run in the child.
type Catch = (kind: 'uncaught' | 'unhandled-rejection', e: unknown) => void;
const catchers: { inProcess: boolean; fn: Catch }[] = [];
const onStray = (kind: 'uncaught' | 'unhandled-rejection', e: unknown) => {
  const c = catchers.find((x) => x.inProcess) ?? catchers[0];
  if (c) c.fn(kind, e);
  else process.stderr.write(`fuzz: ${kind} outside a target: ${(e as Error)?.stack ?? String(e)}\n`);
};
process.on('unhandledRejection', (e) => onStray('unhandled-rejection', e));
process.on('uncaughtException', (e) => onStray('uncaught', e));

export async function runTarget(t: Target, o: RunOptions): Promise<Line> {
  const t0 = performance.now();
  let crashes = 0;
  let unhandled = 0;
  let peak = 0;
  let rssFlagged = false;
  let handlingDeath = false;
  let harnessErrors = 0;
  const inFlight = new Map<number, FuzzInput>();
  const recent: [number, FuzzInput][] = [];
  const record = (kind: string, i: number, x: FuzzInput, message: string) => {
    crashes++;
    if (o.crashes.save(t.name, kind, i, x, message)) process.stderr.write(`fuzz: ${t.name}: ${kind} at input ${i}: ${message.split('\n')[0].slice(0, 200)}\n`);
  };
  // A death or memory bound cannot be pinned on one input: every input in flight or just done is kept.
  const saveAll = (kind: string, message: string) => {
    const all = new Map<number, FuzzInput>([...recent, ...inFlight]);
    crashes++;
    const log = new CrashLog(path.join(o.crashes.dir, `${t.name}-${kind}-${Date.now()}`), o.seed, Infinity);
    for (const [i, x] of all) log.save(t.name, kind, i, x, message);
    o.crashes.save(t.name, kind, [...all.keys()][0] ?? 0, { bytes: new Uint8Array(0), flags: { candidates: log.saved } }, message);
    process.stderr.write(`fuzz: ${t.name}: ${kind}: ${message.slice(0, 300)} (${all.size} candidate inputs saved)\n`);
  };
  const catcher = {
    inProcess: !t.usesNode,
    fn: ((kind, e) => {
      if (kind === 'unhandled-rejection') unhandled++;
      saveAll(kind, e instanceof Error ? (e.stack ?? e.message) : String(e));
    }) as Catch,
  };
  catchers.push(catcher);
  const node = t.usesNode ? o.node : undefined;
  if (node?.pid) resetPeakRss(node.pid);
  let sampling = true;
  const sampler = (async () => {
    while (sampling && node) {
      if (node.pid && !node.dead) {
        peak = Math.max(peak, peakRss(node.pid));
        const now = rss(node.pid);
        if (now > o.rssBound && !rssFlagged) {
          rssFlagged = true;
          saveAll('rss', `node RSS ${now} bytes above the bound of ${o.rssBound}`);
          await node.restart();
          resetPeakRss(node.pid);
          rssFlagged = false;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  await t.setup?.();
  let next = o.from;
  const end = o.from + o.n;
  await Promise.all(
    Array.from({ length: t.concurrency }, async () => {
      while (next < end) {
        const i = next++;
        const x = t.make(rngFor(o.seed, t.name, i), i);
        inFlight.set(i, x);
        try {
          await t.send(x, i);
        } catch (e) {
          if (e instanceof Finding) record(e.kind, i, x, e.message);
          else if (harnessErrors++ < 3) process.stderr.write(`fuzz: ${t.name}: the harness failed on input ${i} (not counted as a crash): ${(e as Error)?.stack ?? e}\n`);
        } finally {
          inFlight.delete(i);
          recent.push([i, x]);
          if (recent.length > 2 * t.concurrency) recent.shift();
        }
        if (node?.dead && !handlingDeath) {
          handlingDeath = true;
          saveAll('node-died', `the node process died while these inputs were in flight or just done; its stderr ends: ${node.node?.stderr().slice(-2000)}`);
          await node.restart();
          handlingDeath = false;
        } else if (node?.dead) await node.restart();
      }
    }),
  );
  await t.teardown?.();
  sampling = false;
  await sampler;
  if (node?.pid) peak = Math.max(peak, peakRss(node.pid));
  catchers.splice(catchers.indexOf(catcher), 1);
  return { target: t.name, inputs: o.n, crashes, unhandledRejections: unhandled, peakRssBytes: node ? peak : process.memoryUsage().rss, seconds: Math.round((performance.now() - t0) / 100) / 10, ...t.extra?.(), ...(harnessErrors ? { harnessErrors } : {}), findings: o.crashes.of(t.name) };
}

