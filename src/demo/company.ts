/**
 * @module demo/company
 * One company of the demo: its own network (a fresh membership key and member list), its own
 * proof-of-authority chain produced by a full node, and one thin node per station that links to
 * the full node over the network layer (WebSocket, mutual handshake) and takes the station's
 * records in. Every node runs in this process through the node library (`UrchainNode`), each with
 * its own data folder and its own 127.0.0.1 port-0 listeners: on a 2-core machine, eight Node
 * processes (each with its own heap and start-up) would cost far more than the work they do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UrchainNode } from '../node/node.js';
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.js';
import { writeKeyFile } from '../io/keyfile.js';
import { signMembers, writeMembersFile } from '../net/members.js';
import { toHex } from '../codec/bytes.js';
import { UrchainError } from '../errors.js';
import type { NodeEvent } from '../contracts/events.js';

export interface Company {
  readonly name: string;
  readonly dir: string;
  readonly full: UrchainNode;
  /** The station's thin node, by station name. */
  readonly thin: Record<string, UrchainNode>;
  /** The chain key: the full node's key, the chain's one authority. */
  readonly key: KeyPair;
  readonly keyFile: string;
  /** Resolves once every transaction id is in a block of the full node's chain. */
  inBlocks(txIds: readonly string[], what: string): Promise<void>;
  blocks(): number;
  close(): Promise<void>;
}

export interface CompanyOptions {
  dir: string;
  name: string;
  stations: readonly string[];
  blockTimeMs: number;
  onEvent?: (node: string, e: NodeEvent) => void;
  /** A wait for blocks or links fails after this long (ms). */
  timeoutMs?: number;
}

export async function startCompany(o: CompanyOptions): Promise<Company> {
  const dir = path.join(o.dir, o.name);
  fs.mkdirSync(dir, { recursive: true });
  const names = ['full', ...o.stations];
  const keys = Object.fromEntries(names.map((n) => [n, generateKeyPair()]));
  for (const n of names) {
    fs.mkdirSync(path.join(dir, n), { recursive: true, mode: 0o700 });
    writeKeyFile(path.join(dir, n, 'node.key'), keys[n]);
  }
  // The company's offline membership key: it admits the full node and each station's thin node.
  const networkKey = generateKeyPair();
  const members = path.join(dir, 'members.json');
  writeMembersFile(members, signMembers(networkKey, 1, names.map((n) => ({ key: keys[n].publicKey, role: n === 'full' ? 'full' : 'thin' }))));

  const timeoutMs = o.timeoutMs ?? 30_000;
  const included = new Set<string>();
  const waiters = new Set<() => void>();
  let height = 0;
  const started: UrchainNode[] = [];
  const linked: Record<string, Promise<void>> = {};
  const linkedNow: Record<string, () => void> = {};
  for (const s of o.stations) linked[s] = new Promise<void>((r) => (linkedNow[s] = r));
  const events = (node: string) => (e: NodeEvent) => {
    if (node === 'full' && e.event === 'block') {
      height = Math.max(height, Number(e.height));
      for (const id of (e.txIds as string[] | undefined) ?? []) included.add(id);
      for (const w of [...waiters]) w();
    }
    if (e.event === 'link' && linkedNow[node]) linkedNow[node]();
    o.onEvent?.(node, e);
  };
  const close = async () => {
    // Thin nodes first, then the producer: each closes its listeners and store (node/node close()).
    for (const n of started.reverse()) await n.close().catch(() => {});
  };
  try {
    const full = await UrchainNode.start({
      dataDir: path.join(dir, 'full'),
      type: 'full',
      api: '127.0.0.1:0',
      listen: '127.0.0.1:0',
      members,
      blockTime: o.blockTimeMs,
      init: { name: o.name, blockTime: o.blockTimeMs },
      recordEvents: true,
      onEvent: events('full'),
    });
    started.push(full);
    const seed = full.network!.listenAddress;
    const thin: Record<string, UrchainNode> = {};
    for (const s of o.stations) {
      thin[s] = await UrchainNode.start({
        dataDir: path.join(dir, s),
        type: 'thin',
        api: '127.0.0.1:0',
        seeds: [seed],
        members,
        blockTime: o.blockTimeMs,
        init: { params: full.params },
        onEvent: events(s),
      });
      started.push(thin[s]);
    }
    await within(Promise.all(o.stations.map((s) => linked[s])), `${o.name}: station nodes linking to the full node`, timeoutMs);
    const keyFile = path.join(dir, 'full', 'node.key');
    return {
      name: o.name,
      dir,
      full,
      thin,
      key: keys.full,
      keyFile,
      blocks: () => height,
      inBlocks(txIds, what) {
        const done = () => txIds.every((t) => included.has(t));
        if (done()) return Promise.resolve();
        let w!: () => void;
        const p = new Promise<void>((resolve) => {
          w = () => done() && resolve();
          waiters.add(w);
        });
        return within(p, `${o.name}: ${what} in a block`, timeoutMs).finally(() => waiters.delete(w));
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** `p`, or TIMEOUT naming `what` after `ms`: a demo that waits forever helps nobody. */
export function within<T>(p: Promise<T>, what: string, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, j) => {
    t = setTimeout(() => j(UrchainError.TIMEOUT(`timed out after ${ms} ms waiting for ${what}`)), ms);
    t.unref(); // a wait given up on (the demo was stopped) must not hold the process open
  });
  return Promise.race([p, late]).finally(() => clearTimeout(t));
}

export const hexKey = (k: KeyPair) => toHex(k.publicKey);
