/**
 * The --graphql flags of `node run` as the node's GraphQL options: parsed and checked here, so
 * run.ts only lists them. A --graphql-* limit without --graphql is refused (it would do nothing).
 */
import { parseCount, parseDuration, parseChoice } from '../base.js';
import { UrchainError } from '../../src/errors.js';
import type { GraphqlOptions } from '../../src/node/graphql/http.js';

export interface GraphqlFlags {
  graphql: boolean;
  graphqlMaxDepth?: string;
  graphqlMaxCost?: string;
  graphqlMaxPage?: string;
  graphqlTimeout?: string;
  graphqlIntrospection?: string;
  graphqlMaxPayload?: string;
}

export function graphqlOptions(f: GraphqlFlags): GraphqlOptions | undefined {
  const given = Object.entries(f).filter(([k, v]) => k.startsWith('graphql') && k !== 'graphql' && v !== undefined);
  if (!f.graphql) {
    if (given.length) throw UrchainError.BAD_INPUT(`--${given[0][0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --graphql`);
    return undefined;
  }
  const timeoutMs = f.graphqlTimeout === undefined ? undefined : parseDuration(f.graphqlTimeout, '--graphql-timeout');
  if (timeoutMs !== undefined && timeoutMs < 1) throw UrchainError.BAD_INPUT('--graphql-timeout: expected at least 1ms');
  return {
    maxDepth: parseCount(f.graphqlMaxDepth, '--graphql-max-depth', 1),
    maxCost: parseCount(f.graphqlMaxCost, '--graphql-max-cost', 1),
    maxPage: parseCount(f.graphqlMaxPage, '--graphql-max-page', 1),
    timeoutMs,
    introspection: f.graphqlIntrospection === undefined ? undefined : parseChoice(f.graphqlIntrospection, '--graphql-introspection', ['true', 'false'] as const) === 'true',
    maxPayload: parseCount(f.graphqlMaxPayload, '--graphql-max-payload', 0),
  };
}
