/**
 * A company network of real node processes for tests: keys, a member list signed by a fresh
 * network key, one chain, and every node reachable only through its relay on a switchboard.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { tmpDir, cleanup } from './tmp.js';
import { startNode, cli, stopChildren, type RunningNode } from './children.js';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { writeKeyFile } from '../src/io/keyfile.js';
import { toHex } from '../src/codec/bytes.js';
import { Switchboard } from './switchboard.js';

/** Fails instead of hanging when an awaited event never comes. */
export function within<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)))]).finally(() => clearTimeout(t));
}

/** Polls `check` every 100 ms until it holds; throws after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}`);
}

export class Cluster {
  /** `relay: false` links the nodes directly (benchmarks): no switchboard in between. */
  constructor(private readonly opts: { relay?: boolean } = {}) {}
  readonly dir = tmpDir('urchain-net-');
  readonly keys: Record<string, KeyPair> = {};
  readonly nodes: Record<string, RunningNode> = {};
  readonly sb = new Switchboard();
  readonly members = path.join(this.dir, 'members.json');
  readonly genesis = path.join(this.dir, 'genesis.json');
  private networkKey = path.join(this.dir, 'network.key');

  /** Makes a key for each name and admits them to the network with `role`. */
  async admit(role: string, ...names: string[]): Promise<void> {
    if (!fs.existsSync(this.networkKey)) assert.is((await cli(['keygen', '--network', '--out', this.networkKey])).code, 0);
    for (const n of names) {
      fs.mkdirSync(path.join(this.dir, n), { recursive: true });
      this.keys[n] = generateKeyPair();
      writeKeyFile(path.join(this.dir, n, 'node.key'), this.keys[n]);
    }
    const r = await cli(['member', 'add', ...names.map((n) => toHex(this.keys[n].publicKey)), '--role', role, '--network-key', this.networkKey, '--members', this.members]);
    assert.is(r.code, 0, r.stderr);
  }

  /** Creates the chain in `name`'s folder (`urchain init` with `args`) and keeps its parameters. */
  async init(name: string, args: string[]): Promise<void> {
    const r = await cli(['init', '--data', path.join(this.dir, name), ...args]);
    assert.is(r.code, 0, r.stderr);
    fs.writeFileSync(this.genesis, JSON.stringify(r.json.params));
  }

  /** Starts a node whose peers reach it only through its relay on the switchboard. */
  async start(name: string, type: string, extra: string[] = []): Promise<RunningNode> {
    const relayed = this.opts.relay !== false;
    const relay = relayed ? ['--advertise', await this.sb.relay(name, toHex(this.keys[name].publicKey))] : [];
    const n = await startNode(path.join(this.dir, name), ['--type', type, '--listen', '127.0.0.1:0', ...relay, '--members', this.members, '--genesis', this.genesis, '--links', '4', ...extra]);
    if (relayed) this.sb.target(name, (await this.status(n)).listen);
    this.nodes[name] = n;
    return n;
  }

  async stop(name: string): Promise<void> {
    await this.nodes[name].stop();
    delete this.nodes[name];
  }

  status = (n: RunningNode | string) => fetch(`${this.node(n).url}/v1/status`).then((r) => r.json());
  peers = (n: RunningNode | string) => fetch(`${this.node(n).url}/v1/peers`).then((r) => r.json());
  private node = (n: RunningNode | string) => (typeof n === 'string' ? this.nodes[n] : n);

  /** Sends a record to `name`'s API and returns its receipt. */
  async send(name: string, text: string, product?: string): Promise<{ txId: string }> {
    const r = await cli(['ingest', 'send', '-', '--node', this.nodes[name].url, ...(product ? ['--product', product] : [])], text);
    assert.is(r.code, 0, r.stderr);
    return r.json;
  }

  /** Waits until the transaction is in a canonical block on each named node. */
  async inBlockEverywhere(txId: string, names: string[], ms?: number): Promise<void> {
    await Promise.all(names.map((n) => this.nodes[n].included(txId, ms)));
  }

  /**
   * Stops every node (SIGKILL after a grace period), the switchboard, and removes the folders,
   * its own by name too: a cluster made when its test file loads has its folder registered
   * before the other files run, and the first of them to clean up removed it, after which its
   * nodes made it again, unregistered (4 folders left in /tmp by each run of the suite).
   */
  async close(): Promise<void> {
    try {
      await stopChildren(Object.values(this.nodes).map((n) => n.proc));
      await this.sb.close();
    } finally {
      cleanup();
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
