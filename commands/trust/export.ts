import { Option } from 'clipanion';
import fs from 'node:fs';
import path from 'node:path';
import { UrchainCommand, dataOption, nodeOption } from '../base.js';
import { LmdbStore } from '../../src/store/lmdb.js';
import { NodeClient } from '../../src/io/nodeClient.js';
import { readKeyFile } from '../../src/io/keyfile.js';
import { readMembersFile } from '../../src/net/members.js';
import { keyPath } from '../../src/node/init.js';
import { trustListFor, type TrustExport } from '../../src/node/trust.js';
import { checkTrustList } from '../../src/proof/trust.js';
import { badInput, notFound } from '../../src/errors.js';
import { chainNoteKeys, noteKeysOf, originOf } from '../../src/transparency/origin.js';
import { parseVerifierKey } from '../../src/transparency/note.js';
import { parseCosignerKey } from '../../src/transparency/cosignature.js';
import { fromHex } from '../../src/codec/bytes.js';

export class TrustExportCommand extends UrchainCommand {
  static override paths = [['trust', 'export']];
  static override usage = UrchainCommand.Usage({
    description: 'Write the trust list a verifier needs for this chain',
    details: `
      Prints {"chains": [chainId], "authorities": [...], "origins": [...], "name": ...} for the chain (urchain-formats(5), TRUST LIST): its id; for proof-of-authority its authority keys (a proof-of-work chain lists none: its blocks are checked by work, and the chain id says which chain); as origins every key the company's member list admits (DATA/members.json, so records taken in at any member node, a thin gateway included, verify) and the node's own key. Add more origins with --origin. For the chain's C2SP checkpoints it also lists "checkpointKeys", the signed-note verifier keys of its checkpoints (urchain-formats(5), C2SP CHECKPOINT), and "witnesses", the cosigner keys with which this chain cosigns its partners' checkpoints (C2SP COSIGNATURE): the chain keys named by the chain's checkpoint origin. A customer's verifier checks \`prove --format tlog-proof\` proofs and their cosignatures against them; a broker witness lists a checkpoint key in --witness-logs. Hand it to partners and customers together with proofs, over a channel they trust.

      A customer who checks countersigned proofs names the partner companies in "partners": each entry is the partner's own exported list with its name, e.g. \`jq -s '.[0] + {partners: [.[1]]}' a.trust.json b.trust.json\`.
    `,
    examples: [
      ['Trust list for customers', '$0 trust export --data ./plant-a > plant-a.trust.json'],
      ['From a running node', '$0 trust export --node http://127.0.0.1:7400 > plant-a.trust.json'],
    ],
  });
  data = dataOption();
  node = nodeOption();
  origin = Option.Array('--origin', { description: 'Further origin key (hex) to accept, repeatable' });

  async run() {
    if (!!this.data === !!this.node) throw badInput('give exactly one of --data DIR or --node URL');
    let list: TrustExport & { checkpointKeys?: string[]; witnesses?: string[] };
    if (this.data) {
      const store = await LmdbStore.open(this.data, { readOnly: true });
      try {
        const params = store.getParams();
        if (!params) throw notFound(`no chain in ${this.data}`);
        const own = fs.existsSync(keyPath(this.data)) ? readKeyFile(keyPath(this.data)).publicKey : undefined;
        const kept = path.join(this.data, 'members.json');
        const members = fs.existsSync(kept) ? readMembersFile(kept) : undefined;
        list = { ...trustListFor(params, own, members, this.origin), ...chainNoteKeys(params, own), note: path.resolve(this.data) };
      } finally {
        await store.close();
      }
    } else {
      const c = new NodeClient(this.node!, { retries: 2 });
      try {
        const fromNode = await c.get<TrustExport>('/v1/trust');
        const origins = [...new Set([...(fromNode.origins ?? []), ...(this.origin ?? []).map((k) => k.toLowerCase())])];
        const params = await c.get<{ name: string; chainId: string; consensus: string; authorities: string[] }>('/v1/params');
        const own = (await c.get<{ publicKey: string }>('/v1/status')).publicKey;
        const keys = params.consensus === 'poa' && params.authorities.length ? params.authorities : [own];
        list = { ...fromNode, ...(origins.length ? { origins } : {}), ...noteKeysOf(originOf(params.name, params.chainId), keys.map((k) => fromHex(k, 32, 'chain key'))), note: this.node };
      } finally {
        await c.close();
      }
    }
    checkTrustList(list, 'trust export'); // what we hand out must pass the verifier's own reading
    list.checkpointKeys?.forEach((k) => parseVerifierKey(k));
    list.witnesses?.forEach((k) => parseCosignerKey(k));
    this.out(list);
  }
}
