/**
 * The latest C2SP checkpoint of a chain, for `urchain checkpoint` and `urchain anchor`: the node's
 * GET /checkpoint, or signed here from a data folder through the folder's signer, which refuses a
 * checkpoint inconsistent with the last one signed from that folder (DATA/tlog/signed.json), by
 * the node or by any of these commands.
 */
import { badInput } from '../src/errors.js';

export async function latestCheckpoint(o: { data?: string; node?: string; key?: string; depth?: number }): Promise<{ note: string; verifierKey?: string }> {
  if (!!o.data === !!o.node) throw badInput('give exactly one of --data DIR or --node URL');
  if (o.node) {
    if (o.key) throw badInput('--key goes with --data: with --node the node signs with its own key');
    const { NodeClient } = await import('../src/io/nodeClient.js');
    const c = new NodeClient(o.node, { retries: 2 });
    try {
      return { note: await c.getText(`/checkpoint${o.depth === undefined ? '' : `?depth=${o.depth}`}`) };
    } finally {
      await c.close();
    }
  }
  const [{ readKeyFile }, { keyPath }, { LmdbStore }, { CheckpointSigner }, { noteKey, parseNote, formatVerifierKey }, { parseCheckpointText }] = await Promise.all([
    import('../src/io/keyfile.js'),
    import('../src/node/init.js'),
    import('../src/store/lmdb.js'),
    import('../src/node/tlog.js'),
    import('../src/transparency/note.js'),
    import('../src/transparency/checkpoint.js'),
  ]);
  const key = readKeyFile(o.key ?? keyPath(o.data!));
  const store = await LmdbStore.open(o.data!, { readOnly: true });
  try {
    const note = new CheckpointSigner(true).sign(store, key, o.depth);
    return { note, verifierKey: formatVerifierKey(noteKey(parseCheckpointText(parseNote(note).text).origin, key.publicKey)) };
  } finally {
    await store.close();
  }
}
