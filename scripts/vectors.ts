/** Writes test/vectors/formats.json, profichain.json, network.json and proofs.json (run after an intended format change: `npm run vectors`). */
import '../src/io/fastCrypto.js'; // OpenSSL signing and sealing, as the CLI has
import fs from 'node:fs';
import path from 'node:path';
import { buildFormatVectors } from '../support/vectors/formats.js';
import { buildProfichainVectors } from '../support/vectors/profichain.js';
import { buildNetworkVectors } from '../support/vectors/network.js';
import { buildProofVectors } from '../support/vectors/proofs.js';
import { root } from '../support/paths.js';

for (const [name, v] of [['formats.json', buildFormatVectors()], ['profichain.json', buildProfichainVectors()], ['network.json', buildNetworkVectors()], ['proofs.json', buildProofVectors()]] as const) {
  const file = path.join(root, 'test', 'vectors', name);
  fs.writeFileSync(file, JSON.stringify(v, null, 2) + '\n');
  console.log(file);
}
