/**
 * @module node/graphql/schema
 * The GraphQL schema of a node's /graphql (SDL; `urchain graphql schema` prints it, urchain-api(7)
 * documents it). Read-only: a Query type and no Mutation. Its answers are the node's REST answers
 * in another shape: a record's `proof` is the JSON of `urchain prove`, `trace` lists what `urchain
 * trace` lists, in the same order (node/query builds both).
 *
 * Pages are Relay-style connections. A cursor is opaque to clients; it names a position in chain
 * order (a block height, or a record's height and index in its block; pending records after every
 * included one, by time), so a page asked for after new blocks arrived still continues where the
 * last one ended.
 */
import { buildSchema, getNamedType, isObjectType, type GraphQLSchema } from 'graphql';
import type { FieldTypes } from './limits.js';

export const SDL = `"""
Read-only queries over an urchain node's chain (urchain-api(7), section GRAPHQL).
"""
schema {
  query: Query
}

"""
Any JSON value: a proof as \`urchain prove\` prints it, a block header, a record's metadata.
"""
scalar JSON

type Query {
  "The head of the canonical chain."
  head: Block!
  "A block by height (canonical chain) or by hash (any branch the node keeps): give exactly one. Null when the node has none."
  block(height: Int, hash: String): Block
  "Canonical blocks from height \`from\` to \`to\` (both included; default genesis to head), lowest first."
  blocks(from: Int, to: Int, first: Int, after: String): BlockConnection!
  "A record by its transaction id (64 hex digits), in a block or pending. Null when the node does not know it."
  record(txId: String!): Record
  """
  Records in blocks of the canonical chain, in chain order (height, then index in the block).
  identifier: only records naming this product identifier; kind, origin (64 hex digits): only
  those; from, to: only blocks in this height range (both included).
  """
  records(identifier: String, kind: String, origin: String, from: Int, to: Int, first: Int, after: String): RecordConnection!
  "Every record naming a product identifier, in chain order, pending ones last: what \`urchain trace\` lists."
  trace(identifier: String!, first: Int, after: String): Trace!
}

type Block {
  "Block hash (SHA-256 of the canonical header without its signatures), hex."
  hash: String!
  height: Int!
  "Whether the block is on the canonical chain."
  canonical: Boolean!
  "Header timestamp, epoch milliseconds."
  timestamp: Float!
  "Header timestamp, ISO 8601 UTC."
  time: String!
  prevHash: String!
  merkleRoot: String!
  historyRoot: String!
  producer: String!
  txCount: Int!
  "Cumulative work of the chain up to this block, a decimal string."
  work: String!
  "The header as GET /v1/blocks/{ref} answers it."
  header: JSON!
  "The signatures as GET /v1/blocks/{ref} answers them: [{key, sig}]."
  signatures: JSON!
  "The block's records in block order."
  records(first: Int, after: String): RecordConnection!
}

"A record: a transaction the node took in, with what it knows of it."
type Record {
  "Transaction id: SHA-256 of the canonical core, hex."
  txId: String!
  chainId: String!
  "Public key of the node that took it in, hex."
  origin: String!
  "Epoch milliseconds at intake."
  timestamp: Float!
  "The same, ISO 8601 UTC."
  time: String!
  "The origin's counter."
  seq: Float!
  kind: String!
  "The product code (meta.product), if any."
  product: String
  "Metadata, text keys to text values."
  meta: JSON!
  payloadDigest: String!
  payloadLength: Float!
  batchRoot: String!
  "The transaction core as \`urchain prove\` and GET /v1/txs/{id} show it."
  core: JSON!
  "The block of the canonical chain that includes it; null while it is pending."
  block: Block
  "Its position in that block; null while it is pending."
  index: Int
  "Whether this node keeps the payload (a thin node keeps none of others)."
  payloadStored: Boolean!
  "The payload in base64; null when not kept here. Larger than the node's limit: an error TOO_LARGE."
  payload: Payload
  "The proof, the same JSON as \`urchain prove\` (stripped: without the payload). An error CONFLICT while pending."
  proof(stripped: Boolean = false): JSON
}

type Payload {
  "Bytes."
  length: Float!
  base64: String!
}

type Trace {
  identifier: String!
  "Records naming the identifier, all pages together."
  count: Int!
  records: RecordConnection!
}

type RecordConnection {
  edges: [RecordEdge!]!
  nodes: [Record!]!
  pageInfo: PageInfo!
}

type RecordEdge {
  cursor: String!
  node: Record!
}

type BlockConnection {
  edges: [BlockEdge!]!
  nodes: [Block!]!
  pageInfo: PageInfo!
}

type BlockEdge {
  cursor: String!
  node: Block!
}

type PageInfo {
  hasNextPage: Boolean!
  "Pass as \`after\` for the next page; null on an empty page."
  endCursor: String
}
`;

let built: { schema: GraphQLSchema; fieldTypes: FieldTypes } | undefined;

/** The executable schema (built once) and, per "Type.field", the named type it returns and whether it is a page (for node/graphql/limits). */
export function urchainSchema(): { schema: GraphQLSchema; fieldTypes: FieldTypes } {
  if (built) return built;
  const schema = buildSchema(SDL);
  const fieldTypes: FieldTypes = new Map();
  for (const t of Object.values(schema.getTypeMap())) {
    if (!isObjectType(t) || t.name.startsWith('__')) continue;
    for (const f of Object.values(t.getFields())) fieldTypes.set(`${t.name}.${f.name}`, { type: getNamedType(f.type).name, page: f.args.some((a) => a.name === 'first') });
  }
  built = { schema, fieldTypes };
  return built;
}
