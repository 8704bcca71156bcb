/**
 * The checkpoint `urchain anchor` stamps: signed here from a data folder (as `urchain checkpoint
 * --data` does), or the node's GET /checkpoint.
 */
import { badInput } from '../../src/errors.js';

export async function latestCheckpoint(o: { data?: string; node?: string; key?: string; depth?: number }): Promise<string> {
  if (!!o.data === !!o.node) throw badInput('give exactly one of --data DIR or --node URL');
  if (o.node) {
    if (o.key) throw badInput('--key goes with --data: with --node the node signs with its own key');
    const { NodeClient } = await import('../../src/io/nodeClient.js');
    const c = new NodeClient(o.node, { retries: 2 });
    try {
      return await c.getText(`/checkpoint${o.depth === undefined ? '' : `?depth=${o.depth}`}`);
    } finally {
      await c.close();
    }
  }
  const [{ readKeyFile }, { keyPath }, { LmdbStore }, { signChainCheckpoint }] = await Promise.all([
    import('../../src/io/keyfile.js'),
    import('../../src/node/init.js'),
    import('../../src/store/lmdb.js'),
    import('../../src/node/tlog.js'),
  ]);
  const key = readKeyFile(o.key ?? keyPath(o.data!));
  const store = await LmdbStore.open(o.data!, { readOnly: true });
  try {
    return signChainCheckpoint(store, key, o.depth).note;
  } finally {
    await store.close();
  }
}
