/**
 * @module node/graphql/examples
 * The example queries of urchain-api(7), section GRAPHQL. The page prints them from here and
 * test/graphql runs each one against a real node and checks its answer against `urchain trace`,
 * `prove` and `block inspect`: a documented example that stops working fails the suite.
 */

export interface GraphqlExample {
  /** Short name; the test refers to the example by it. */
  name: string;
  about: string;
  query: string;
  /** Variables, with placeholders in capitals (TXID, CODE) that a reader replaces. */
  variables?: Record<string, unknown>;
}

export const GRAPHQL_EXAMPLES: GraphqlExample[] = [
  {
    name: 'head',
    about: 'The head of the chain',
    query: '{ head { height hash time txCount } }',
  },
  {
    name: 'trace',
    about: 'Every record of one item, in chain order, with its block: what urchain trace CODE lists',
    query: `query Trace($code: String!) {
  trace(identifier: $code, first: 100) {
    identifier count
    records {
      nodes { txId timestamp time kind origin meta product block { height hash } index }
      pageInfo { hasNextPage endCursor }
    }
  }
}`,
    variables: { code: 'CODE' },
  },
  {
    name: 'record',
    about: 'One record with its block, its payload and its proof (the JSON of urchain prove TXID)',
    query: `query Record($txId: String!) {
  record(txId: $txId) {
    txId kind product meta payloadLength
    block { height hash time }
    payload { length base64 }
    proof
  }
}`,
    variables: { txId: 'TXID' },
  },
  {
    name: 'page',
    about: 'Records of one item in pages of two: pass the endCursor of one page as after of the next',
    query: `query Page($code: String!, $after: String) {
  records(identifier: $code, first: 2, after: $after) {
    edges { cursor node { txId block { height } index } }
    pageInfo { hasNextPage endCursor }
  }
}`,
    variables: { code: 'CODE', after: null },
  },
  {
    name: 'blocks',
    about: 'A range of blocks with the ids of their records',
    query: `{
  blocks(from: 0, to: 3) {
    nodes { height hash prevHash txCount records(first: 10) { nodes { txId } } }
  }
}`,
  },
  {
    name: 'stripped',
    about: 'Proofs without payloads of the records of one kind, for an auditor',
    query: `query Stripped($code: String!, $kind: String) {
  records(identifier: $code, kind: $kind, first: 20) {
    nodes { txId proof(stripped: true) }
  }
}`,
    variables: { code: 'CODE', kind: 'record' },
  },
];
