/**
 * @module node/telemetry
 * What the node tells a supervisor about itself: the metrics of GET /metrics (io/metrics) and
 * the checks of GET /v1/health. Counting sits on paths the node takes anyway and costs a number
 * added per commit (not per record) and one histogram bucket search per commit; everything that
 * exists elsewhere already (pending pool, head, links, bans, store size) is read at scrape time.
 *
 * Health:
 *   store      the last commit of records or of a block did not fail (a full disk, an I/O error);
 *              cleared by the next commit that succeeds. Reads keep working either way.
 *   sync       networked nodes: the own head is within SYNC_TOLERANCE blocks of the highest head
 *              a linked peer reported. A node without links is not "behind" anyone.
 *   producing  a node that makes blocks and holds pending records has seen a block (its own or
 *              another authority's) within STALL_BLOCK_TIMES block times (plus a grace) of the
 *              records arriving or of the last block.
 * Ready = store and sync hold and the node is not shutting down (it can take records in and
 * answers current data); a producer that stalls is "degraded", still ready: the records it
 * holds are durable, and a restart would not bring the missing authorities back.
 */
import fs from 'node:fs';
import { Registry, type Counter, type Histogram } from '../io/metrics.js';
import type { Store } from '../store/types.js';
import type { Pool } from './pool.js';
import type { NodeEvent } from '../contracts/events.js';

/** Blocks a networked node may be behind its best linked peer and still count as synced. */
export const SYNC_TOLERANCE = 2;
/** Block times a producer may hold pending records without any block before it is "stalled". */
export const STALL_BLOCK_TIMES = 3;
/** Added to the stall limit: sealing and gathering signatures take time of their own. */
export const STALL_GRACE_MS = 2000;

/** Commit latency buckets, seconds: group commits take a sync each, from under 1 ms to seconds on a slow disk. */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Block production buckets, seconds: from the header's timestamp to the block on disk. */
const PRODUCTION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type HealthStatus = 'ok' | 'degraded' | 'failing';
export interface Health {
  status: HealthStatus;
  live: true;
  ready: boolean;
  checks: {
    store: { ok: boolean; freeBytes?: number; error?: string; since?: string };
    sync: { ok: boolean; networked: boolean; head: number; bestPeerHeight?: number; links?: number; tolerance?: number };
    producing: { ok: boolean; produces: boolean; pending: number; waitingSeconds?: number; limitSeconds?: number };
  };
}

/** What telemetry reads from the node at scrape or probe time. */
export interface TelemetrySource {
  dataDir: string;
  store: Store;
  pool: Pool;
  /** Milliseconds between blocks this node aims at. */
  blockTime: number;
  produces: () => boolean;
  closing: () => boolean;
  /** Networked nodes: what GET /v1/peers shows (own height, highest head of a linked peer, links, peers, bans). */
  network: () => { sync: { height: number; target: number }; links: unknown[]; peers: unknown[]; banned: unknown[] } | undefined;
  /** The Profichain server, when it runs: open connections, and connections accepted so far. */
  profichain: () => { stats(): { connections: number }; connections: number } | undefined;
  /** Bytes of request bodies the API holds right now. */
  apiBuffered: () => number | undefined;
  labels: { type: string; consensus: string; node: string };
}

export class Telemetry {
  readonly registry = new Registry();
  readonly records: Counter;
  private readonly commits: Histogram;
  private readonly blockCommits: Histogram;
  private readonly commitFailures: Counter;
  private readonly production: Histogram;
  private readonly blocks: Counter;
  private readonly reorgs: Counter;
  private readonly penalties: Counter;
  private readonly requests: Counter;
  /** The request counter per "route status", so an answered request costs one map lookup. */
  private readonly requestCounts = new Map<string, { inc(n?: number): void }>();
  /** The last failed commit, until one succeeds again. */
  private storeFailure?: { at: number; message: string };
  /** When the producer last made progress: records arrived on an empty pool, or a block joined. */
  private progressAt = Date.now();

  constructor(private readonly src: TelemetrySource) {
    const r = this.registry;
    const { store, pool } = src;
    r.gauge('urchain_node_info', 'The node: its type, consensus and key prefix (always 1).', () => [[src.labels, 1]]);
    this.records = r.counter('urchain_records_ingested_total', 'Records taken in and durably committed by this node (HTTP, batch, Profichain, watched folders).');
    // Two histograms rather than one with a label: record commits are the hot path, and some
    // parsers (parse-prometheus-text-format) merge the series of a labelled histogram.
    this.commits = r.histogram('urchain_commit_duration_seconds', 'Durable commits of records (one group commit: a batch signature and one synced LMDB transaction), in seconds.', COMMIT_BUCKETS);
    this.blockCommits = r.histogram('urchain_block_commit_duration_seconds', 'Durable commits of blocks to the store, in seconds.', COMMIT_BUCKETS);
    this.commitFailures = r.counter('urchain_commit_failures_total', 'Store commits that failed (a full disk, an I/O error); nothing of them was written.');
    for (const what of ['records', 'block']) this.commitFailures.labels({ what }); // present from the first scrape
    r.gauge('urchain_pending_records', 'Records durable but not yet in a block of the canonical chain.', () => pool.size);
    r.gauge('urchain_head_height', 'Height of the head of the canonical chain.', () => store.head()?.height);
    r.gauge('urchain_head_timestamp_seconds', "The head block's timestamp, seconds since the Unix epoch.", () => {
      const h = store.head();
      const b = h && store.getBlock(h.hash);
      return b ? b.signed.header.timestamp / 1000 : undefined;
    });
    this.blocks = r.counter('urchain_blocks_connected_total', 'Blocks that joined the canonical chain (made here or received).');
    this.reorgs = r.counter('urchain_reorgs_total', 'Moves of the head to a heavier branch.');
    this.production = r.histogram('urchain_block_production_seconds', "Blocks this node made: seconds from the header's timestamp to the block durable in the store (sealing, countersignatures, commit).", PRODUCTION_BUCKETS);
    r.gauge('urchain_peer_links', 'Live peer links.', () => src.network()?.links.length);
    r.gauge('urchain_peers_known', 'Peers in the peer table.', () => src.network()?.peers.length);
    r.gauge('urchain_peers_banned', 'Peer keys banned right now.', () => src.network()?.banned.length);
    this.penalties = r.counter('urchain_peer_penalties_total', 'Points-costing bad messages from peers (bad-peer events).');
    r.gauge('urchain_sync_target_height', 'Highest head a linked peer reported (the own head when none is higher).', () => src.network()?.sync.target);
    r.gauge('urchain_profichain_connections', 'Open Profichain connections.', () => src.profichain()?.stats().connections);
    r.counterOf('urchain_profichain_connections_total', 'Profichain connections accepted.', () => src.profichain()?.connections);
    r.gauge('urchain_store_bytes', 'Bytes the store takes on disk (LMDB data and lock file).', () => store.size());
    r.gauge('urchain_store_free_bytes', 'Bytes free to an unprivileged user on the file system of the data folder.', () => freeBytes(src.dataDir));
    this.requests = r.counter('urchain_api_requests_total', 'HTTP API requests answered, by route (arguments left out) and status code.', { labelled: true });
    r.gauge('urchain_api_buffered_bytes', 'Bytes of request bodies the HTTP API holds right now.', () => src.apiBuffered());
    r.processMetrics();
  }

  /**
   * Times the store's commits and notes failures. It wraps the two commit methods of this store
   * object, so the intake's group commits and the block tree's block commits (which hold the
   * same object) are measured where they happen, with no hook in either.
   */
  watchStore(store: Store): void {
    const timed = <W>(what: string, hist: Histogram, commit: (w: W) => Promise<void>) => {
      const failed = this.commitFailures.labels({ what });
      return async (w: W) => {
        const t0 = performance.now();
        try {
          await commit(w);
        } catch (e) {
          failed.inc();
          this.storeFailure = { at: Date.now(), message: (e as Error).message };
          throw e;
        }
        hist.observe((performance.now() - t0) / 1000);
        this.storeFailure = undefined;
      };
    };
    store.commitIngest = timed('records', this.commits, store.commitIngest.bind(store));
    store.commitBlock = timed('block', this.blockCommits, store.commitBlock.bind(store));
  }

  /** An API request was answered. */
  answered(route: string, status: number): void {
    const k = `${route} ${status}`;
    let c = this.requestCounts.get(k);
    if (!c) this.requestCounts.set(k, (c = this.requests.labels({ route, code: String(status) })));
    c.inc();
  }

  /** Records durably committed; call before they join the pool (its size tells whether it was empty). */
  committed(n: number): void {
    this.records.inc(n);
    if (this.src.pool.size === 0) this.progressAt = Date.now();
  }

  /** A block this node made is stored: its header's timestamp says when it was begun. */
  produced(headerTimestamp: number): void {
    this.production.observe(Math.max(0, Date.now() - headerTimestamp) / 1000);
  }

  /** Counts what node events say (blocks, reorgs, penalties). */
  event(e: NodeEvent): void {
    if (e.event === 'block') {
      this.blocks.inc();
      this.progressAt = Date.now();
    } else if (e.event === 'reorg') this.reorgs.inc();
    else if (e.event === 'bad-peer') this.penalties.inc();
  }

  health(now = Date.now()): Health {
    const { src } = this;
    const fail = this.storeFailure;
    const store: Health['checks']['store'] = { ok: !fail && !src.closing(), freeBytes: freeBytes(src.dataDir) };
    if (fail) Object.assign(store, { error: fail.message, since: new Date(fail.at).toISOString() });
    if (src.closing()) store.error = 'the node is shutting down';

    const head = src.store.head()?.height ?? 0;
    const net = src.network();
    const sync: Health['checks']['sync'] = net
      ? { ok: net.sync.target - net.sync.height <= SYNC_TOLERANCE, networked: true, head: net.sync.height, bestPeerHeight: net.sync.target, links: net.links.length, tolerance: SYNC_TOLERANCE }
      : { ok: true, networked: false, head };

    const pending = src.pool.size;
    const produces = src.produces();
    const limit = STALL_BLOCK_TIMES * src.blockTime + STALL_GRACE_MS;
    const producing: Health['checks']['producing'] = { ok: true, produces, pending };
    if (produces && pending > 0) {
      const waited = now - this.progressAt;
      Object.assign(producing, { ok: waited <= limit, waitingSeconds: waited / 1000, limitSeconds: limit / 1000 });
    }

    const ready = store.ok && sync.ok;
    const status: HealthStatus = !ready ? 'failing' : producing.ok ? 'ok' : 'degraded';
    return { status, live: true, ready, checks: { store, sync, producing } };
  }
}

/** Free bytes for unprivileged users where the data folder lives (undefined where statfs is missing). */
function freeBytes(dir: string): number | undefined {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}
