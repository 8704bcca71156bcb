/**
 * @module node/graphql/limits
 * What one GraphQL query may cost, checked on the parsed document BEFORE anything runs: anyone who
 * can reach the API can send a query, and a query's price is set by its shape. Three static limits
 * (depth, cost, page size) and one at run time (the time budget, node/graphql/resolvers).
 *
 * Depth: the deepest field nesting of the operation, fragments expanded (NoFragmentCycles of the
 * standard rules has run, so the expansion ends). Introspection fields (__schema, __type) count
 * as one field each: their answer is the schema, finite and the same for everyone, and
 * --graphql-introspection false switches them off altogether.
 *
 * Cost: every field costs 1, a few cost what they are worth in work (FIELD_COST: a proof builds
 * Merkle paths, a payload is read and base64'd, a trace reads every record of an identifier), and
 * under a field that returns a page (one with a `first` argument) the `edges` and `nodes` below
 * are multiplied by the page size asked for (the default page when none is given). So the cost is
 * an upper bound on the records and blocks touched, known before the first one is read.
 */
import { GraphQLError, Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';

export interface GraphqlLimits {
  /** Deepest field nesting. */
  maxDepth: number;
  /** Highest cost (see the module comment). */
  maxCost: number;
  /** Largest `first` of a page. */
  maxPage: number;
  /** Page size when `first` is not given. */
  defaultPage: number;
  /** Time budget of one query, in ms. */
  timeoutMs: number;
  /** Whether __schema and __type may be asked. */
  introspection: boolean;
  /** Largest payload one Record.payload answers (bytes, before base64). */
  maxPayload: number;
  /** Largest POST body and GET query, in bytes. */
  maxRequestBytes: number;
  /** Most lexical tokens in a document (graphql's parse limit), so parsing itself is bounded. */
  maxTokens: number;
  /** Most /graphql requests in progress at once (bodies being read included); more get 503. */
  maxConcurrent: number;
}

export const DEFAULT_LIMITS: GraphqlLimits = {
  maxDepth: 10,
  maxCost: 20_000,
  maxPage: 1000,
  defaultPage: 100,
  timeoutMs: 5000,
  introspection: true,
  maxPayload: 1024 * 1024,
  maxRequestBytes: 64 * 1024,
  maxTokens: 5000,
  maxConcurrent: 4,
};

/** Fields that cost more than 1, by "Type.field". */
export const FIELD_COST: Record<string, number> = {
  'Record.proof': 50,
  'Record.payload': 20,
  'Query.trace': 20,
  'Query.records': 10,
  'Query.blocks': 5,
  'Block.records': 5,
};

/** The error of a limit: message, where in the query, and `extensions.code`. */
function limitError(code: string, message: string, node?: FieldNode, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { nodes: node ? [node] : undefined, extensions: { code, ...extra } });
}

/**
 * The page size a page field (`isPage`: its schema has a `first` argument) asks for: its `first`
 * literal or variable, else the default page, which is what the resolver runs with. Undefined for
 * a field that is not a page.
 */
function firstOf(f: FieldNode, isPage: boolean, vars: Record<string, unknown>, lim: GraphqlLimits): number | undefined {
  const a = f.arguments?.find((x) => x.name.value === 'first');
  if (!a) return isPage ? lim.defaultPage : undefined;
  const v = valueOf(a.value, vars);
  return typeof v === 'number' ? v : lim.defaultPage;
}

/** The variables as execution sees them: those sent, else each variable's default in the operation. */
function withDefaults(op: OperationDefinitionNode, vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...vars };
  for (const d of op.variableDefinitions ?? []) {
    const name = d.variable.name.value;
    if ((out[name] === undefined || out[name] === null) && d.defaultValue) out[name] = valueOf(d.defaultValue, {});
  }
  return out;
}

function valueOf(v: ValueNode, vars: Record<string, unknown>): unknown {
  if (v.kind === Kind.INT) return Number(v.value);
  if (v.kind === Kind.VARIABLE) return vars[v.name.value];
  return undefined;
}

/**
 * Per "Type.field" of the schema: the named type it returns and whether it is a page (has a
 * `first` argument): enough to price fields.
 */
export type FieldTypes = Map<string, { type: string; page: boolean }>;

/**
 * Most selections the cost walk visits (fields, spreads, inline fragments, each time a fragment
 * is spread). Fragments spread inside fragments multiply: k nested levels of two spreads are 2^k
 * visits, so the walk memoises each fragment's cost and still stops here, whatever the shape.
 */
export const MAX_VISITS = 100_000;

/**
 * Checks depth, cost and page sizes of the operation to run; returns the errors (empty: it may
 * run). `fieldTypes` maps "Parent.field" to the field's named type, so costs follow fragments.
 */
export function checkLimits(doc: DocumentNode, op: OperationDefinitionNode, given: Record<string, unknown>, lim: GraphqlLimits, fieldTypes: FieldTypes): { errors: GraphQLError[]; depth: number; cost: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const errors: GraphQLError[] = [];
  let maxDepth = 0;
  let visits = 0;
  const vars = withDefaults(op, given);
  // A fragment spread at the same depth under the same multiplier costs the same and reports the
  // same depth errors, so it is walked once (this keeps nested spreads linear, not exponential).
  const memo = new Map<string, number>();
  const tooComplex = (): GraphQLError =>
    new GraphQLError(`query is too complex to price: over ${MAX_VISITS} selections once fragments are expanded; the cost limit (--graphql-max-cost) cannot be met`, { nodes: [op], extensions: { code: 'COST_LIMIT', limit: lim.maxCost } });

  /** Cost of a selection set on `type`, at `depth`; `mult` multiplies edges/nodes below a page. */
  const walk = (set: SelectionSetNode, type: string, depth: number, mult: number): number => {
    let cost = 0;
    for (const s of set.selections) {
      if (++visits > MAX_VISITS) throw tooComplex();
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(s.name.value);
        if (!f) continue;
        const key = `${s.name.value}\0${depth}\0${mult}`;
        let c = memo.get(key);
        if (c === undefined) memo.set(key, (c = walk(f.selectionSet, f.typeCondition.name.value, depth, mult)));
        cost += c;
        continue;
      }
      if (s.kind === Kind.INLINE_FRAGMENT) {
        cost += walk(s.selectionSet, s.typeCondition?.name.value ?? type, depth, mult);
        continue;
      }
      const name = s.name.value;
      if (name.startsWith('__')) {
        cost += 1;
        maxDepth = Math.max(maxDepth, depth);
        continue;
      }
      maxDepth = Math.max(maxDepth, depth);
      if (depth === lim.maxDepth + 1 && !errors.some((e) => e.extensions.code === 'DEPTH_LIMIT')) errors.push(limitError('DEPTH_LIMIT', `query is nested deeper than the limit of ${lim.maxDepth} fields (--graphql-max-depth)`, s, { limit: lim.maxDepth }));
      const field = fieldTypes.get(`${type}.${name}`);
      const first = firstOf(s, field?.page ?? false, vars, lim);
      if (first !== undefined && (first < 0 || first > lim.maxPage))
        errors.push(limitError('PAGE_LIMIT', `first: ${first} is outside 0-${lim.maxPage}, the page-size limit (--graphql-max-page)`, s, { limit: lim.maxPage }));
      const childType = field?.type ?? '';
      const here = (name === 'edges' || name === 'nodes' ? mult : 1) * (FIELD_COST[`${type}.${name}`] ?? 1);
      // A page field passes its size down to the edges/nodes below it; edges/nodes use it up.
      const below = first !== undefined ? Math.min(Math.max(first, 0), lim.maxPage) : name === 'edges' || name === 'nodes' ? 1 : mult;
      const inner = s.selectionSet && depth <= lim.maxDepth ? walk(s.selectionSet, childType, depth + 1, below) : 0;
      cost += here + (name === 'edges' || name === 'nodes' ? mult * inner : inner);
    }
    return cost;
  };
  const root = op.operation === 'query' ? 'Query' : op.operation === 'mutation' ? 'Mutation' : 'Subscription';
  let cost: number;
  try {
    cost = walk(op.selectionSet, root, 1, 1);
  } catch (e) {
    if (!(e instanceof GraphQLError)) throw e;
    return { errors: [e], depth: maxDepth, cost: Infinity };
  }
  if (cost > lim.maxCost)
    errors.push(new GraphQLError(`query cost ${cost} is over the limit of ${lim.maxCost} (--graphql-max-cost); ask for smaller pages (first) or fewer proofs and payloads`, { nodes: [op], extensions: { code: 'COST_LIMIT', cost, limit: lim.maxCost } }));
  return { errors, depth: maxDepth, cost };
}
