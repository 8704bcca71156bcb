import { UrchainCommand } from '../base.js';
import { SDL } from '../../src/node/graphql/schema.js';

export class GraphqlSchemaCommand extends UrchainCommand {
  static override paths = [['graphql', 'schema']];
  static override usage = UrchainCommand.Usage({
    description: "Print the GraphQL schema of a node's /graphql (SDL)",
    details: `
      Prints the schema that \`urchain node run --graphql\` serves at /graphql, in the GraphQL schema definition language, as it is (also when piped); --json prints {"sdl": TEXT}. Code generators and GraphQL clients read it without asking a node (whose introspection may be switched off). The queries, limits and errors are described in urchain-api(7), section GRAPHQL.
    `,
    examples: [
      ['Save the schema for a client generator', '$0 graphql schema > urchain.graphql'],
      ['Count the query fields', "$0 graphql schema | sed -n '/^type Query/,/^}/p'"],
    ],
  });

  async run() {
    if (this.json) this.out({ sdl: SDL });
    else this.write(SDL);
  }
}
