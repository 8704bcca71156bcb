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
import { decodeCursor, page, type Pos } from './pages.js';

export interface GqlContext {
  query: Query;
  limits: GraphqlLimits;
  /** performance.now() after which every field fails with TIMEOUT. */
  deadline: number;
  tick(): void;
  /** Blocks already built in this query, by hash: a page of records of one block builds it once. */
  blocks: Map<string, BlockNode | null>;
}

export function makeContext(query: Query, limits: GraphqlLimits, now = performance.now()): GqlContext {
  const deadline = now + limits.timeoutMs;
  return {
    query,
    limits,
    deadline,
    blocks: new Map(),
    tick() {
      if (performance.now() > deadline) throw UrchainError.TIMEOUT(`the query ran past its time budget of ${limits.timeoutMs} ms (--graphql-timeout); ask for less`);
    },
  };
}

const isHex64 = (s: string) => /^[0-9a-fA-F]{64}$/.test(s);


export class RecordNode {
  private coreCache?: TxCore;
  private storedCache?: StoredTx;
  private constructor(
    private readonly ctx: GqlContext,
    private readonly id: Uint8Array,
    stored: StoredTx | undefined,
    private readonly loc: TxLocation | undefined,
  ) {
    this.storedCache = stored;
  }

  static load(ctx: GqlContext, id: Uint8Array): RecordNode | null {
    const stored = ctx.query.store.getTx(id);
    return stored ? new RecordNode(ctx, id, stored, ctx.query.store.location(id)) : null;
  }

  /** A record whose location is known already (from the identifier's index): read when a field needs it. */
  static at(ctx: GqlContext, id: Uint8Array, loc: TxLocation | undefined): RecordNode {
    return new RecordNode(ctx, id, undefined, loc);
  }

  private get stored(): StoredTx {
    if (!this.storedCache) {
      const s = this.ctx.query.store.getTx(this.id);
      if (!s) throw UrchainError.STORE(`transaction ${this.txId} is in the product index but not in the store`);
      this.storedCache = s;
    }
    return this.storedCache;
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
    const hit = ctx.blocks.get(ref);
    if (hit !== undefined) return hit;
    let b: BlockNode | null;
    try {
      b = new BlockNode(ctx, ctx.query.block(ref, { txIds: false }));
    } catch (e) {
      if (!isUrchainError(e, 'NOT_FOUND')) throw e;
      b = null;
    }
    if (/^[0-9a-f]{64}$/.test(ref)) ctx.blocks.set(ref, b); // by hash only: "head" and heights may move
    return b;
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
      const items = traceItems(ctx, a.identifier, false).items.filter((it) => 'b' in it.pos && it.pos.b[0] >= lo && it.pos.b[0] <= hi);
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
    const t = traceItems(ctx, identifier, true);
    return { identifier, count: t.count, records: page(ctx, t.items, first, after) };
  }
}

/**
 * The records of an identifier in chain order (`urchain trace`'s: included by height and index,
 * then pending by time), read lazily: up front only the index and each record's location (with
 * the time budget checked per record); a record itself is read and decoded only when its page or
 * a filter needs it, so `first: 10` of a long trace does not decode the whole trace. A pending
 * record's time orders it, so pending ones are decoded (they are few: blocks take them in).
 */
function traceItems(ctx: GqlContext, identifier: string, withPending: boolean): { count: number; items: { pos: Pos; make: () => RecordNode }[] } {
  if (!identifier) throw badInput('product code: expected a non-empty string');
  const ids = ctx.query.store.productTxs(identifier);
  const included: { id: Uint8Array; loc: TxLocation }[] = [];
  const pending: RecordNode[] = [];
  for (const id of ids) {
    ctx.tick();
    const loc = ctx.query.store.location(id);
    if (loc) included.push({ id, loc });
    else if (withPending) pending.push(RecordNode.at(ctx, id, undefined));
  }
  included.sort((x, y) => x.loc.height - y.loc.height || x.loc.index - y.loc.index);
  const items = included.map(({ id, loc }) => ({ pos: { b: [loc.height, loc.index] } as Pos, make: () => RecordNode.at(ctx, id, loc) }));
  const times = pending.map((r) => {
    ctx.tick();
    return { r, pos: { p: [r.timestamp, r.txId] } as Pos };
  });
  times.sort((x, y) => (x.pos as { p: [number, string] }).p[0] - (y.pos as { p: [number, string] }).p[0] || (x.r.txId < y.r.txId ? -1 : 1));
  for (const { r, pos } of times) items.push({ pos, make: () => r });
  return { count: ids.length, items };
}

/** A page of the records that pass `keep` (a filter needs the record, so it is loaded first). */
function filtered(ctx: GqlContext, items: Iterable<{ pos: Pos; make: () => RecordNode }>, keep: (r: RecordNode) => boolean, first?: number | null, after?: string | null) {
  function* kept() {
    for (const it of items) {
      // Records the filter drops never reach page(), which ticks per record it sees: tick here.
      ctx.tick();
      const r = it.make();
      if (keep(r)) yield { pos: it.pos, make: () => r };
    }
  }
  return page(ctx, kept(), first, after);
}
