/** The storage conformance suite (conformance.ts) against the embedded LMDB store. */
import { LmdbStore } from '../../src/store/lmdb.js';
import { storeConformance } from './conformance.js';
import { tmpDir, cleanup } from '../helpers.js';

storeConformance('lmdb', {
  fresh: async () => {
    const dir = tmpDir();
    return { open: (o) => LmdbStore.open(dir, o) };
  },
  // The EPCIS helper's index of IngestTx.identifiers lands in store/lmdb.ts on its own branch (issue 14 merge): then true.
  identifiers: false,
  after: async () => cleanup(),
}).run();
