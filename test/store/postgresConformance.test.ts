/**
 * The storage conformance suite (conformance.ts) against PostgreSQL: a throwaway cluster of its
 * own (support/postgres.ts) or the server PGTEST_URL names; each case gets a new database. A tiny
 * partition span makes the chain cross partitions within the suite. Under CI a missing
 * PostgreSQL fails (havePostgres throws); elsewhere the suite is left out with the reason.
 */
import { PostgresStore } from '../../src/store/postgres.js';
import { startPostgres, havePostgres, type PgServer } from '../../support/postgres.js';
import { storeConformance } from './conformance.js';

let pg: PgServer | undefined;
if (havePostgres()) {
  storeConformance('postgres', {
    before: async () => void (pg = await startPostgres()),
    fresh: async () => {
      const url = await pg!.createDb('conf');
      return { open: (o) => PostgresStore.open(url, { ...o, partitionSpan: 2 }) };
    },
    failMidCommit: (s, w) => (s as PostgresStore).failingIngest(w),
    after: async () => pg?.stop(),
  }).run();
}
