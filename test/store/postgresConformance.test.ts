/**
 * The storage conformance suite (conformance.ts) against PostgreSQL: a throwaway cluster of its
 * own (support/postgres.ts) or the server PGTEST_URL names; each case gets a new database. A tiny
 * partition span makes the chain cross partitions within the suite.
 */
import { PostgresStore } from '../../src/store/postgres.js';
import { startPostgres, type PgServer } from '../../support/postgres.js';
import { storeConformance } from './conformance.js';

let pg: PgServer | undefined;
const server = await startPostgres();
pg = server;
if (pg) {
  storeConformance('postgres', {
    fresh: async () => {
      const url = await pg!.createDb('conf');
      return { open: (o) => PostgresStore.open(url, { ...o, partitionSpan: 2 }) };
    },
    identifiers: true,
    failMidCommit: (s, w) => (s as PostgresStore).failingIngest(w),
    after: async () => pg?.stop(),
  }).run();
}
