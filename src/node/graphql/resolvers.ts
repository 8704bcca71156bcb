/**
 * @module node/graphql/resolvers
 * The values behind node/graphql/schema. graphql-js's default resolver reads a field from its
 * parent object, calling it when it is a function (with the field's arguments): so the root,
 * Block and Record are plain classes whose getters and methods are the fields. Everything is read
 * through node/query and the Store interface, never a backend directly, so GraphQL answers the
 * same on every storage backend.
 *
 * The time budget: every field resolution first calls `ctx.tick()`, which throws TIMEOUT once the
 * query's deadline has passed; loops that read many records tick per record. The store answers
 * synchronously, so a query cannot be interrupted from outside; checking between fields bounds it.
 */
import type { Query } from '../query.js';
import type { StoredTx, TxLocation } from '../../store/types.js';
import { decodeCore, coreToJson, metaGet, type TxCore } from '../../chain/transaction.js';
import { toHex, fromHex, toBase64 } from '../../codec/bytes.js';
import { UrchainError, isUrchainError, badInput } from '../../errors.js';
import type { BlockView } from '../../contracts/blockView.js';
import type { GraphqlLimits } from './limits.js';

export interface GqlContext {
  query: Query;
  limits: GraphqlLimits;
  /** performance.now() after which every field fails with TIMEOUT. */
  deadline: number;
  tick(): void;
}

export function makeContext(query: Query, limits: GraphqlLimits, now = performance.now()): GqlContext {
  const deadline = now + limits.timeoutMs;
  return {
    query,
    limits,
    deadline,
    tick() {
      if (performance.now() > deadline) throw UrchainError.TIMEOUT(`the query ran past its time budget of ${limits.timeoutMs} ms (--graphql-timeout); ask for less`);
    },
  };
}

/**
 * Cursors: the position in chain order. "b:HEIGHT:INDEX" a record in a block, "p:TIME:TXID" a
 * pending one (after every included record), "h:HEIGHT" a block; base64url on the wire.
 */
type Pos = { b: [number, number] } | { p: [number, string] } | { h: number };

export const encodeCursor = (k: string) => Buffer.from(k, 'utf8').toString('base64url');

function decodeCursor(c: string): Pos {
  const k = /^[A-Za-z0-9_-]{1,200}$/.test(c) ? Buffer.from(c, 'base64url').toString('utf8') : '';
  let m: RegExpExecArray | null;
  if ((m = /^b:(\d{1,15}):(\d{1,9})$/.exec(k))) return { b: [Number(m[1]), Number(m[2])] };
  if ((m = /^p:(\d{1,16}):([0-9a-f]{64})$/.exec(k))) return { p: [Number(m[1]), m[2]] };
  if ((m = /^h:(\d{1,15})$/.exec(k))) return { h: Number(m[1]) };
  throw badInput(`cursor ${JSON.stringify(c.slice(0, 80))}: not a cursor this API gave out`);
}

/** -1, 0, 1: chain order of two record positions (included before pending). */
function cmp(a: Pos, b: Pos): number {
  if ('b' in a && 'b' in b) return a.b[0] - b.b[0] || a.b[1] - b.b[1];
  if ('p' in a && 'p' in b) return a.p[0] - b.p[0] || (a.p[1] < b.p[1] ? -1 : a.p[1] > b.p[1] ? 1 : 0);
  if ('h' in a && 'h' in b) return a.h - b.h;
  if ('b' in a && 'p' in b) return -1;
  if ('p' in a && 'b' in b) return 1;
  throw badInput('cursor: not a cursor of this list');
}

const posKey = (p: Pos) => ('b' in p ? `b:${p.b[0]}:${p.b[1]}` : 'p' in p ? `p:${p.p[0]}:${p.p[1]}` : `h:${p.h}`);

/** The page size asked for (limits checked it before execution; checked again for direct callers). */
function pageSize(ctx: GqlContext, first: number | null | undefined): number {
  const n = first ?? ctx.limits.defaultPage;
  if (!Number.isSafeInteger(n) || n < 0 || n > ctx.limits.maxPage) throw badInput(`first: ${n} is outside 0-${ctx.limits.maxPage}`);
  return n;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export class Connection<T> {
  constructor(
    readonly edges: Edge<T>[],
    readonly hasNextPage: boolean,
  ) {}
  get nodes(): T[] {
    return this.edges.map((e) => e.node);
  }
  get pageInfo() {
    return { hasNextPage: this.hasNextPage, endCursor: this.edges.at(-1)?.cursor ?? null };
  }
}

/**
 * One page out of positions that come in chain order: those after `after`, at most `first`.
 * `items` is consumed lazily, so a scan stops one past the page.
 */
function page<T>(ctx: GqlContext, items: Iterable<{ pos: Pos; make: () => T }>, first: number | null | undefined, after: string | null | undefined): Connection<T> {
  const n = pageSize(ctx, first);
  const from = after ? decodeCursor(after) : undefined;
  const edges: Edge<T>[] = [];
  for (const it of items) {
    ctx.tick();
    if (from && cmp(it.pos, from) <= 0) continue;
    if (edges.length === n) return new Connection(edges, true);
    edges.push({ cursor: encodeCursor(posKey(it.pos)), node: it.make() });
  }
  return new Connection(edges, false);
}

const isHex64 = (s: string) => /^[0-9a-fA-F]{64}$/.test(s);

export class RecordNode {
  private coreCache?: TxCore;
  constructor(
    private readonly ctx: GqlContext,
    private readonly id: Uint8Array,
    private readonly stored: StoredTx,
    private readonly loc: TxLocation | undefined,
  ) {}

  static load(ctx: GqlContext, id: Uint8Array): RecordNode | null {
    const stored = ctx.query.store.getTx(id);
    return stored ? new RecordNode(ctx, id, stored, ctx.query.store.location(id)) : null;
  }

  private get c(): TxCore {
    return (this.coreCache ??= decodeCore(this.stored.coreBytes));
  }
  get txId() {
    return toHex(this.id);
  }
  get chainId() {
    return toHex(this.c.chainId);
  }
  get origin() {
    return toHex(this.c.origin);
  }
  get timestamp() {
    return this.c.timestamp;
  }
  get time() {
    return new Date(this.c.timestamp).toISOString();
  }
  get seq() {
    return this.c.seq;
  }
  get kind() {
    return this.c.kind;
  }
  get product() {
    return metaGet(this.c.meta, 'product') ?? null;
  }
  get meta() {
    return Object.fromEntries(this.c.meta);
  }
  get payloadDigest() {
    return toHex(this.c.payloadDigest);
  }
  get payloadLength() {
    return this.c.payloadLength;
  }
  get batchRoot() {
    return toHex(this.stored.batchRoot);
  }
  get core() {
    return coreToJson(this.c);
  }
  get block(): BlockNode | null {
    return this.loc ? BlockNode.load(this.ctx, toHex(this.loc.blockHash)) : null;
  }
  get index() {
    return this.loc?.index ?? null;
  }
  get payloadStored() {
    return this.ctx.query.store.getPayload(this.id) !== undefined;
  }
  payload() {
    const max = this.ctx.limits.maxPayload;
    if (this.c.payloadLength > max) throw UrchainError.TOO_LARGE(`payload of ${this.txId} is ${this.c.payloadLength} bytes, over this API's limit of ${max} (--graphql-max-payload); use GET /v1/txs/{id}?payload=1 or urchain prove`);
    const p = this.ctx.query.store.getPayload(this.id);
    return p ? { length: p.length, base64: toBase64(p) } : null;
  }
  proof({ stripped }: { stripped?: boolean | null }) {
    return this.ctx.query.proof(this.txId, { stripped: !!stripped });
  }
}

export class BlockNode {
  constructor(
    private readonly ctx: GqlContext,
    private readonly v: BlockView,
  ) {}

  /** The block `ref` names (height, hash, head); null when there is none. */
  static load(ctx: GqlContext, ref: string): BlockNode | null {
    try {
      return new BlockNode(ctx, ctx.query.block(ref, { txIds: false }));
    } catch (e) {
      if (isUrchainError(e, 'NOT_FOUND')) return null;
      throw e;
    }
  }

  get hash() {
    return this.v.hash;
  }
  get height() {
    return this.v.height;
  }
  get canonical() {
    return this.v.canonical;
  }
  get timestamp() {
    return this.v.header.timestamp;
  }
  get time() {
    return new Date(this.v.header.timestamp).toISOString();
  }
  get prevHash() {
    return this.v.header.prevHash;
  }
  get merkleRoot() {
    return this.v.header.merkleRoot;
  }
  get historyRoot() {
    return this.v.header.historyRoot;
  }
  get producer() {
    return this.v.header.producer;
  }
  get txCount() {
    return this.v.header.txCount;
  }
  get work() {
    return this.v.work;
  }
  get header() {
    return this.v.header;
  }
  get signatures() {
    return this.v.signatures;
  }
  records({ first, after }: { first?: number | null; after?: string | null }) {
    const { ctx } = this;
    const body = ctx.query.store.getBody(fromHex(this.v.hash, 32)) ?? [];
    const h = this.v.height;
    const items = body.map((id, i) => ({ pos: { b: [h, i] } as Pos, make: () => RecordNode.load(ctx, id)! }));
    return page(ctx, items, first, after);
  }
}

type RecordsArgs = { identifier?: string | null; kind?: string | null; origin?: string | null; from?: number | null; to?: number | null; first?: number | null; after?: string | null };

/** The root: Query's fields. */
export class Root {
  constructor(private readonly ctx: GqlContext) {}

  get head() {
    return BlockNode.load(this.ctx, 'head');
  }

  block({ height, hash }: { height?: number | null; hash?: string | null }) {
    if ((height == null) === (hash == null)) throw badInput('block: give exactly one of height or hash');
    if (height != null && height < 0) throw badInput(`block: height ${height} is negative`);
    if (hash != null && !isHex64(hash)) throw badInput('block: hash must be 64 hex digits');
    return BlockNode.load(this.ctx, height != null ? String(height) : hash!);
  }

  blocks({ from, to, first, after }: { from?: number | null; to?: number | null; first?: number | null; after?: string | null }) {
    const { ctx } = this;
    const top = Math.min(to ?? Infinity, ctx.query.store.head()?.height ?? -1);
    const cur = after ? decodeCursor(after) : undefined;
    const start = Math.max(from ?? 0, cur && 'h' in cur ? cur.h + 1 : 0);
    function* items() {
      for (let h = start; h <= top; h++) yield { pos: { h } as Pos, make: () => BlockNode.load(ctx, String(h))! };
    }
    return page(ctx, items(), first, after);
  }

  record({ txId }: { txId: string }) {
    if (!isHex64(txId)) throw badInput(`record: txId ${JSON.stringify(txId.slice(0, 80))} must be 64 hex digits`);
    return RecordNode.load(this.ctx, fromHex(txId.toLowerCase(), 32));
  }

  records(a: RecordsArgs) {
    const { ctx } = this;
    if (a.origin != null && !isHex64(a.origin)) throw badInput('records: origin must be 64 hex digits');
    const origin = a.origin?.toLowerCase();
    const keep = (r: RecordNode) => (a.kind == null || r.kind === a.kind) && (origin === undefined || r.origin === origin);
    const lo = a.from ?? 0;
    const hi = a.to ?? Infinity;
    if (a.identifier != null) {
      // The identifier's index, in the order `urchain trace` lists it; pending records left out.
      const rows = ctx.query.trace(a.identifier).records.filter((r) => r.block && r.block.height >= lo && r.block.height <= hi);
      const items = rows.map((r) => ({ pos: { b: [r.block!.height, r.block!.index] } as Pos, make: () => RecordNode.load(ctx, fromHex(r.txId, 32))! }));
      return filtered(ctx, items, keep, a.first, a.after);
    }
    // No identifier: a scan of the canonical chain from `from` (or the cursor's block) up.
    const top = Math.min(hi, ctx.query.store.head()?.height ?? -1);
    const cur = a.after ? decodeCursor(a.after) : undefined;
    const start = Math.max(lo, cur && 'b' in cur ? cur.b[0] : 0);
    function* items() {
      for (let h = start; h <= top; h++) {
        ctx.tick();
        const hash = ctx.query.store.hashAt(h);
        const body = (hash && ctx.query.store.getBody(hash)) || [];
        for (let i = 0; i < body.length; i++) yield { pos: { b: [h, i] } as Pos, make: () => RecordNode.load(ctx, body[i])! };
      }
    }
    return filtered(ctx, items(), keep, a.first, a.after);
  }

  trace({ identifier, first, after }: { identifier: string; first?: number | null; after?: string | null }) {
    const { ctx } = this;
    const t = ctx.query.trace(identifier);
    const items = t.records.map((r) => ({
      pos: (r.block ? { b: [r.block.height, r.block.index] } : { p: [r.timestamp, r.txId] }) as Pos,
      make: () => RecordNode.load(ctx, fromHex(r.txId, 32))!,
    }));
    return { identifier: t.product, count: t.count, records: page(ctx, items, first, after) };
  }
}

/** A page of the records that pass `keep` (a filter needs the record, so it is loaded first). */
function filtered(ctx: GqlContext, items: Iterable<{ pos: Pos; make: () => RecordNode }>, keep: (r: RecordNode) => boolean, first?: number | null, after?: string | null) {
  function* kept() {
    for (const it of items) {
      const r = it.make();
      if (keep(r)) yield { pos: it.pos, make: () => r };
    }
  }
  return page(ctx, kept(), first, after);
}
