/**
 * @module node/graphql/pages
 * Relay-style pages for node/graphql/resolvers: cursors (positions in chain order, opaque to
 * clients), their order, and cutting one page out of a lazily produced list.
 */
import { badInput } from '../../errors.js';
import type { GraphqlLimits } from './limits.js';

/** What paging needs of a query's context: the limits and the time budget's check. */
export interface Pager {
  limits: GraphqlLimits;
  tick(): void;
}

/**
 * Cursors: the position in chain order. "b:HEIGHT:INDEX" a record in a block, "p:TIME:TXID" a
 * pending one (after every included record), "h:HEIGHT" a block; base64url on the wire.
 */
export type Pos = { b: [number, number] } | { p: [number, string] } | { h: number };

const encodeCursor = (k: string) => Buffer.from(k, 'utf8').toString('base64url');

export function decodeCursor(c: string): Pos {
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
function pageSize(ctx: Pager, first: number | null | undefined): number {
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
export function page<T>(ctx: Pager, items: Iterable<{ pos: Pos; make: () => T }>, first: number | null | undefined, after: string | null | undefined): Connection<T> {
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

