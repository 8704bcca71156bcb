import { Option } from 'clipanion';
import { UrchainCommand, dataOption, nodeOption, parseCount } from '../base.js';
import { badInput } from '../../src/errors.js';
import { exportTiles, type ChainSource } from '../../src/archive/tiles.js';

export class ArchiveExportCommand extends UrchainCommand {
  static override paths = [['archive', 'export']];
  static override usage = UrchainCommand.Usage({
    description: 'Write the chain as static C2SP tlog-tiles files that any web server or CDN can serve',
    details: `
      Writes the chain's history log (leaf i: the hash of the canonical block at height i; the log \`urchain checkpoint\` signs) into --tiles DIR as c2sp.org/tlog-tiles files: DIR/checkpoint (the signed checkpoint), DIR/tile/L/N hash tiles (x-path encoding, partial tiles as .p/W) and DIR/tile/entries/N entry bundles of block hashes. Serve DIR as it is from any web server, CDN or object store: verifiers fetch the checkpoint and the tiles they need and compute inclusion and consistency proofs themselves, with no query server in the path. Layout and byte format: urchain-formats(5), TLOG TILES.

      Only final blocks are exported, as in \`urchain checkpoint\` (--depth). With --data the checkpoint is signed here with --key (default DIR/node.key, a chain key); with --node it is the node's GET /checkpoint and the block hashes come from its API.

      Run it again (from cron, say) to bring DIR up to date: full tiles never change, so only the tiles and bundles from the last partial one on are written, then the checkpoint; a run with nothing new writes nothing. Before writing, the new tree's root computed from the tiles must equal the checkpoint's, and the chain must still extend the tree DIR holds; otherwise nothing is written (exit 1). Prints {dir, origin, size, root, previousSize, written, tiles, bundles}.
    `,
    examples: [
      ['Export a data folder for a web server', '$0 archive export --tiles /var/www/tlog/plant-a --data ./plant-a'],
      ['Bring the export up to date from a running node (from cron, say)', '$0 archive export --tiles /var/www/tlog/plant-a --node http://127.0.0.1:7400'],
    ],
  });
  tiles = Option.String('--tiles', { required: true, description: 'Folder to write (or bring up to date) the tiles in' });
  data = dataOption();
  node = nodeOption();
  key = Option.String('--key', { description: 'Chain key file that signs the checkpoint (with --data; default DIR/node.key)' });
  depth = Option.String('--depth', { description: 'Export only blocks this many or more below the head (default: 0 for a one-authority PoA chain, else 6)' });

  async run() {
    if (!!this.data === !!this.node) throw badInput('give exactly one of --data DIR or --node URL');
    const depth = parseCount(this.depth, '--depth');
    let src: ChainSource;
    let close: () => Promise<void>;
    if (this.node) {
      if (this.key) throw badInput('--key goes with --data: with --node the node signs with its own key');
      const [{ NodeClient }, { nodeSource }] = await Promise.all([import('../../src/io/nodeClient.js'), import('../../src/archive/sources.js')]);
      const c = new NodeClient(this.node, { retries: 2 });
      src = nodeSource(c, depth);
      close = () => c.close();
    } else {
      const [{ LmdbStore }, { storeSource }, { readKeyFile }, { keyPath }] = await Promise.all([
        import('../../src/store/lmdb.js'),
        import('../../src/archive/sources.js'),
        import('../../src/io/keyfile.js'),
        import('../../src/node/init.js'),
      ]);
      const key = readKeyFile(this.key ?? keyPath(this.data!));
      const store = await LmdbStore.open(this.data!, { readOnly: true });
      src = storeSource(store, key, depth);
      close = () => store.close();
    }
    try {
      this.out(await exportTiles(this.tiles, src), (r) => `${r.dir}: ${r.size} blocks (${r.origin}), ${r.written} file(s) written${r.previousSize ? `, was ${r.previousSize}` : ''}`);
    } finally {
      await close();
    }
  }
}
