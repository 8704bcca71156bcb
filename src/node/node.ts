/**
 * @module node/node
 * The composition root: `UrchainNode.start({...})` opens the store, creates or loads the chain,
 * and wires intake, pool, block tree, producer, query, HTTP API and folder watcher by node type.
 * `close()` stops them in reverse order; a record in flight is either committed or refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import type { Store, IngestWrite } from '../store/types.js';
import { consensusFor } from '../consensus/index.js';
import { BlockTree, type AddOutcome } from '../ledger/blocktree.js';
import { chainIdOf, type ChainParams } from '../chain/params.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { toHex, fromHex, equal } from '../codec/bytes.js';
import { Intake, DEFAULT_MAX_PAYLOAD } from './intake.js';
import { Pool } from './pool.js';
import { Producer, sealsBlocks } from './producer.js';
import { Query } from './query.js';
import { createApi, bodyBudget } from './api.js';
import { Telemetry } from './telemetry.js';
import { parseHostPort } from '../io/hostPort.js';
import { listen, closeServer } from '../io/listen.js';
import { checkExposure } from './apiGuard.js';
import { isAuthority, makePrivateDir, type InitOptions } from './init.js';
import { openNodeStore, undoFreshChain } from './nodeStore.js';
import { nodeRole, type NodeRole, type NodeType } from '../contracts/roles.js';
import type { NodeEvent } from '../contracts/events.js';
import { FolderWatcher } from '../ingest/watch.js';
import { ProfichainServer } from '../ingest/profichain/server.js';
import { Network, DEFAULT_LINKS } from '../net/network.js';
import { trustListFor } from './trust.js';
import { checkMembers, readMembersFile, writeMembersFile, type MemberList } from '../net/members.js';
import type { SignedHeader } from '../chain/header.js';
import { UrchainError } from '../errors.js';
import { FolderLock, refuseHalfRestored } from './lock.js';
import { CheckpointSigner, signedStateFile } from './tlog.js';

export interface NodeOptions {
  dataDir: string;
  /** `postgres://USER@HOST:PORT/DB`: keep the chain there instead of LMDB in dataDir (store/open.ts). */
  store?: string;
  type?: NodeType;
  api?: string | false;
  /** Bearer token the API requires (needed when `api` is not a loopback address; see node/apiGuard). */
  apiToken?: string;
  graphql?: import('./graphql/http.js').GraphqlOptions; // GraphQL at /graphql with these limits (node/graphql); off when absent
  /** HOST:PORT for the Profichain TCP server (off when absent). */
  profichain?: string;
  /** HOST:PORT for peer links of this network (WebSocket). */
  listen?: string;
  /** HOST:PORT peers should dial to reach this node (default: the --listen address). */
  advertise?: string;
  /** HOST:PORT of seed nodes to bootstrap from. */
  seeds?: string[];
  /** Live peer links to hold (default 8). */
  links?: number;
  /** A member list file (urchain member add); the newest one seen is kept in DATA/members.json. */
  members?: string;
  watch?: { dir: string; include?: string };
  blockTime?: number;
  maxPayload?: number;
  init?: Omit<InitOptions, 'dataDir'>;
  /** Per-record detail (for `node run --json`): one `record` event per transaction taken in, and each block event lists its txIds. */
  recordEvents?: boolean;
  onEvent?: (e: NodeEvent) => void;
  /** Called with the node's public key as soon as it is loaded (before any event), e.g. to name log lines. */
  onKey?: (publicKey: Uint8Array) => void;
}

export const DEFAULT_API = '127.0.0.1:7400';
/** How long a failed start waits for its parts to close before it reports the failure anyway. */
const FAILED_START_CLEANUP_MS = 800;

export class UrchainNode {
  apiUrl?: string;
  private api?: http.Server;
  private watcher?: FolderWatcher;
  private profichain?: ProfichainServer;
  private producer?: Producer;
  network?: Network;
  private memberList?: MemberList;
  /** Set once every part is up: until then nothing is persisted that a failed start would leave. */
  private started = false;
  private closing = false;
  /** Signs GET /checkpoint, never two inconsistent ones (node/tlog); state in DATA/tlog even on PostgreSQL. */
  private readonly checkpoints: CheckpointSigner;
  /** Metrics (GET /metrics) and health checks (GET /v1/health). */
  readonly telemetry: Telemetry;
  private constructor(
    readonly opts: NodeOptions,
    readonly role: NodeRole,
    readonly key: KeyPair,
    readonly store: Store,
    readonly params: ChainParams,
    readonly tree: BlockTree,
    readonly pool: Pool,
    readonly intake: Intake,
    readonly query: Query,
    private readonly lock: FolderLock,
  ) {
    this.checkpoints = new CheckpointSigner(signedStateFile(opts.dataDir));
    this.telemetry = this.makeTelemetry();
  }

  static async start(opts: NodeOptions): Promise<UrchainNode> {
    const role = nodeRole(opts.type ?? 'full');
    if (opts.api !== false) checkExposure(parseHostPort(opts.api ?? DEFAULT_API).host, opts.apiToken);
    makePrivateDir(opts.dataDir);
    const lock = FolderLock.take(opts.dataDir);
    let fresh = false;
    let store: Store | undefined;
    let nodeRef: UrchainNode | undefined;
    try {
      refuseHalfRestored(opts.dataDir);
      const { key, params, store: opened } = await openNodeStore(opts, (s) => (store = s), (f) => (fresh = f));
      store = opened;
      const consensus = consensusFor(params);
      const tree = new BlockTree(opened, consensus, params);
      const pool = new Pool(opened.pending(), () => opened.pending());
      tree.afterMove = (move) => pool.applyInTurns(move); // before the add resolves: blocks are made and checked on a pool that follows
      const intake = new Intake({
        store: opened,
        key,
        chainId: chainIdOf(params),
        role,
        maxPayload: opts.maxPayload ?? DEFAULT_MAX_PAYLOAD,
        onCommitted: (ids, write) => {
          nodeRef?.telemetry.committed(ids.length); // before pool.add: it notes an empty pool filling
          pool.add(ids);
          nodeRef?.network?.announceBatch(write as IngestWrite);
          if (opts.recordEvents) for (const id of ids) opts.onEvent?.({ event: 'record', txId: toHex(id) });
        },
      });
      const node = new UrchainNode(opts, role, key, opened, params, tree, pool, intake, new Query(opened), lock);
      nodeRef = node;
      await node.wire();
      return node;
    } catch (e) {
      // Close every listener and the store before the error goes up, so the caller can exit;
      // a folder this start created is removed again if nothing was taken in. The lock stays
      // until the process exits (module node/lock). A cleanup that hangs does not hold the
      // error back: the caller hears of the failure within a second either way.
      const cleanup = (async () => {
        if (nodeRef) await nodeRef.shutdown();
        else await store?.close();
        if (fresh) await undoFreshChain(opts);
      })().then(
        () => lock.keepUntilExit(),
        () => undefined, // the start error is the one to report; the folder stays locked
      );
      await Promise.race([cleanup, new Promise((r) => setTimeout(r, FAILED_START_CLEANUP_MS).unref())]);
      throw e;
    }
  }

  private emit(e: NodeEvent) {
    this.telemetry.event(e);
    this.opts.onEvent?.(e);
  }

  private makeTelemetry(): Telemetry {
    const t = new Telemetry({
      dataDir: this.opts.dataDir,
      store: this.store,
      pool: this.pool,
      blockTime: this.opts.blockTime ?? this.params.blockTime,
      produces: () => !!this.producer,
      closing: () => this.closing,
      network: () => this.network?.status(),
      profichain: () => this.profichain,
      apiBuffered: () => (this.api ? bodyBudget(this.api)?.used : undefined),
      labels: { type: this.role.type, consensus: this.params.consensus, node: toHex(this.key.publicKey).slice(0, 8) },
    });
    t.watchStore(this.store);
    return t;
  }

  private async wire() {
    const { opts } = this;
    if (sealsBlocks(this.role, this.params, this.key.publicKey)) {
      this.producer = new Producer(
        this.tree,
        this.pool,
        this.key,
        opts.blockTime ?? this.params.blockTime,
        (out) => {
          const made = out[0] && this.store.getBlock(out[0].hash);
          if (made) this.telemetry.produced(made.signed.header.timestamp);
          this.onBlocks(out);
          this.network?.announceBlocks(out);
        },
        (e) => this.emit({ event: 'error', where: 'producer', message: e.message }),
        this.params.consensus === 'poa' && this.params.threshold > 1 ? (signed, txIds) => this.countersigned(signed, txIds) : undefined,
      );
    }
    if (opts.listen || opts.seeds?.length) await this.startNetwork();
    if (opts.api !== false) {
      const { host, port } = parseHostPort(opts.api ?? DEFAULT_API);
      const net = this.network;
      this.api = createApi({
        intake: this.intake,
        query: this.query,
        status: () => this.status(),
        maxBody: this.intake.maxPayload,
        host,
        token: opts.apiToken,
        graphql: opts.graphql,
        onError: (e) => this.emit({ event: 'error', where: 'api', message: e.stack ?? e.message }),
        peers: net ? () => net.status() : undefined,
        health: () => this.telemetry.health(),
        metrics: () => this.telemetry.registry.render(),
        checkpoint: (depth) => this.checkpoints.sign(this.store, this.key, depth),
        onAnswered: (route, status) => this.telemetry.answered(route, status),
        trust: () => trustListFor(this.params, this.key.publicKey, this.memberList),
        fetchPayload: net ? (id) => net.fetchPayload(fromHex(id.toLowerCase(), 32, 'transaction id')) : undefined,
      });
      this.apiUrl = `http://${await listen(this.api, { host, port }, '--api')}`;
    }
    if (opts.profichain) {
      this.profichain = await ProfichainServer.start({
        listen: parseHostPort(opts.profichain, '--profichain'),
        intake: this.intake,
        key: this.key,
        chainId: this.tree.chainId,
        maxPayload: this.intake.maxPayload,
        onError: (peer, e) => this.emit({ event: 'error', where: 'profichain', peer, message: e.message }),
      });
    }
    if (opts.watch) {
      this.watcher = new FolderWatcher({
        dir: opts.watch.dir,
        include: opts.watch.include,
        maxFileBytes: this.intake.maxPayload,
        submit: (r) => this.intake.submit(r),
        onFile: (f) => this.emit({ event: 'file', file: f.file, movedTo: f.movedTo, txId: f.receipt.txId, duplicate: f.receipt.duplicate ?? false }),
        onError: (file, e) => this.emit({ event: 'error', where: 'watch', file, message: e.message }),
      });
      this.watcher.start();
    }
    this.producer?.start(); // blocks are made only once everything is up: a start that fails makes none
    this.persistMembers();
    this.started = true;
    this.emit({ event: 'started', ...this.status() });
  }

  /** Serial of the list loadMembers found in DATA/members.json (-1: none), so it is read once. */
  private keptSerial = -1;

  private get keptMembers(): string {
    return path.join(this.opts.dataDir, 'members.json');
  }

  /**
   * The member list: the newest of DATA/members.json and --members, same network key. It is
   * written to DATA/members.json only once the node has started (persistMembers).
   */
  private loadMembers(): MemberList | undefined {
    const kept = this.keptMembers;
    const current = fs.existsSync(kept) ? readMembersFile(kept) : undefined;
    this.keptSerial = current?.serial ?? -1;
    if (!this.opts.members) return current;
    const given = readMembersFile(this.opts.members);
    if (current && !equal(current.networkKey, given.networkKey))
      throw UrchainError.FORBIDDEN(`${this.opts.members} is signed by another membership key than ${kept}; a node belongs to one network`);
    return !current || given.serial > current.serial ? given : current;
  }

  /** Keeps the member list in use in DATA/members.json when it is newer than the one there. */
  private persistMembers() {
    const l = this.memberList;
    if (l && l.serial > this.keptSerial) writeMembersFile(this.keptMembers, l, { mode: 0o600 });
  }

  private adoptMembers(l: MemberList): boolean {
    const cur = this.memberList;
    if (cur && (!equal(cur.networkKey, l.networkKey) || l.serial <= cur.serial)) return false;
    checkMembers(l, cur?.networkKey);
    if (this.started) writeMembersFile(this.keptMembers, l, { mode: 0o600 }); // else persistMembers does, once started
    this.memberList = l;
    // A key the new list leaves out loses its link at once.
    for (const link of this.network?.links.values() ?? []) if (link.hello && !l.members.some((m) => equal(m.key, link.hello!.nodeKey))) link.close('revoked');
    return true;
  }

  private async startNetwork() {
    this.memberList = this.loadMembers();
    if (!this.memberList)
      throw UrchainError.BAD_INPUT('peer links need a member list: make one with `urchain member add KEY --role ROLE --membership-key FILE --members FILE` and pass --members FILE');
    if (!this.memberList.members.some((m) => equal(m.key, this.key.publicKey)))
      throw UrchainError.FORBIDDEN(`this node's key ${toHex(this.key.publicKey).slice(0, 16)}… is not on the member list; add it with \`urchain member add\``);
    this.network = new Network({
      key: this.key,
      role: this.role,
      store: this.store,
      tree: this.tree,
      pool: this.pool,
      listen: this.opts.listen ? parseHostPort(this.opts.listen, '--listen') : undefined,
      advertise: this.opts.advertise ? (parseHostPort(this.opts.advertise, '--advertise'), this.opts.advertise) : undefined,
      seeds: (this.opts.seeds ?? []).map((s) => {
        parseHostPort(s, '--seed');
        return s;
      }),
      maxLinks: this.opts.links ?? DEFAULT_LINKS,
      members: () => this.memberList,
      adoptMembers: (l) => this.adoptMembers(l),
      onBlocks: (out) => this.onBlocks(out),
      countersigns: this.params.consensus === 'poa' && isAuthority(this.params, this.key.publicKey),
      onEvent: (e) => this.emit(e as NodeEvent),
    });
    await this.network.start();
  }

  /** PoA with k > 1: the other authorities' signatures, gathered over the peer links. */
  private countersigned(signed: SignedHeader, txIds: Uint8Array[]): Promise<SignedHeader> {
    if (!this.network)
      throw UrchainError.UNAVAILABLE(`this chain needs ${this.params.threshold} authority signatures per block; link this node to the other authorities (--listen/--seed)`);
    const blockTime = this.opts.blockTime ?? this.params.blockTime;
    return this.network.collectSignatures(signed, txIds, Math.min(10_000, Math.max(2000, 2 * blockTime)));
  }

  private onBlocks(out: AddOutcome[]) {
    for (const o of out) {
      if (o.move) {
        if (o.move.disconnect.length) this.emit({ event: 'reorg', dropped: o.move.disconnect.length, repending: o.move.repending.length });
        for (const c of o.move.connect)
          this.emit({ event: 'block', height: c.height, hash: toHex(c.hash), txCount: c.txIds.length, ...(this.opts.recordEvents ? { txIds: c.txIds.map(toHex) } : {}), pending: this.pool.size });
      }
    }
  }

  get profichainAddress(): string | undefined {
    return this.profichain?.address;
  }

  /** Produces a block now (tests, `--block-time 0`-style manual use). */
  async produceNow(): Promise<AddOutcome[] | undefined> {
    return this.producer?.tick();
  }

  status() {
    const head = this.store.head()!;
    const hb = this.store.getBlock(head.hash)!;
    return {
      chainId: toHex(this.tree.chainId),
      chain: this.params.name,
      consensus: this.params.consensus,
      type: this.role.type,
      publicKey: toHex(this.key.publicKey),
      producing: !!this.producer,
      height: head.height,
      head: toHex(head.hash),
      headTime: new Date(hb.signed.header.timestamp).toISOString(),
      pending: this.pool.size,
      api: this.apiUrl ?? null,
      profichain: this.profichain?.address ?? null,
      listen: this.network?.listenAddress || null,
      links: this.network?.links.size ?? null,
      dataDir: path.resolve(this.opts.dataDir),
    };
  }

  /** Stops the node and frees its data folder. */
  async close(): Promise<void> {
    await this.shutdown();
    this.lock.release();
    this.emit({ event: 'stopped' });
  }

  /**
   * Stops every part that was started, in reverse order, also after a start that failed half
   * way: each part is stopped even when another fails, and the first failure is reported.
   */
  private async shutdown(): Promise<void> {
    this.closing = true;
    let first: unknown;
    const step = async (f: () => Promise<unknown> | unknown) => {
      try {
        await f();
      } catch (e) {
        first ??= e;
      }
    };
    await step(() => this.watcher?.close());
    await step(() => this.profichain?.close());
    await step(async () => {
      if (!this.api) return;
      this.api.closeAllConnections?.();
      await closeServer(this.api);
    });
    await step(() => this.intake.close());
    await step(() => this.producer?.stop());
    await step(() => this.network?.close());
    await step(() => this.tree.idle()); // a block being added (in slices) is stored before the store closes
    await step(() => this.store.close());
    if (first) throw first;
  }
}
