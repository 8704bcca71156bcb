/** The storage conformance suite (conformance.ts) against the embedded LMDB store. */
import { LmdbStore } from '../../src/store/lmdb.js';
import { storeConformance } from './conformance.js';
import { tmpDir, cleanup } from '../helpers.js';

storeConformance('lmdb', {
  fresh: async () => {
    const dir = tmpDir();
    return { open: (o) => LmdbStore.open(dir, o) };
  },
  after: async () => cleanup(),
}).run();
