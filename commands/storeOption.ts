import { Option } from 'clipanion';

/** `--store postgres://USER@HOST:PORT/DB`, shared by node run, audit, prove, trace and status. */
export const storeOption = (what = 'Read from') =>
  Option.String('--store', {
    description: `${what} this PostgreSQL database instead of the LMDB store in --data (postgres://USER@HOST:PORT/DB; the password from PGPASSWORD or ~/.pgpass, as libpq reads them)`,
  });
