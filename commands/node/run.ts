import { Option } from 'clipanion';
import { paramsFromJson, type ChainParamsJson } from '../../src/chain/params.js';
import { UrchainCommand, parseDuration, parseCount, parseChoice, stopSignal, humanTime } from '../base.js';
import { UrchainNode, DEFAULT_API } from '../../src/node/node.js';
import { NODE_TYPES } from '../../src/contracts/roles.js';
import { readJsonFile } from '../../src/io/jsonFile.js';
import type { NodeEvent, NodeEventName } from '../../src/contracts/events.js';
import { apiTokenFrom, TOKEN_ENV } from '../../src/node/apiGuard.js';
import { UrchainError } from '../../src/errors.js';
import { toHex } from '../../src/codec/bytes.js';
import { graphqlOptions } from '../graphql/flags.js';
import { DEFAULT_LIMITS as GQL } from '../../src/node/graphql/limits.js';
import { storeOption } from '../storeOption.js';
import { DEFAULT_HEAP_GROWTH, MAX_HEAP_GROWTH, setHeapGrowth, setPretenuring } from '../../src/io/heapGrowth.js';
import fs from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * Every event the node emits, with what it means, for the usage text and the man page. Keyed by
 * NodeEventName, so the build fails when an event is added there and not described here.
 */
const EVENTS: Record<NodeEventName, string> = {
  started: 'the node runs; its status (chain, head, addresses)',
  record: 'a record is durable (txId); only with --json or --log-level debug (one per record)',
  block: 'a block became the head (height, hash, txCount, pending; with --json also txIds, so a script can await its records, unless --events leaves out record)',
  reorg: 'the head moved to a heavier branch (dropped blocks, repending transactions)',
  file: 'a file from --watch was taken in and moved (file, movedTo, txId, duplicate)',
  error: 'a part of the node failed (where: producer, api, profichain, watch or backfill; message)',
  stopped: 'the node stopped cleanly',
  link: 'a peer link is up (peer, role, direction, address)',
  unlink: 'a peer link closed (peer, why)',
  'link-refused': 'a peer link was refused (address, direction, message)',
  'bad-peer': 'a peer lost points for a bad message (peer, points, score, why)',
  sync: 'catching up from a peer (peer, height, target)',
  synced: 'caught up with a peer (peer, height)',
  members: 'a newer member list was taken over from a peer (serial, members)',
  'peer-error': 'a peer answered a message with an error (peer, code, message)',
  'countersign-refused': 'a peer refused to countersign a block (peer, block, why)',
  'payloads-complete': 'an archive or full node holds every payload it had been missing',
  'batch-held': 'records were taken in while no peer was linked; they go out with the next link (batch, txs)',
};

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The level of each event. Keyed by NodeEventName like EVENTS, so a new event needs a level.
 * warn: something is wrong outside the node (a peer, a reorganised chain, no link) and the node
 * copes; error: a part of the node failed. `record` is info, but printed only when asked for
 * (--json, or --log-level debug), as one line per record is thousands a second under load.
 */
export const EVENT_LEVELS: Record<NodeEventName, LogLevel> = {
  error: 'error',
  'bad-peer': 'warn',
  'link-refused': 'warn',
  'peer-error': 'warn',
  'countersign-refused': 'warn',
  reorg: 'warn',
  'batch-held': 'warn',
  started: 'info',
  stopped: 'info',
  block: 'info',
  file: 'info',
  link: 'info',
  unlink: 'info',
  sync: 'info',
  synced: 'info',
  members: 'info',
  'payloads-complete': 'info',
  record: 'info',
};

/** Whether an event of level `l` is printed at `threshold`. */
export const shows = (threshold: LogLevel, l: LogLevel) => LOG_LEVELS.indexOf(l) <= LOG_LEVELS.indexOf(threshold);

/** Node names in log lines: printable, no spaces, so a line still splits into its columns. */
const NAME_RE = /^[\x21-\x7e]{1,64}$/;

export class NodeRunCommand extends UrchainCommand {
  static override paths = [['node', 'run']];
  static override streams = true;
  static override usage = UrchainCommand.Usage({
    description: 'Run a node: take records in, make blocks, answer the local API',
    details: `
      Opens (or, on an empty folder, creates) the chain in the data folder and serves the HTTP API on 127.0.0.1. A record is acknowledged only once it is durable on disk. With --watch, each file matching --include is taken in and moved to .done/ after its receipt. SIGINT or SIGTERM stop the node cleanly.

      The node reports what happens as events on stdout: one JSON line each ({"event", ..., "node", "level", "at"}) when piped or with --json, one readable line each on a terminal (TIME LEVEL NODE EVENT {fields}). Each line names the node: --name, or the first 8 hex digits of its public key, so several nodes in one terminal (or one log) can be told apart. The events, with their level:

${Object.entries(EVENTS)
  .map(([name, about]) => `      \`${name}\` (${EVENT_LEVELS[name as NodeEventName]}): ${about}.`)
  .join('\n\n')}

      --log-level error|warn|info|debug (default info) prints the events of that level and the levels above it (error above warn above info above debug); --quiet is --log-level warn. The level filters JSON lines too. \`record\` events are printed with --json, or with --log-level debug also on a terminal. Under systemd, when stdout is the journal (JOURNAL_STREAM), each line starts with its syslog priority (<3> error, <4> warn, <6> info, <7> debug), so \`journalctl -p warning\` selects by level.

      On a loopback address the API refuses requests from web pages (an Origin other than its own, or a Host that is not a loopback name). On any other address it requires a bearer token from --api-token-file, or the node refuses to start; clients send it when URCHAIN_API_TOKEN_FILE names the same file. See urchain-api(7).

      One node runs per data folder: DATA/node.pid names its process, and a start on a folder whose node still runs is refused; a lock left by kill -9 is recognised as stale. The folder is created 0700 and its files 0600; a node.key that group or others may read is refused with the chmod that fixes it. --genesis on a folder that already holds a chain must name that chain.

      With --store postgres://USER@HOST:PORT/DB the chain (blocks, records, payloads, indexes, pending records, node state) lives in that PostgreSQL database instead of DATA/chain.lmdb; the node creates its schema on first start and is the only node writing to it (a second is refused). A record is acknowledged only once its PostgreSQL transaction has committed with synchronous_commit on. The password comes from PGPASSWORD or ~/.pgpass (as libpq reads them) and is never printed. See urchain-formats(5) for the schema.

      A start that fails (an address in use, this node's key not on the member list, a member list of another network, anything else) prints one line, closes every port it had opened and exits 1 at once; its lock stays until the process is gone. It writes nothing: DATA/members.json is kept only once the node runs, and a chain it had just created in an empty folder is removed again (the node key stays, to be added to the member list).
    `,
    examples: [
      ['A full node on the defaults', '$0 node run --data ./plant-a'],
      ['Watch a folder of CSV exports, one block a second', "$0 node run --data ./plant-a --watch /srv/exports --include '*.csv' --block-time 1s"],
      ['Also take records in over Profichain (TCP)', '$0 node run --data ./plant-a --profichain 127.0.0.1:7600'],
      ['A thin node joining a network through a seed', "$0 node run --data ./gw-3 --type thin --seed 10.0.0.5:7700 --members members.json --genesis chain.json"],
      ['A full node other nodes link to', '$0 node run --data ./plant-a --listen 0.0.0.0:7700 --members members.json'],
      ['The API on the plant network, with a token (clients: URCHAIN_API_TOKEN_FILE=api.token)', '$0 node run --data ./plant-a --api 10.0.0.5:7400 --api-token-file ./api.token'],
      ['Events for a supervisor script', '$0 node run --data ./plant-a --json | jq -c "select(.event==\\"block\\")"'],
      ['Only warnings and errors, each line naming the node', '$0 node run --data ./plant-a --quiet --name plant-a'],
      ['Everything, one line per record included', '$0 node run --data ./plant-a --log-level debug'],
      ['Only what a supervisor waits for: no line per record under load', '$0 node run --data ./plant-a --json --events started,block,error'],
      ['An archive that answers GraphQL at /graphql, without introspection', '$0 node run --data ./archive --type archive --graphql --graphql-introspection false'],
      ['An archive keeping its chain in PostgreSQL (key and config stay in --data; password from ~/.pgpass)', '$0 node run --data ./archive --type archive --store postgres://urchain@db.example.com:5432/plant_a'],
    ],
  });
  data = Option.String('--data', { required: true, description: 'Data folder (created on first run)' });
  store = storeOption('Keep the chain in');
  api = Option.String('--api', DEFAULT_API, { description: `Address of the local HTTP API (default ${DEFAULT_API})` });
  apiTokenFile = Option.String('--api-token-file', {
    description: `Require this bearer token on every API request (a file, mode 0600; default $${TOKEN_ENV}); needed when --api is not a loopback address`,
  });
  type = Option.String('--type', 'full', { description: 'thin, producer, archive or full (default)' });
  profichain = Option.String('--profichain', { description: 'Serve the Profichain TCP protocol on HOST:PORT (see urchain-profichain(7)). It does not authenticate clients: whoever reaches the port can write records, so keep it on 127.0.0.1 or firewall it (off loopback the node warns at start)' });
  listen = Option.String('--listen', { description: 'Accept peer links of this network on HOST:PORT (WebSocket)' });
  advertise = Option.String('--advertise', { description: 'HOST:PORT other nodes should dial to reach this one (behind NAT or a proxy; default the --listen address)' });
  seed = Option.Array('--seed', { description: 'HOST:PORT of a node to join the network through (repeatable)' });
  links = Option.String('--links', { description: `Live peer links to hold (default 8)` });
  members = Option.String('--members', { description: 'Member list signed by the membership key (urchain member add); needed for peer links' });
  genesis = Option.String('--genesis', { description: "On an empty data folder: join this chain (its parameters as JSON, e.g. from a peer's GET /v1/params); on a folder with a chain it must be that chain" });
  watch = Option.String('--watch', { description: 'Folder to take files in from' });
  include = Option.String('--include', '*', { description: 'Glob of file names to take in from --watch (default *)' });
  blockTime = Option.String('--block-time', { description: 'Time between blocks (default: the chain parameter)' });
  maxPayload = Option.String('--max-payload', { description: 'Largest record in bytes (default 16 MiB)' });
  logLevel = Option.String('--log-level', { description: 'Events to print: error, warn, info (default) or debug (see the levels above)' });
  quiet = Option.Boolean('--quiet', false, { description: 'Print warnings and errors only (--log-level warn)' });
  events = Option.String('--events', { description: 'Print only these events, by name, comma-separated (e.g. started,block,error), within --log-level; a node not asked for record events does not make them' });
  name = Option.String('--name', { description: 'Name of this node in every event line (default: the first 8 hex digits of its key)' });
  heapGrowth = Option.String('--heap-growth', {
    description: `How far the JavaScript heap may grow between full garbage collections, in percent of what the last one kept (default ${DEFAULT_HEAP_GROWTH}: eleven times; 0 leaves it to V8). Fewer full collections, fewer pauses of the node's thread under load, for more memory`,
  });
  pretenuring = Option.Boolean('--allocation-site-pretenuring', false, {
    description:
      "Let V8 allocate a code site's objects straight into the old generation once most of them outlive a young collection (V8's default; off in a node: under load it did that to the record objects of requests in flight, which then kept their request bodies for a full collection to free, and full collections came every second or two)",
  });
  graphql = Option.Boolean('--graphql', false, { description: 'Also serve GraphQL (read-only) at /graphql on the --api address, under the same token rules (urchain-api(7), GRAPHQL)' });
  graphqlMaxDepth = Option.String('--graphql-max-depth', { description: `Deepest field nesting a GraphQL query may have (default ${GQL.maxDepth})` });
  graphqlMaxCost = Option.String('--graphql-max-cost', { description: `Highest cost of one GraphQL query, computed before it runs (default ${GQL.maxCost}; urchain-api(7) says how it is counted)` });
  graphqlMaxPage = Option.String('--graphql-max-page', { description: `Largest page (first) a GraphQL query may ask for (default ${GQL.maxPage})` });
  graphqlTimeout = Option.String('--graphql-timeout', { description: `Time budget of one GraphQL query (default ${GQL.timeoutMs / 1000}s)` });
  graphqlIntrospection = Option.String('--graphql-introspection', { description: 'true (default) or false: whether GraphQL answers __schema and __type' });
  graphqlMaxPayload = Option.String('--graphql-max-payload', { description: `Largest payload a GraphQL answer carries, in bytes (default ${GQL.maxPayload / 1024 / 1024} MiB)` });

  async run() {
    const type = parseChoice(this.type, '--type', NODE_TYPES);
    const blockTime = this.blockTime === undefined ? undefined : parseDuration(this.blockTime, '--block-time');
    if (this.quiet && this.logLevel !== undefined) throw UrchainError.BAD_INPUT('give --quiet or --log-level, not both (--quiet is --log-level warn)');
    const level = this.quiet ? 'warn' : parseChoice(this.logLevel ?? 'info', '--log-level', LOG_LEVELS);
    if (this.name !== undefined && !NAME_RE.test(this.name)) throw UrchainError.BAD_INPUT(`--name ${JSON.stringify(this.name)}: expected 1-64 printable characters without spaces`);
    const only = this.events === undefined ? undefined : parseEvents(this.events);
    const heapGrowth = parseCount(this.heapGrowth, '--heap-growth') ?? DEFAULT_HEAP_GROWTH;
    if (heapGrowth > MAX_HEAP_GROWTH) throw UrchainError.BAD_INPUT(`--heap-growth: expected a whole number of at most ${MAX_HEAP_GROWTH}, got ${JSON.stringify(this.heapGrowth)}`);
    // A full collection every second or two held the thread 3-16 ms each time (src/io/heapGrowth.ts).
    setHeapGrowth(heapGrowth);
    setPretenuring(this.pretenuring);
    let nodeName = this.name ?? '';
    const priority = journalPrefix(this.context.stdout);
    // Listen first: a SIGTERM right after the `started` event must still stop the node cleanly.
    const signal = stopSignal();
    try {
      const node = await UrchainNode.start({
        dataDir: this.data,
        store: this.store,
        type,
        api: this.api,
        apiToken: apiTokenFrom(this.apiTokenFile),
        graphql: graphqlOptions(this),
        profichain: this.profichain,
        listen: this.listen,
        advertise: this.advertise,
        seeds: this.seed,
        links: parseCount(this.links, '--links', 1),
        members: this.members,
        watch: this.watch ? { dir: this.watch, include: this.include } : undefined,
        blockTime,
        maxPayload: parseCount(this.maxPayload, '--max-payload', 1),
        // One event per record is thousands a second under load: asked for with --json only, so a
        // service whose stdout goes to the journal is not flooded.
        recordEvents: (this.json || level === 'debug') && shows(level, EVENT_LEVELS.record) && (!only || only.has('record')),
        init: { blockTime, params: this.genesis ? readGenesis(this.genesis) : undefined },
        onKey: (k) => void (nodeName ||= toHex(k).slice(0, 8)),
        onEvent: (e: NodeEvent) => {
          const l = EVENT_LEVELS[e.event] ?? 'info';
          if (!shows(level, l) || (only && !only.has(e.event))) return;
          if (priority) this.write(priority(l));
          this.emit({ ...e, node: nodeName, level: l, at: new Date().toISOString() }, human);
        },
      });
      await signal.stopped;
      await node.close().catch((e: Error) => this.log(`urchain: error while stopping: ${e.message}`));
    } finally {
      signal.off();
    }
  }
}

/** --events: known event names only, so a typo does not silence a node without a word. */
function parseEvents(s: string): Set<string> {
  const names = s.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = names.filter((n) => !Object.hasOwn(EVENTS, n));
  if (!names.length || bad.length) throw UrchainError.BAD_INPUT(`--events ${JSON.stringify(s)}: expected event names from: ${Object.keys(EVENTS).join(', ')}`);
  return new Set(names);
}

/** One log line: the time (local, as every human line), the level, the node, the event and its other fields. */
export function human(e: NodeEvent & { node: string; level: LogLevel; at: string }): string {
  return `${humanTime(e.at)} ${e.level.padEnd(5)} ${e.node} ${e.event} ${JSON.stringify({ ...e, event: undefined, node: undefined, level: undefined, at: undefined })}`;
}

/*
 * Syslog priorities for the systemd journal. When a service's stdout is the journal, systemd
 * names that stream in JOURNAL_STREAM ("DEVICE:INODE"); a line starting with "<N>" is then
 * logged at priority N (sd-daemon(3)), so `journalctl -p warning` selects by level. Only then:
 * a pipe to another program gets the plain lines.
 */
const PRIORITY = { error: 3, warn: 4, info: 6, debug: 7 } as const;

/** The prefix per level when `out` is the journal stream named in JOURNAL_STREAM, else undefined. */
export function journalPrefix(out: Writable, env = process.env): ((level: keyof typeof PRIORITY) => string) | undefined {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  const fd = (out as Writable & { fd?: number }).fd;
  if (!m || typeof fd !== 'number') return undefined;
  try {
    const st = fs.fstatSync(fd);
    if (String(st.dev) !== m[1] || String(st.ino) !== m[2]) return undefined;
  } catch {
    return undefined;
  }
  return (level) => `<${PRIORITY[level]}>`;
}

function readGenesis(file: string) {
  const j = readJsonFile(file, '--genesis chain');
  const p = (j as { params?: unknown }).params ?? j; // `urchain init` output or GET /v1/params
  return paramsFromJson(p as ChainParamsJson);
}
